"""Conversation memory: one session per sender per shop-local day, and its highlights.

A session's messages live in `session.message["messages"]` in OpenAI chat format
(plus a `ts` key we strip before sending). `users_sessions` links a sender to the
session of each day; when a new day opens a session, a few highlights of the
earlier ones are carried over so the sender is remembered without the transcript.
Written by the assistant (its turns), the desk (what a person said during a handover) and
the channel (a flood's superseded messages); the model's trimmed view is assistant/history.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from uuid_extensions import uuid7

from database import connection, load_sql

SQL = load_sql("memory.sql")
MAX_HIGHLIGHTS = 6
_PREFERENCES = re.compile(
    r"\b(less sugar|no sugar|sugar[- ]free|less ice|no ice|oat milk|almond milk|no dairy|"
    r"dairy[- ]free|lactose|vegan|extra shot|decaf|hot|iced|"
    r"ít đường|không đường|ít đá|không đá|sữa yến mạch|không sữa)\b",
    re.IGNORECASE,
)


@dataclass
class Conversation:
    """The sender's open session for today, its stored messages and carried-over highlights."""

    session_id: UUID
    messages: list[dict[str, Any]]
    highlights: list[str] = field(default_factory=list)
    is_new: bool = False


async def open_conversation(psid: str, today: date) -> Conversation:
    """Today's session for `psid`, creating it (with highlights of earlier ones) when missing."""
    rows = await connection().execute_query_dict(SQL["open_session"], [psid, today])
    if rows:
        row = rows[0]
        return Conversation(
            row["session_id"], _json_list(row["messages"]), _json_list(row["highlights"])
        )
    return await _new_conversation(psid, today)


async def _new_conversation(psid: str, today: date) -> Conversation:
    previous = await connection().execute_query_dict(SQL["recent_sessions"], [psid])
    highlights = carry_highlights(
        [(_json_list(row["messages"]), _json_list(row["highlights"])) for row in previous]
    )
    session_id = uuid7()
    await connection().execute_query(
        SQL["create_session"], [psid, session_id, uuid7(), today, json.dumps(highlights)]
    )
    return Conversation(session_id, [], highlights, is_new=True)


def carry_highlights(previous: list[tuple[list[dict[str, Any]], list[str]]]) -> list[str]:
    """Short facts worth keeping from earlier sessions (newest first), extracted by rule.

    `previous` holds each earlier session's (messages, highlights).
    """
    found: list[str] = []
    for messages, highlights in previous:
        found += extract_highlights(messages)
        found += highlights
    return list(dict.fromkeys(found))[:MAX_HIGHLIGHTS]


def _json_list(value: Any) -> list[Any]:
    """A JSON array column as a list (asyncpg returns jsonb as text)."""
    if isinstance(value, str):
        value = json.loads(value)
    return list(value) if isinstance(value, list) else []


def extract_highlights(messages: list[dict[str, Any]]) -> list[str]:
    """Preferences, the product and order last discussed, and an unanswered question."""
    found: list[str] = []
    for message in reversed(messages):
        content = message.get("content") or ""
        if message.get("role") == "user" and isinstance(content, str):
            for match in _PREFERENCES.finditer(content):
                found.append(f"prefers: {match.group(0).lower()}")
        for call in message.get("tool_calls") or []:
            function = call.get("function", {})
            args = _json_object(function.get("arguments"))
            if function.get("name") == "get_product_details" and args.get("product_name"):
                found.append(f"last product discussed: {args['product_name']}")
            elif function.get("name") == "search_products" and args.get("query"):
                found.append(f"was looking for: {args['query']}")
            elif function.get("name") == "get_my_orders":
                found.append("asked about their own orders")
    return found


def _json_object(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw or "{}")
    except (TypeError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


async def append_messages(session_id: UUID, messages: list[dict[str, Any]]) -> None:
    """Append messages to the session atomically (no lost update between writers)."""
    stamp = datetime.now(UTC).isoformat()
    stamped = [{**message, "ts": stamp} for message in messages]
    await connection().execute_query(
        SQL["append_messages"], [json.dumps(stamped, default=str), session_id]
    )


async def add_highlight(psid: str, today: date, note: str) -> None:
    """Remember `note` in the sender's session for `today` (shown to the model from then on)."""
    conversation = await open_conversation(psid, today)
    await connection().execute_query(SQL["add_highlight"], [conversation.session_id, note])


async def reset_conversation(psid: str) -> None:
    """Close the sender's open sessions, so the next message starts fresh."""
    await connection().execute_query(SQL["close_sessions"], [psid])
