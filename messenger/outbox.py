"""Inbox and outbox records: dedup of events and exactly-once bookkeeping of sent parts.

An event's outbox holds every message it causes, in order: the reply to the sender,
and the messages to others (staff notified, an answer relayed, a handover), each
with its Send API messaging type. They are recorded together, in one transaction,
before the first is sent.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from database import connection, load_sql

SQL = load_sql("pipeline.sql")
ACTIONS = ("handover", "release")  # parts that are thread-control calls, not messages
CHART = "chart"  # a part that sends an uploaded picture (outbox_files)


@dataclass(frozen=True)
class NewPart:
    """A message (or thread-control action) to record for an event."""

    recipient: str
    body: dict[str, Any]
    messaging_type: str = "RESPONSE"
    tag: str | None = None
    purpose: str = "reply"
    escalation_id: int | None = None
    file: Attachment | None = None


@dataclass(frozen=True)
class Attachment:
    """A file a part sends (a chart): uploaded to the Send API, then sent by its id."""

    filename: str
    content: bytes
    content_type: str = "image/png"
    attachment_id: str | None = None


@dataclass
class Part:
    """One outgoing message of an event, as recorded."""

    id: int
    part: int
    recipient_psid: str
    body: dict[str, Any]
    state: str
    attempts: int
    messaging_type: str = "RESPONSE"
    tag: str | None = None
    purpose: str = "reply"
    escalation_id: int | None = None

    @property
    def is_action(self) -> bool:
        """A thread-control call (pass or take the thread), not a message."""
        return self.purpose in ACTIONS


async def claim(
    event_key: str,
    psid: str | None,
    kind: str,
    payload: dict[str, Any],
    sent_at: datetime | None = None,
) -> tuple[str | None, int]:
    """Record the event (sent by the person at `sent_at`); return (its state before this
    attempt, the attempt number)."""
    rows = await connection().execute_query_dict(
        SQL["inbox_claim"], [event_key, psid, kind, json.dumps(payload, default=str), sent_at]
    )
    return rows[0]["prior_state"], int(rows[0]["attempts"])


async def transcript(psid: str, since: datetime) -> list[tuple[str, str]]:
    """What the shopper and a person wrote in `psid`'s chat since `since`, from the inbox:
    ("shopper" or "team", text) for each message with text (standby messages, echoes)."""
    rows = await connection().execute_query_dict(SQL["events_during_hold"], [psid, since])
    said: list[tuple[str, str]] = []
    for row in rows:
        payload = row["payload"]
        if isinstance(payload, str):
            payload = json.loads(payload)
        message = payload.get("message") if isinstance(payload, dict) else None
        text = message.get("text") if isinstance(message, dict) else None
        if text:
            said.append(("team" if row["kind"] == "echo" else "shopper", str(text)))
    return said


async def finish(event_key: str, state: str, error: str | None = None) -> None:
    """Set the event's state (done, ignored, recorded, held, failed, retrying) and error."""
    await connection().execute_query(SQL["inbox_finish"], [event_key, state, error])


async def parts(event_key: str) -> list[Part]:
    """The outgoing parts recorded for an event, in order."""
    rows = await connection().execute_query_dict(SQL["outbox_parts"], [event_key])
    return [
        Part(
            row["id"],
            row["part"],
            row["recipient_psid"],
            json.loads(row["body"]) if isinstance(row["body"], str) else row["body"],
            row["state"],
            row["attempts"],
            row["messaging_type"],
            row["tag"],
            row["purpose"],
            row["escalation_id"],
        )
        for row in rows
    ]


async def add_parts(event_key: str, new: list[NewPart]) -> list[Part]:
    """Record the event's parts together (idempotent per event and part number); return all."""
    async with in_transaction() as tx:
        for number, part in enumerate(new):
            await tx.execute_query(
                SQL["outbox_add"],
                [
                    event_key,
                    number,
                    part.recipient,
                    json.dumps(part.body),
                    part.messaging_type,
                    part.tag,
                    part.purpose,
                    part.escalation_id,
                ],
            )
            if part.file is not None:
                await tx.execute_query(
                    SQL["outbox_file_add"],
                    [event_key, number, part.file.filename, part.file.content_type,
                     part.file.content],
                )  # fmt: skip
    return await parts(event_key)


async def attachment(part_id: int) -> Attachment | None:
    """The file part `part_id` carries, if any."""
    rows = await connection().execute_query_dict(SQL["outbox_file"], [part_id])
    if not rows:
        return None
    row = rows[0]
    return Attachment(
        row["filename"], bytes(row["content"]), row["content_type"], row["attachment_id"]
    )


async def uploaded(part_id: int, attachment_id: str) -> None:
    """Remember the Send API's id of the part's uploaded file."""
    await connection().execute_query(SQL["outbox_file_uploaded"], [part_id, attachment_id])


async def mark(
    part_id: int,
    state: str,
    *,
    attempts: int = 0,
    message_id: str | None = None,
    error: str | None = None,
) -> None:
    """Record what happened to one part."""
    await connection().execute_query(
        SQL["outbox_mark"], [part_id, state, attempts, message_id, error]
    )
