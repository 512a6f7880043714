"""`AssistantReply`: what one message is answered with, as every channel reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from desk.turn import Outgoing
from tools.charts.draw import Picture


@dataclass
class AssistantReply:
    """What the assistant answers, and how it got there."""

    text: str
    role: str
    language: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None
    session_id: UUID | None = None
    failed: bool = False
    images: list[str] = field(default_factory=list)
    # Charts of the figures (query_metrics with `chart`), sent as uploaded pictures.
    charts: list[Picture] = field(default_factory=list)
    quick_replies: list[str] = field(default_factory=list)
    # Messages to the sender before the reply (a staff notice, answers that waited for them).
    before: list[str] = field(default_factory=list)
    # Messages to others and handover actions this turn caused (staff notified, a relay).
    outgoing: list[Outgoing] = field(default_factory=list)
    # Nothing to send: a person holds this shopper's thread.
    silent: bool = False
