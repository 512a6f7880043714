"""Escalation records: created once per shopper message, answered once, relayed once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from database import connection, load_sql
from desk.staff import StaffMember

SQL = load_sql("desk.sql")
OPEN = ("requested", "expired")


@dataclass(frozen=True)
class Escalation:
    """One row of `escalations`."""

    id: int
    event_key: str
    shopper_psid: str
    question: str
    kind: str
    language: str
    status: str
    created_at: datetime
    shopper_name: str | None = None
    shopper_message: str | None = None
    targets: list[dict[str, Any]] = field(default_factory=list)
    answer: str | None = None
    answered_by_psid: str | None = None
    answered_by_name: str | None = None
    answer_event_key: str | None = None
    save_to_knowledge: bool | None = None
    knowledge_id: int | None = None
    relay_text: str | None = None
    relay_state: str | None = None
    relay_event_key: str | None = None
    answered_at: datetime | None = None

    @property
    def ref(self) -> str:
        """`#12`."""
        return f"#{self.id}"

    @property
    def target_psids(self) -> list[str]:
        """Whom it was sent to."""
        return [str(target.get("psid")) for target in self.targets if target.get("psid")]

    @classmethod
    def of(cls, row: dict[str, Any]) -> Escalation:
        """From a database row."""
        targets = row.get("targets") or []
        if isinstance(targets, str):
            targets = json.loads(targets)
        names = {name for name in cls.__dataclass_fields__ if name != "targets"}
        values = {key: value for key, value in row.items() if key in names}
        return cls(**values, targets=list(targets))


async def _one(name: str, params: list[Any]) -> Escalation | None:
    rows = await connection().execute_query_dict(SQL[name], params)
    return Escalation.of(rows[0]) if rows else None


async def _many(name: str, params: list[Any]) -> list[Escalation]:
    rows = await connection().execute_query_dict(SQL[name], params)
    return [Escalation.of(row) for row in rows]


async def create(
    *,
    event_key: str,
    shopper_psid: str,
    shopper_mid: str | None,
    shopper_name: str | None,
    question: str,
    shopper_message: str | None,
    kind: str,
    language: str,
    targets: list[StaffMember],
) -> tuple[Escalation, bool]:
    """The escalation of this shopper message, and whether it was created just now."""
    created = await _one(
        "escalation_create",
        [
            event_key,
            shopper_psid,
            shopper_mid,
            shopper_name,
            question,
            shopper_message,
            kind,
            language,
            json.dumps([target.as_dict() for target in targets]),
        ],
    )
    if created is not None:
        return created, True
    existing = await by_event(event_key)
    assert existing is not None, "the conflicting escalation exists"
    return existing, False


async def by_event(event_key: str) -> Escalation | None:
    """The escalation raised by this message."""
    return await _one("escalation_by_event", [event_key])


async def get(ref: int) -> Escalation | None:
    """The escalation `#ref`."""
    return await _one("escalation_get", [ref])


async def of_event(event_key: str) -> list[Escalation]:
    """Escalations this message raised, or answered (or closed)."""
    return await _many("escalations_of_event", [event_key])


async def answer(
    ref: int, text: str, by: StaffMember, event_key: str, *, save: bool
) -> Escalation | None:
    """Record the first answer; None when it is no longer open (someone answered first)."""
    return await _one("escalation_answer", [ref, text, by.psid, by.label, event_key, save])


async def close(ref: int, by: StaffMember, event_key: str) -> Escalation | None:
    """Close an open escalation without an answer; None when it is no longer open."""
    return await _one("escalation_close", [ref, by.psid, by.label, event_key])


async def set_knowledge(ref: int, entry_id: int) -> None:
    """Link the answer to the knowledge entry it became."""
    await connection().execute_query(SQL["escalation_set_knowledge"], [ref, entry_id])


async def set_relay(ref: int, text: str, state: str, event_key: str | None) -> str:
    """Keep the relayed text (the first one wins) and its state; return the kept text."""
    rows = await connection().execute_query_dict(
        SQL["escalation_set_relay"], [ref, text, state, event_key]
    )
    return str(rows[0]["relay_text"])


async def requeue_relay(ref: int) -> None:
    """Meta refused the relay (the window closed, the tag is not approved): it waits for the
    shopper's next message instead."""
    await connection().execute_query(SQL["escalation_requeue_relay"], [ref])


async def relays_for(shopper_psid: str, event_key: str) -> list[Escalation]:
    """Answers waiting for this shopper, or already claimed by this message."""
    return await _many("relays_waiting", [shopper_psid, event_key])


async def open_of_shopper(shopper_psid: str) -> list[Escalation]:
    """The shopper's escalations still waiting for staff (requested), oldest first."""
    return await _many("escalations_open_of_shopper", [shopper_psid])


async def pending() -> list[Escalation]:
    """Open (requested) escalations, oldest first."""
    return await _many("escalations_pending", [])


async def recent(status: str | None = None, limit: int = 50) -> list[Escalation]:
    """Escalations, newest first, optionally of one status."""
    return await _many("escalations_recent", [status, limit])


async def expire(before: datetime) -> list[int]:
    """Mark requested escalations created before `before` as expired; their ids."""
    rows = await connection().execute_query_dict(SQL["escalations_expire"], [before])
    return [int(row["id"]) for row in rows]


async def by_notification(message_id: str) -> int | None:
    """The escalation whose notification has this Messenger message id."""
    rows = await connection().execute_query_dict(SQL["escalation_by_notification"], [message_id])
    return int(rows[0]["escalation_id"]) if rows else None
