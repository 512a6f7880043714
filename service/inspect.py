"""A read-only report of what happened to one sender: conversation, tool calls, messages."""

from __future__ import annotations

import json
from typing import Any

from config import Settings
from database import connection, load_sql
from tools.roles import resolve_caller

PIPELINE = load_sql("pipeline.sql")
DESK = load_sql("desk.sql")
MEMORY = load_sql("memory.sql")
JSON_COLUMNS = ("tool_calls", "fidelity_flags", "highlights", "body", "message")


def _decoded(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with their jsonb columns as data (the driver hands them over as text)."""
    return [
        {
            k: json.loads(v) if k in JSON_COLUMNS and isinstance(v, str) else v
            for k, v in row.items()
        }
        for row in rows
    ]


async def sender_report(psid: str, settings: Settings, limit: int = 20) -> dict[str, Any]:
    """The sender's role, latest conversation, audited turns, events and outgoing messages."""
    conn = connection()
    caller = await resolve_caller(psid, settings)
    sessions = await conn.execute_query_dict(MEMORY["latest_session"], [psid])
    turns = await conn.execute_query_dict(MEMORY["audited_turns"], [psid, limit])
    events = await conn.execute_query_dict(PIPELINE["sender_history"], [psid, limit])
    messages = await conn.execute_query_dict(PIPELINE["sender_outbox"], [psid, limit])
    escalations = await conn.execute_query_dict(DESK["escalations_of_shopper"], [psid, limit])
    held = await conn.execute_query_dict(DESK["thread_get"], [psid])
    sessions, turns, events, messages = map(_decoded, (sessions, turns, events, messages))
    conversation: dict[str, Any] = {}
    if sessions:
        row = sessions[0]
        stored = row["message"]
        conversation = {
            "session_date": row["session_date"],
            "open": row["status"] == 1,
            "highlights": row["highlights"],
            "messages": stored.get("messages", [])[-limit:],
        }
    return json.loads(
        json.dumps(
            {
                "psid": psid,
                "role": caller.role,
                "conversation": conversation,
                "turns": turns,
                "events": events,
                "outgoing": messages,
                "escalations": escalations,
                "held_by_a_person": held[0] if held else None,
            },
            default=str,
        )
    )


async def failed_events(limit: int = 20) -> list[dict[str, Any]]:
    """Events that exhausted their retries, with the error that parked them."""
    rows = await connection().execute_query_dict(PIPELINE["failed_events"], [limit])
    return json.loads(json.dumps(rows, default=str))
