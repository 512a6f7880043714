"""Ask the shop, the pure parts: staff commands, messaging windows, routes, human requests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from config import ConfigError, load_settings, parse_routes
from conversation.commands import is_human_request
from desk.commands import StaffCommand, parse_staff_command
from desk.knowledge import search_words
from desk.windows import Delivery, relay_window

# --------------------------------------------------------------------------- commands


@pytest.mark.parametrize(
    ("text", "reply_to", "expected"),
    [
        (
            "#12 Yes, we deliver to District 7",
            None,
            StaffCommand("answer", 12, "Yes, we deliver to District 7"),
        ),
        ("#12: after 9 pm is fine", None, StaffCommand("answer", 12, "after 9 pm is fine")),
        ("# 7 - có ạ", None, StaffCommand("answer", 7, "có ạ")),
        (
            "#12 nosave: 3pm today only",
            None,
            StaffCommand("answer", 12, "3pm today only", save=False),
        ),
        (
            "#12 (don't save) just this once",
            None,
            StaffCommand("answer", 12, "just this once", save=False),
        ),
        ("#12 sure thing (no save)", None, StaffCommand("answer", 12, "sure thing", save=False)),
        ("#4 không lưu: được ạ", None, StaffCommand("answer", 4, "được ạ", save=False)),
        ("#3 close", None, StaffCommand("close", 3)),
        ("#3 done.", None, StaffCommand("close", 3)),
        ("#12", None, StaffCommand("answer", 12, "")),
        ("yes we do, until 10pm", 5, StaffCommand("answer", 5, "yes we do, until 10pm")),
        ("#9 overrides the reply", 5, StaffCommand("answer", 9, "overrides the reply")),
        (
            "remember: we deliver free over 200k",
            None,
            StaffCommand(
                "remember", text="we deliver free over 200k", question="we deliver free over 200k"
            ),
        ),
        (
            "Remember: parking? Free motorbike parking in front",
            None,
            StaffCommand("remember", text="Free motorbike parking in front", question="parking?"),
        ),
        (
            "ghi nhớ: giờ mở cửa = 7h đến 22h",
            None,
            StaffCommand("remember", text="7h đến 22h", question="giờ mở cửa"),
        ),
        ("forget #12", None, StaffCommand("forget", 12)),
        ("Forget #3", None, StaffCommand("forget", 3)),
        ("take #4", None, StaffCommand("take", 4)),
        ("take over", None, StaffCommand("take_over")),
        ("take over", 6, StaffCommand("take_over", 6)),
        ("release #4", None, StaffCommand("release", 4)),
        ("pending", None, StaffCommand("pending")),
        ("Pending?", None, StaffCommand("pending")),
        ("revenue last month?", None, None),
        ("what's low on stock", None, None),
        ("we sold #1 drink most", None, None),
        ("", 5, None),
    ],
)
def test_staff_commands(text: str, reply_to: int | None, expected: StaffCommand | None) -> None:
    assert parse_staff_command(text, reply_to) == expected


# ---------------------------------------------------------------------------- windows

LAST = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("after", "tag_enabled", "delivery", "tag"),
    [
        (timedelta(0), False, Delivery.RESPONSE, None),
        (timedelta(hours=23, minutes=59, seconds=59), False, Delivery.RESPONSE, None),
        (timedelta(hours=24), False, Delivery.WAIT, None),
        (timedelta(hours=24), True, Delivery.TAGGED, "HUMAN_AGENT"),
        (timedelta(days=6, hours=23, minutes=59), True, Delivery.TAGGED, "HUMAN_AGENT"),
        (timedelta(days=7), True, Delivery.WAIT, None),
        (timedelta(days=30), True, Delivery.WAIT, None),
        (timedelta(hours=23), True, Delivery.RESPONSE, None),
    ],
)
def test_relay_windows_at_their_boundaries(
    after: timedelta, tag_enabled: bool, delivery: Delivery, tag: str | None
) -> None:
    window = relay_window(LAST, LAST + after, tag_enabled)
    assert (window.delivery, window.tag) == (delivery, tag)


def test_no_known_message_means_waiting() -> None:
    assert relay_window(None, LAST, True).delivery is Delivery.WAIT


# ----------------------------------------------------------------------------- routes


def test_routes_parse_and_default() -> None:
    assert parse_routes("question=*;support=owner,manager,support") == {
        "question": ("*",),
        "support": ("owner", "manager", "support"),
    }
    assert parse_routes("support=Owner") == {"support": ("owner",), "question": ("*",)}
    settings = load_settings(_env_file=None)
    assert settings.ESCALATION_ROUTES == {
        "question": ("*",),
        "support": ("owner", "manager", "support"),
    }


@pytest.mark.parametrize("value", ["bogus", "refund=owner", "support=", "question"])
def test_bad_routes_are_one_readable_line(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ESCALATION_ROUTES", value)
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)
    message = str(raised.value)
    assert message.startswith("Configuration error: ESCALATION_ROUTES:")
    assert "\n" not in message


# ----------------------------------------------------------------------- human request


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I want to talk to a human", True),
        ("can I speak with a real person please?", True),
        ("connect me to customer service please", True),
        ("what are your customer service hours?", False),
        ("cho mình gặp nhân viên", True),
        ("cho minh gap nhan vien", True),
        ("nói chuyện với người thật được không", True),
        ("do you have matcha?", False),
        ("talk to me about tea", False),
        ("who is the owner of this shop", False),
    ],
)
def test_human_requests(text: str, expected: bool) -> None:
    assert is_human_request(text) is expected


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("Do you deliver to District 7?", ["deliver", "district", "7"]),
        ("có giao hàng quận 7 không", ["giao", "hang", "quan", "7"]),
        ("what time do you open?", ["time", "open"]),
        ("???", []),
    ],
)
def test_knowledge_search_words(query: str, words: list[str]) -> None:
    assert search_words(query) == words


def test_decomposed_accents_fold_like_composed_ones() -> None:
    import unicodedata

    from core.text import fold

    composed = "Trà Sữa Trân Châu Đường Đen"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert fold(decomposed) == fold(composed) == "tra sua tran chau duong den"


def test_embedding_dimensions_beyond_an_hnsw_index_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EMBEDDING_DIMENSIONS", "3072")
    with pytest.raises(ConfigError) as raised:
        load_settings(_env_file=None)
    assert str(raised.value).startswith("Configuration error: EMBEDDING_DIMENSIONS:")
