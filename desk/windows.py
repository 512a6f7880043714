"""Messenger's messaging windows: when a message may go to someone, and how.

Free-form messages may go within 24 hours of the person's last message (RESPONSE or
UPDATE). A person's reply (HUMAN_AGENT tag) may go within 7 days, but the tag needs
Meta's approval, so it is used only when ENABLE_HUMAN_AGENT_TAG is on. Otherwise the
message waits until the person writes again.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
HUMAN_AGENT_TAG = "HUMAN_AGENT"


class Delivery(enum.StrEnum):
    """How a message can reach its recipient now."""

    RESPONSE = "RESPONSE"
    UPDATE = "UPDATE"
    TAGGED = "MESSAGE_TAG"
    WAIT = "WAIT"


@dataclass(frozen=True)
class Window:
    """The decision for one message: its Send API messaging_type and tag, or WAIT."""

    delivery: Delivery
    tag: str | None = None


def relay_window(last_message_at: datetime | None, now: datetime, human_agent_tag: bool) -> Window:
    """How a staff answer reaches a shopper who last wrote at `last_message_at`.

    Exactly 24 h after the last message the standard window has closed; exactly 7 days
    after it the human-agent window has too.
    """
    if last_message_at is None:
        return Window(Delivery.WAIT)
    age = now - last_message_at
    if age < STANDARD_WINDOW:
        return Window(Delivery.RESPONSE)
    if human_agent_tag and age < HUMAN_AGENT_WINDOW:
        return Window(Delivery.TAGGED, HUMAN_AGENT_TAG)
    return Window(Delivery.WAIT)
