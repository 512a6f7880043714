"""One event's journey: inbox dedup → reply (assistant or canned) → outbox → Send API.

Every step is idempotent, so a retried job (after a crash or an error) picks up
where the last attempt stopped: a reply already recorded in the outbox is never
generated again, and a part already sent is never sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from loguru import logger

from config import Settings
from desk import escalations, handover
from desk import service as desk
from llm_api import ask_assistant
from messenger import outbox
from messenger.events import Event, EventKind, parse_event
from messenger.graph_api import GraphClient, Outcome, SendResult
from messenger.replies import (
    canned_reply,
    language_of,
    outgoing_parts,
    reply_parts,
    text_for_assistant,
)

DONE_STATES = {"done", "ignored", "recorded", "held"}
# Kept for later (what a person and the shopper said while a human held the thread).
RECORD_ONLY = {EventKind.TEXT, EventKind.ATTACHMENT, EventKind.QUICK_REPLY, EventKind.ECHO}
HANDOVER_KINDS = {EventKind.HANDOVER_PASS, EventKind.HANDOVER_TAKE}


class TransientSendError(Exception):
    """The Send API kept failing transiently; the job is retried later (sent parts stay sent)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class PipelineContext:
    """What a job needs besides its arguments (`clock` is injectable for tests)."""

    settings: Settings
    graph: GraphClient
    clock: Callable[[], datetime] = field(default=_utc_now)


async def process_event(
    ctx: PipelineContext, event_key: str, raw: dict[str, Any], channel: str, page_id: str | None
) -> str:
    """Handle one webhook event exactly once; return the final inbox state."""
    event = parse_event(
        raw, channel="standby" if channel == "standby" else "messaging", page_id=page_id
    )
    psid = event.user_id
    with logger.contextualize(psid=psid, event=event_key):
        prior, attempt = await outbox.claim(event_key, psid, event.kind.value, raw)
        if prior in DONE_STATES:
            logger.info("Duplicate delivery of {} ({}): already {}", event_key, event.kind, prior)
            return prior
        if psid is not None and event.kind in HANDOVER_KINDS:
            return await _thread_control(ctx, event_key, event, psid)
        if not event.is_answerable or psid is None:
            state = "recorded" if event.kind in RECORD_ONLY and psid else "ignored"
            await outbox.finish(event_key, state)
            return state
        parts = await outbox.parts(event_key)
        if not parts:
            now = ctx.clock()
            hours = ctx.settings.HANDOVER_TIMEOUT_HOURS
            if await handover.holder(psid, now, hours, event_key):
                logger.info("A person holds the chat with {}: not answered", psid)
                await outbox.finish(event_key, "held")
                return "held"
            new = await _reply_parts(ctx, event, psid, event_key, now)
            parts = await outbox.add_parts(event_key, new)
        elif attempt > 1:
            logger.info("Resuming {}: {} parts recorded", event_key, len(parts))
        error = await deliver(ctx, parts)
        await outbox.finish(event_key, "done", error)
        return "done"


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
        await handover.release(psid, settings, now)
    elif not to_us:
        await handover.hold(psid, None, "page inbox", now)
        logger.info("Thread of {} passed to app {}: the assistant stays silent", psid, event.app_id)
    await outbox.finish(event_key, "recorded")
    return "recorded"


async def _reply_parts(
    ctx: PipelineContext, event: Event, psid: str, event_key: str, now: datetime
) -> list[outbox.NewPart]:
    text = text_for_assistant(event)
    if text is None:
        return [outbox.NewPart(psid, body) for body in canned_reply(event, language_of(event))]
    # The indicators go out while the assistant thinks, not before it starts.
    indicators = asyncio.create_task(_typing(ctx, psid))
    try:
        reply = await ask_assistant(
            psid,
            text,
            settings=ctx.settings,
            now=now,
            event_key=event_key,
            mid=event.mid,
            reply_to_mid=event.reply_to_mid,
        )
    finally:
        await indicators
    for item in reply.outgoing:
        logger.debug("Also sending {}", item.describe())
    return reply_parts(reply, psid)


async def _typing(ctx: PipelineContext, psid: str) -> None:
    if not ctx.graph.dry_run:
        await asyncio.to_thread(_sender_actions, ctx.graph, psid, ("mark_seen", "typing_on"))


def _sender_actions(graph: GraphClient, psid: str, actions: tuple[str, ...]) -> None:
    """Best effort, in order, in one worker thread: a failure is only logged."""
    for action in actions:
        result = graph.sender_action(psid, action)
        if not result.delivered:
            logger.debug("Sender action {} not delivered: {}", action, result.error)


async def deliver(ctx: PipelineContext, parts: list[outbox.Part]) -> str | None:
    """Send the parts not yet sent, in order; return an error note for undeliverable ones.

    A permanent error for one recipient (blocked the page, outside the messaging window)
    fails that recipient's remaining parts only; the others still go.
    """
    notes: list[str] = []
    unreachable: set[str] = set()
    for part in parts:
        if part.state in ("sent", "dry_run", "ambiguous", "failed"):
            continue
        if part.recipient_psid in unreachable:
            await outbox.mark(part.id, "failed", error="an earlier part to them failed")
            await _after_refusal(part)
            continue
        if ctx.graph.dry_run:
            logger.info(
                "Dry run, not sent to {} ({} part {}{}): {}",
                part.recipient_psid,
                part.purpose,
                part.part,
                f", {part.messaging_type}" if part.messaging_type not in ("", "RESPONSE") else "",
                part.body.get("text") or part.body,
            )
            await outbox.mark(part.id, "dry_run")
            continue
        await outbox.mark(part.id, "sending")
        result = await _send_with_retries(ctx, part)
        if result.outcome is Outcome.SENT:
            await outbox.mark(part.id, "sent", attempts=1, message_id=result.message_id)
        elif result.outcome is Outcome.AMBIGUOUS:
            logger.warning("Part {} may or may not have been sent: {}", part.part, result.error)
            await outbox.mark(part.id, "ambiguous", attempts=1, error=result.error)
        elif result.outcome is Outcome.TRANSIENT:
            await outbox.mark(part.id, "pending", attempts=1, error=result.error)
            raise TransientSendError(f"part {part.part}: {result.error}")
        else:
            note = f"{result.outcome.value} error {result.code}/{result.subcode}: {result.error}"
            logger.warning(
                "Part {} to {} not deliverable, not retried: {}",
                part.part,
                part.recipient_psid,
                note,
            )
            await outbox.mark(part.id, "failed", attempts=1, error=note)
            unreachable.add(part.recipient_psid)
            notes.append(note)
            await _after_refusal(part)
    return "; ".join(notes) or None


async def _after_refusal(part: outbox.Part) -> None:
    """What a permanent refusal changes: a thread never passed is not held; a relay refused
    (window closed, tag not approved) waits for the shopper's next message."""
    if part.purpose == "handover":
        await handover.drop(part.recipient_psid)
    elif part.purpose == "relay" and part.escalation_id is not None:
        await escalations.requeue_relay(part.escalation_id)


async def _send_with_retries(ctx: PipelineContext, part: outbox.Part) -> SendResult:
    delay = 0.5
    result = SendResult(Outcome.TRANSIENT, error="not attempted")
    for attempt in range(ctx.settings.SEND_RETRIES + 1):
        result = await asyncio.to_thread(_send, ctx.graph, part)
        if result.outcome is not Outcome.TRANSIENT:
            return result
        if attempt < ctx.settings.SEND_RETRIES:
            logger.info("Send API transient error ({}); retrying in {:.1f}s", result.error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)
    return result


def _send(graph: GraphClient, part: outbox.Part) -> SendResult:
    if part.is_action:
        return graph.thread_control(part.recipient_psid, part.body)
    return graph.send_message(
        part.recipient_psid, part.body, messaging_type=part.messaging_type, tag=part.tag
    )
