"""Inbox and outbox records: dedup of events and exactly-once bookkeeping of sent parts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from database import connection, load_sql

SQL = load_sql("pipeline.sql")


@dataclass
class Part:
    """One outgoing message of an event's reply."""

    id: int
    part: int
    recipient_psid: str
    body: dict[str, Any]
    state: str
    attempts: int


async def claim(
    event_key: str, psid: str | None, kind: str, payload: dict[str, Any]
) -> tuple[str | None, int]:
    """Record the event; return (its state before this attempt, the attempt number)."""
    rows = await connection().execute_query_dict(
        SQL["inbox_claim"], [event_key, psid, kind, json.dumps(payload, default=str)]
    )
    return rows[0]["prior_state"], int(rows[0]["attempts"])


async def finish(event_key: str, state: str, error: str | None = None) -> None:
    """Set the event's state (done, ignored, failed, retrying) and error."""
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
        )
        for row in rows
    ]


async def add_parts(event_key: str, psid: str, bodies: list[dict[str, Any]]) -> list[Part]:
    """Record the reply's parts (idempotent per event and part number); return all of them."""
    conn = connection()
    for number, body in enumerate(bodies):
        await conn.execute_query(SQL["outbox_add"], [event_key, number, psid, json.dumps(body)])
    return await parts(event_key)


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
