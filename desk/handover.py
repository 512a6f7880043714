"""Handing a shopper's chat to a person in the Page Inbox (Handover Protocol), and back.

While a person holds the thread, the assistant stays silent for that shopper. When the
thread comes back (Meta's pass_thread_control to our app, or a staff member's `release`,
or HANDOVER_TIMEOUT_HOURS later), the assistant resumes and remembers what was said.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from loguru import logger

from core import memory
from core.periods import local_today
from database import connection, load_sql
from desk.turn import Outgoing, Transcript, nothing_said

SQL = load_sql("desk.sql")
NOTE_CHARS = 160


async def holder(
    psid: str, now: datetime, timeout_hours: float, event_key: str | None = None
) -> dict[str, Any] | None:
    """The hold on `psid`'s thread, if a person has it (an old hold times out and ends).

    A hold made by the message `event_key` itself does not silence that message: its
    retried job must still send the reply and notifications it owes."""
    rows = await connection().execute_query_dict(SQL["thread_get"], [psid])
    if not rows:
        return None
    hold = rows[0]
    if event_key is not None and hold["event_key"] == event_key:
        return None
    until = hold.get("until")
    if until is not None:  # a person's reply from the Page Inbox: quiet until then
        if now < until:
            return hold
        logger.info("No person has written to {} since {}: the assistant resumes", psid, until)
        await connection().execute_query(SQL["thread_release"], [psid])
        return None
    if now - hold["since"] >= timedelta(hours=timeout_hours):
        logger.info(
            "Thread of {} held since {}: timed out, the assistant resumes", psid, hold["since"]
        )
        await connection().execute_query(SQL["thread_release"], [psid])
        return None
    return hold


async def hold(
    psid: str,
    escalation_id: int | None,
    passed_by: str,
    now: datetime,
    event_key: str | None = None,
) -> None:
    """Record that a person takes the thread (passed by the message `event_key`)."""
    await connection().execute_query(
        SQL["thread_hold"], [psid, escalation_id, passed_by, now, event_key]
    )


async def pause_for_person(psid: str, now: datetime, minutes: float) -> None:
    """A person replied to `psid` from the Page: the assistant steps back for `minutes` (each
    reply starts them again) so that two voices never answer one shopper."""
    if minutes <= 0:
        return
    await connection().execute_query(
        SQL["thread_pause"], [psid, now, now + timedelta(minutes=minutes)]
    )
    logger.info("A person replied to {}: the assistant stays quiet for {:g} min", psid, minutes)


async def latest_hold() -> dict[str, Any] | None:
    """The thread a person took most recently, if any."""
    rows = await connection().execute_query_dict(SQL["thread_latest"], [])
    return rows[0] if rows else None


async def drop(psid: str) -> None:
    """Forget a hold that never took (Meta refused to pass the thread): the assistant goes on."""
    await connection().execute_query(SQL["thread_release"], [psid])


def pass_action(psid: str, target_app_id: str, escalation_id: int | None) -> Outgoing:
    """The Send-side action passing the thread to the Page Inbox (or another app)."""
    metadata = f"escalation #{escalation_id}" if escalation_id else "handover"
    return Outgoing(
        psid,
        purpose="handover",
        escalation_id=escalation_id,
        action={"pass_thread_control": {"target_app_id": target_app_id, "metadata": metadata}},
    )


def take_action(psid: str, escalation_id: int | None) -> Outgoing:
    """Take the thread back from the Page Inbox."""
    return Outgoing(
        psid,
        purpose="release",
        escalation_id=escalation_id,
        action={"take_thread_control": {"metadata": "assistant resumes"}},
    )


async def release(
    psid: str, settings: Any, now: datetime, transcript: Transcript = nothing_said
) -> str | None:
    """End the hold on `psid`'s thread; remember what was said meanwhile (read by
    `transcript`). The note, if any."""
    rows = await connection().execute_query_dict(SQL["thread_release"], [psid])
    if not rows:
        return None
    said = await transcript(psid, rows[0]["since"])
    note = hold_note(said, rows[0]["escalation_id"])
    await memory.add_highlight(psid, local_today(settings.tz, now), note)
    logger.info("The assistant resumes the chat with {}", psid)
    return note


def hold_note(transcript: list[tuple[str, str]], escalation_id: int | None) -> str:
    """One line for the assistant's memory: what the shopper and the person said."""
    said = [f'{who}: "{text[:NOTE_CHARS]}"' for who, text in transcript]
    ref = f" (#{escalation_id})" if escalation_id else ""
    if not said:
        return f"a team member handled this chat in the Page Inbox{ref}"
    return f"a team member handled this chat in the Page Inbox{ref}; " + "; ".join(said[-6:])
