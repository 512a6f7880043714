"""One event's journey: inbox dedup → held? → conversation (or a canned reply) → outbox → Send API.

Every step is idempotent, so a retried job (after a crash or an error) picks up
where the last attempt stopped: a reply already recorded in the outbox is never
generated again, and a part already sent is never sent again. Any number of
re-deliveries of an event that reached a final state are no-ops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from loguru import logger

from config import Settings
from conversation.decide import answer, held_by_a_person
from core import memory
from core.periods import local_today
from database import connection, load_sql
from desk import handover
from desk import service as desk
from messenger import outbox
from messenger.delivery import SendState, confirm_echo
from messenger.delivery import deliver as send_parts
from messenger.events import (
    HANDOVER_KINDS,
    Event,
    EventKind,
    is_person_echo,
    parse_event,
    part_of_mark,
)
from messenger.graph_api import GraphClient
from messenger.replies import (
    canned_reply,
    is_our_postback,
    language_of,
    notice_text,
    outgoing_parts,
    reply_parts,
    text_for_assistant,
)
from tools.llm_tools import SHOPPER
from tools.roles import resolve_caller

SQL = load_sql("pipeline.sql")
DONE_STATES = {"done", "ignored", "recorded", "held", "superseded"}
# Kept for later (what a person and the shopper said while a human held the thread).
RECORD_ONLY = {EventKind.TEXT, EventKind.ATTACHMENT, EventKind.QUICK_REPLY, EventKind.ECHO}
# Another app's button is answered with one polite line a day per person, never escalated.
FOREIGN_POSTBACK_EVERY = timedelta(days=1)
# "Slow down" goes at most once a minute to a sender over MESSAGES_PER_MINUTE_LIMIT.
SLOW_DOWN_EVERY = timedelta(minutes=1)
NewerWaiting = Callable[[], Awaitable[bool]]


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PipelineContext:
    """What a job needs besides its arguments (`clock` is injectable for tests)."""

    settings: Settings
    graph: GraphClient
    clock: Callable[[], datetime] = field(default=_utc_now)
    sending: SendState = field(default_factory=SendState)


async def deliver(ctx: PipelineContext, parts: list[outbox.Part]) -> str | None:
    """Send the parts not yet sent (see `messenger.delivery`)."""
    return await send_parts(ctx.settings, ctx.graph, ctx.sending, parts)


async def process_event(
    ctx: PipelineContext,
    event_key: str,
    raw: dict[str, Any],
    channel: str,
    page_id: str | None,
    newer_waiting: NewerWaiting | None = None,
) -> str:
    """Handle one webhook event exactly once; return the final inbox state.

    `newer_waiting` tells whether a later message of the same sender waits in the queue
    (a flood is answered for its latest message)."""
    event = parse_event(
        raw, channel="standby" if channel == "standby" else "messaging", page_id=page_id
    )
    psid = event.user_id
    with logger.contextualize(psid=psid, event=event_key):
        sent_at = _sent_at(event, ctx.clock())
        prior, attempt = await outbox.claim(event_key, psid, event.kind.value, raw, sent_at)
        if prior in DONE_STATES:
            logger.info("Duplicate delivery of {} ({}): already {}", event_key, event.kind, prior)
            return prior
        if psid is not None and event.kind in HANDOVER_KINDS:
            return await _thread_control(ctx, event_key, event, psid)
        if event.kind is EventKind.ECHO:
            return await _echo(ctx, event_key, event)
        if not event.is_answerable or psid is None:
            state = "recorded" if event.kind in RECORD_ONLY and psid else "ignored"
            await outbox.finish(event_key, state)
            return state
        parts = await outbox.parts(event_key)
        if not parts:
            now = ctx.clock()
            if await held_by_a_person(psid, ctx.settings, now, event_key):
                logger.info("A person holds the chat with {}: not answered", psid)
                await outbox.finish(event_key, "held")
                return "held"
            flood = await _flooding(ctx, event, psid, sent_at)
            if flood and newer_waiting is not None and await newer_waiting():
                return await _supersede(ctx, event_key, event, psid, now)
            new = await _reply_parts(ctx, event, psid, event_key, now)
            if flood and new:
                new = await _with_slow_down(ctx, event, psid, now, new)
            parts = await outbox.add_parts(event_key, new)
        elif attempt > 1:
            logger.info("Resuming {}: {} parts recorded", event_key, len(parts))
        error = await deliver(ctx, parts)
        await outbox.finish(event_key, "done", error)
        return "done"


def _sent_at(event: Event, now: datetime) -> datetime:
    """When the person sent the event (Meta's timestamp; now when it is missing or absurd)."""
    if event.timestamp is None:
        return now
    try:
        stamp = datetime.fromtimestamp(event.timestamp / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return now
    # A clock far off (or a test's made-up timestamp) must not make a burst look spread out.
    return stamp if abs(stamp - now) <= timedelta(days=2) else now


async def _echo(ctx: PipelineContext, event_key: str, event: Event) -> str:
    """The page's own message: ours settles a timed-out send; a person's pauses the assistant."""
    part_id = part_of_mark(event.metadata)
    if part_id is not None:
        await confirm_echo(part_id, event.mid)
        await outbox.finish(event_key, "ignored")
        return "ignored"
    if event.user_id is not None and is_person_echo(event, ctx.settings.FB_APP_ID):
        await handover.pause_for_person(
            event.user_id, ctx.clock(), ctx.settings.HUMAN_REPLY_PAUSE_MINUTES
        )
    await outbox.finish(event_key, "recorded")
    return "recorded"


async def _flooding(ctx: PipelineContext, event: Event, psid: str, sent_at: datetime) -> bool:
    """Whether a shopper posts faster than a person types (MESSAGES_PER_MINUTE_LIMIT). Staff
    are never limited: each of their messages may be a command (an answer to #12) that must
    run on its own."""
    rows = await connection().execute_query_dict(SQL["messages_in_minute"], [psid, sent_at])
    count = int(rows[0]["n"]) if rows else 0
    if count <= ctx.settings.MESSAGES_PER_MINUTE_LIMIT:
        return False
    if (await resolve_caller(psid, ctx.settings)).role != SHOPPER:
        return False
    logger.warning("{} sent {} messages within a minute", psid, count)
    return True


async def _supersede(
    ctx: PipelineContext, event_key: str, event: Event, psid: str, now: datetime
) -> str:
    """A message of a flood with a later one already waiting: kept in the conversation (the
    answer to the latest sees it), not answered on its own."""
    text = text_for_assistant(event)
    if text:
        conversation = await memory.open_conversation(psid, local_today(ctx.settings.tz, now))
        await memory.append_messages(conversation.session_id, [{"role": "user", "content": text}])
    logger.info("Flood from {}: {} recorded, the latest message is answered", psid, event_key)
    await outbox.finish(event_key, "superseded")
    return "superseded"


async def _with_slow_down(
    ctx: PipelineContext, event: Event, psid: str, now: datetime, new: list[outbox.NewPart]
) -> list[outbox.NewPart]:
    """The answer to a flood's latest message, after one line asking to slow down (at most
    once a minute)."""
    rows = await connection().execute_query_dict(
        SQL["sent_recently"], [psid, "slow_down", now - SLOW_DOWN_EVERY]
    )
    if rows and rows[0]["sent"]:
        return new
    notice = {"text": notice_text("slow_down", language_of(event))}
    return [outbox.NewPart(psid, notice, purpose="slow_down"), *new]


async def housekeeping(ctx: PipelineContext) -> None:
    """Expire escalations left unanswered; at ESCALATION_REMINDER_HOUR (shop time) remind
    each staff member once a day of what is still waiting (keyed per day and person)."""
    settings, now = ctx.settings, ctx.clock()
    await desk.expire_stale(settings, now)
    local = now.astimezone(settings.tz)
    if local.hour != settings.ESCALATION_REMINDER_HOUR:
        return
    for item in await desk.reminders(settings, now):
        key = f"reminder:{local.date().isoformat()}:{item.recipient}"
        parts = await outbox.parts(key) or await outbox.add_parts(key, outgoing_parts(item))
        await deliver(ctx, parts)


async def _thread_control(ctx: PipelineContext, event_key: str, event: Event, psid: str) -> str:
    """Meta says who owns the thread now: a person (the assistant stays silent) or us."""
    settings, now = ctx.settings, ctx.clock()
    ours = settings.FB_APP_ID
    to_us = (
        event.app_id == ours
        if ours
        else event.app_id not in (None, settings.HANDOVER_TARGET_APP_ID)
    )
    if event.kind is EventKind.HANDOVER_PASS and to_us:
        await handover.release(psid, settings, now, outbox.transcript)
    elif not to_us:
        await handover.hold(psid, None, "page inbox", now)
        logger.info("Thread of {} passed to app {}: the assistant stays silent", psid, event.app_id)
    await outbox.finish(event_key, "recorded")
    return "recorded"


async def _reply_parts(
    ctx: PipelineContext, event: Event, psid: str, event_key: str, now: datetime
) -> list[outbox.NewPart]:
    if event.kind is EventKind.POSTBACK and not is_our_postback(event.payload):
        return await _foreign_postback(event, psid, now)
    text = text_for_assistant(event)
    if text is None:
        return [outbox.NewPart(psid, body) for body in canned_reply(event, language_of(event))]
    # The indicators go out while the assistant thinks, not before it starts.
    indicators = asyncio.create_task(_typing(ctx, psid))
    try:
        reply = await answer(
            psid,
            text,
            settings=ctx.settings,
            now=now,
            event_key=event_key,
            mid=event.mid,
            reply_to_mid=event.reply_to_mid,
            transcript=outbox.transcript,
        )
    finally:
        await indicators
    for item in reply.outgoing:
        logger.debug("Also sending {}", item.describe())
    return reply_parts(reply, psid)


async def _foreign_postback(event: Event, psid: str, now: datetime) -> list[outbox.NewPart]:
    """A button this app never sent (another app's, a test tool's): recorded, answered with
    one polite line at most once a day, never read as a question (nothing is escalated)."""
    logger.info("Postback with a payload that is not ours ({!r}): not a command", event.payload)
    rows = await connection().execute_query_dict(
        SQL["sent_recently"], [psid, "foreign_postback", now - FOREIGN_POSTBACK_EVERY]
    )
    if rows and rows[0]["sent"]:
        return []
    body = {"text": notice_text("foreign_postback", language_of(event))}
    return [outbox.NewPart(psid, body, purpose="foreign_postback")]


async def _typing(ctx: PipelineContext, psid: str) -> None:
    if not ctx.graph.dry_run:
        await asyncio.to_thread(_sender_actions, ctx.graph, psid, ("mark_seen", "typing_on"))


def _sender_actions(graph: GraphClient, psid: str, actions: tuple[str, ...]) -> None:
    """Best effort, in order, in one worker thread: a failure is only logged."""
    for action in actions:
        result = graph.sender_action(psid, action)
        if not result.delivered:
            logger.debug("Sender action {} not delivered: {}", action, result.error)
