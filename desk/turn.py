"""One incoming message as the desk sees it, and the messages the desk sends because of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from config import Settings
from database import connection, load_sql

SQL = load_sql("desk.sql")
Rewrite = Callable[[str, str], Awaitable[str]]
# What was said in a chat since an instant, as (who, text): "shopper" or "team". The channel
# reads it from its own records; the desk only formats it.
Transcript = Callable[[str, datetime], Awaitable[list[tuple[str, str]]]]


async def _as_written(text: str, language: str) -> str:
    return text


async def nothing_said(psid: str, since: datetime) -> list[tuple[str, str]]:
    """No transcript: a caller without the channel's records (a test, a script)."""
    return []


@dataclass(frozen=True)
class Turn:
    """Who wrote what, when, under which durable key (the inbox event or a CLI run)."""

    psid: str
    role: str  # owner (staff) or shopper
    event_key: str
    text: str
    language: str
    now: datetime
    settings: Settings
    mid: str | None = None
    reply_to_mid: str | None = None
    # Rewrites a staff answer into the shopper's language (the LLM; as written offline).
    rewrite: Rewrite = field(default=_as_written)
    # Reads what a shopper and a person said while the person held the chat.
    transcript: Transcript = field(default=nothing_said)


@dataclass(frozen=True)
class Outgoing:
    """A message (or a handover action) for someone other than the sender, or before the reply.

    `purpose`: notify (staff asked), closure (others told it is done), relay (the answer to
    the shopper), reminder, handover (pass the thread to the Page Inbox), release (take it back).
    """

    recipient: str
    text: str = ""
    purpose: str = "notify"
    messaging_type: str = "UPDATE"
    tag: str | None = None
    escalation_id: int | None = None
    quick_replies: tuple[str, ...] = ()
    action: dict[str, Any] | None = None

    def describe(self) -> str:
        """One line for logs and `flask ask`."""
        if self.action is not None:
            return f"[{self.purpose} → {self.recipient}] {self.action}"
        tag = f" {self.tag}" if self.tag else ""
        return f"[{self.purpose} → {self.recipient} {self.messaging_type}{tag}] {self.text}"


@dataclass
class DeskReply:
    """The desk's answer to a message it handled itself (no model needed), and what follows."""

    text: str
    outgoing: list[Outgoing] = field(default_factory=list)
    quick_replies: tuple[str, ...] = ()
    lists_pending: bool = False  # the reply already lists what is waiting (no notice first)


async def last_message_at(psid: str) -> datetime | None:
    """When `psid` last wrote to the page (the start of Messenger's messaging window)."""
    rows = await connection().execute_query_dict(SQL["last_message_at"], [psid])
    value = rows[0]["at"] if rows else None
    return value if isinstance(value, datetime) else None
