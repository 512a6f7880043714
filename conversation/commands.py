"""Chat commands recognised without a model (a fresh start, "delete my data", "talk to a
person"), and the fixed replies to the first two."""

from __future__ import annotations

import re

from core import data
from core.text import fold

RESET_COMMANDS = frozenset(data.load("words.yaml")["reset_commands"])
DELETE_COMMANDS = frozenset(data.load("words.yaml")["delete_commands"])


_HUMAN_REQUEST = re.compile(
    r"\b(?:(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|the\s+|some\s+|your\s+)?"
    r"(?:real\s+|live\s+)?(?:human|person|someone|somebody|staff|agent|manager|owner|people)"
    r"|(?:real|live)\s+(?:person|human|agent)|human\s+(?:please|agent|being)"
    r"|(?:talk|speak|chat|connect\s+me|contact|reach)\s+(?:to\s+|with\s+)?(?:your\s+|the\s+)?"
    r"customer\s+(?:service|support|care)|customer\s+(?:service|support|care)\s+please"
    r"|(?:gap|noi chuyen voi|lien he|ket noi|goi)\s+(?:voi\s+)?(?:nhan vien|nguoi that|chu shop|"
    r"quan ly|tu van vien|admin|nguoi)"
    r"|nhan vien oi|cho (?:minh|toi|em|tui) gap)\b"
)


def is_human_request(text: str) -> bool:
    """Whether a shopper asks to talk to a person (English or Vietnamese, accents optional)."""
    return bool(_HUMAN_REQUEST.search(" ".join(fold(text).split())))


def _command(text: str) -> str:
    return " ".join(fold(text).strip().strip(".!?").split())


def is_reset(text: str) -> bool:
    """Whether the message asks for a fresh conversation."""
    return _command(text) in RESET_COMMANDS


def is_delete_request(text: str) -> bool:
    """Whether the message asks to delete the sender's data."""
    return _command(text) in DELETE_COMMANDS


REPLIES = {
    "reset": {
        "en": "Okay, starting a new conversation. How can I help?",
        "vi": "Được rồi, mình bắt đầu cuộc trò chuyện mới nhé. Bạn cần gì ạ?",
    },
    "deleted": {
        "en": "Done: your chat history with us has been deleted.",
        "vi": "Xong: lịch sử trò chuyện của bạn đã được xóa.",
    },
}


def canned(key: str, language: str) -> str:
    """A fixed reply in the user's language."""
    return REPLIES[key].get(language, REPLIES[key]["en"])
