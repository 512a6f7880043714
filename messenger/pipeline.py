"""One event's journey: inbox dedup → reply (assistant or canned) → outbox → Send API.

Every step is idempotent, so a retried job (after a crash or an error) picks up
where the last attempt stopped: a reply already recorded in the outbox is never
generated again, and a part already sent is never sent again.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from loguru import logger

from config import Settings
from llm_api import ask_assistant
from messenger import outbox
from messenger.events import Event, parse_event
from messenger.graph_api import GraphClient, Outcome, SendResult
from messenger.replies import assistant_bodies, canned_reply, language_of, text_for_assistant

DONE_STATES = {"done", "ignored"}


class TransientSendError(Exception):
    """The Send API kept failing transiently; the job is retried later (sent parts stay sent)."""


@dataclass
class PipelineContext:
    """What a job needs besides its arguments."""

    settings: Settings
    graph: GraphClient


async def process_event(
    ctx: PipelineContext, event_key: str, raw: dict[str, Any], channel: str, page_id: str | None
) -> str:
    """Handle one webhook event exactly once; return the final inbox state."""
    event = parse_event(
        raw, channel="standby" if channel == "standby" else "messaging", page_id=page_id
    )
    psid = event.sender_id
    with logger.contextualize(psid=psid, event=event_key):
        prior, attempt = await outbox.claim(event_key, psid, event.kind.value, raw)
        if prior in DONE_STATES:
            logger.info("Duplicate delivery of {} ({}): already {}", event_key, event.kind, prior)
            return prior
        if not event.is_answerable or psid is None:
            await outbox.finish(event_key, "ignored")
            return "ignored"
        parts = await outbox.parts(event_key)
        if not parts:
            bodies = await _reply_bodies(ctx, event, psid)
            parts = await outbox.add_parts(event_key, psid, bodies)
        elif attempt > 1:
            logger.info("Resuming {}: {} parts recorded", event_key, len(parts))
        error = await deliver(ctx, parts)
        await outbox.finish(event_key, "done", error)
        return "done"


async def _reply_bodies(ctx: PipelineContext, event: Event, psid: str) -> list[dict[str, Any]]:
    text = text_for_assistant(event)
    if text is None:
        return canned_reply(event, language_of(event))
    # The indicators go out while the assistant thinks, not before it starts.
    indicators = asyncio.create_task(_typing(ctx, psid))
    try:
        reply = await ask_assistant(psid, text, settings=ctx.settings)
    finally:
        await indicators
    return assistant_bodies(reply)


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
    """Send the parts not yet sent, in order; return an error note for undeliverable ones."""
    for index, part in enumerate(parts):
        if part.state in ("sent", "dry_run", "ambiguous", "failed"):
            continue
        if ctx.graph.dry_run:
            logger.info(
                "Dry run, not sent to {} (part {}): {}",
                part.recipient_psid,
                part.part,
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
            logger.warning("Part {} not deliverable, not retried: {}", part.part, note)
            for rest in parts[index:]:
                await outbox.mark(rest.id, "failed", error=note)
            return note
    return None


async def _send_with_retries(ctx: PipelineContext, part: outbox.Part) -> SendResult:
    delay = 0.5
    result = SendResult(Outcome.TRANSIENT, error="not attempted")
    for attempt in range(ctx.settings.SEND_RETRIES + 1):
        result = await asyncio.to_thread(ctx.graph.send_message, part.recipient_psid, part.body)
        if result.outcome is not Outcome.TRANSIENT:
            return result
        if attempt < ctx.settings.SEND_RETRIES:
            logger.info("Send API transient error ({}); retrying in {:.1f}s", result.error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)
    return result
