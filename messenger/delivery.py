"""Sending an event's recorded parts through the Send API, each exactly once where Meta allows.

What failed decides what happens next:
- a transient error (throttling, Meta's 5xx) is retried a few times at once, then the job is
  retried later (parts already sent stay sent);
- a rejected page token (codes 190, 102) is not the message's fault: the part stays pending,
  the job is retried with backoff (at most every 30 s) until a working token is set — after a
  restart too, since the job is durable — and the problem shows in the log and `/healthz`;
- a read timeout after the request went out (ambiguous) is settled by Meta's echo of the part
  (its `metadata` names the part) when echoes are subscribed; without one by the job's next
  attempt, the part is **sent again** — a repeat is preferred to a loss;
- an error that is the message's own (outside the 24 h window, the person unavailable) fails
  that recipient's parts for good.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from loguru import logger

from config import Settings
from database import connection, load_sql
from desk import escalations, handover
from messenger import outbox
from messenger.graph_api import GraphClient, Outcome, SendResult

SQL = load_sql("pipeline.sql")
TOKEN_STATUS = "page_token"
FINAL_PART_STATES = ("sent", "dry_run", "failed")


class TransientSendError(Exception):
    """The Send API kept failing transiently; the job is retried later (sent parts stay sent)."""


class TokenRejected(TransientSendError):
    """Meta rejected the page token: nothing can be sent until a working one is set."""


class SendUnsettled(TransientSendError):
    """A send timed out after the request went out; the next attempt settles it."""


@dataclass
class SendState:
    """What this process knows about the page token (shared by its jobs)."""

    token_trouble_unknown: bool = True  # a rejection recorded by an earlier process may be over
    token_rejected: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


async def deliver(
    settings: Settings, graph: GraphClient, state: SendState, parts: list[outbox.Part]
) -> str | None:
    """Send the parts not yet sent, in order; return an error note for undeliverable ones.

    A permanent error for one recipient (blocked the page, outside the messaging window)
    fails that recipient's remaining parts only; the others still go.
    """
    notes: list[str] = []
    unreachable: set[str] = set()
    unsettled: list[int] = []
    for part in parts:
        if part.state in FINAL_PART_STATES:
            continue
        if part.recipient_psid in unreachable:
            await outbox.mark(part.id, "failed", error="an earlier part to them failed")
            await after_refusal(part)
            continue
        if graph.dry_run:
            await _dry_run(settings, part)
            continue
        if part.state == "ambiguous":
            logger.warning(
                "Part {} to {}: no echo confirmed the timed-out send; sending it again",
                part.part,
                part.recipient_psid,
            )
        await outbox.mark(part.id, "sending")
        result = await _send_with_retries(settings, graph, part)
        if result.outcome is Outcome.SENT:
            await outbox.mark(part.id, "sent", attempts=1, message_id=result.message_id)
            await _token_works(state)
        elif result.outcome is Outcome.AMBIGUOUS:
            logger.warning("Part {} may or may not have been sent: {}", part.part, result.error)
            await outbox.mark(part.id, "ambiguous", attempts=1, error=result.error)
            unsettled.append(part.part)
        elif result.outcome is Outcome.TOKEN:
            await outbox.mark(part.id, "pending", attempts=1, error=result.error)
            await _token_rejected(state, result)
            raise TokenRejected(f"part {part.part}: page token rejected ({result.code})")
        elif result.outcome is Outcome.TRANSIENT:
            await outbox.mark(part.id, "pending", attempts=1, error=result.error)
            raise TransientSendError(f"part {part.part}: {result.error}")
        else:
            notes.append(await _refused(part, result, unreachable))
    if unsettled:
        raise SendUnsettled(f"parts {unsettled}: sent or not, unknown (read timeout)")
    return "; ".join(notes) or None


async def _refused(part: outbox.Part, result: SendResult, unreachable: set[str]) -> str:
    """A part Meta refuses for good: failed, and its recipient's later parts with it — except
    after a picture, which does not take the caption after it along (if the person is
    unreachable, the next part fails on its own)."""
    note = f"{result.outcome.value} error {result.code}/{result.subcode}: {result.error}"
    logger.warning(
        "Part {} to {} not deliverable, not retried: {}", part.part, part.recipient_psid, note
    )
    await outbox.mark(part.id, "failed", attempts=1, error=note)
    if part.purpose != outbox.CHART:
        unreachable.add(part.recipient_psid)
    await after_refusal(part)
    return note


async def _dry_run(settings: Settings, part: outbox.Part) -> None:
    """Nothing is sent without a page token: a message is logged, a chart written to a file."""
    if part.purpose == outbox.CHART:
        await _write_chart(settings, part)
    else:
        _log_dry_run(part)
    await outbox.mark(part.id, "dry_run")


def _log_dry_run(part: outbox.Part) -> None:
    logger.info(
        "Dry run, not sent to {} ({} part {}{}): {}",
        part.recipient_psid,
        part.purpose,
        part.part,
        f", {part.messaging_type}" if part.messaging_type not in ("", "RESPONSE") else "",
        part.body.get("text") or part.body,
    )


async def after_refusal(part: outbox.Part) -> None:
    """What a permanent refusal changes: a thread never passed is not held; a relay refused
    (window closed, tag not approved) waits for the shopper's next message."""
    if part.purpose == "handover":
        await handover.drop(part.recipient_psid)
    elif part.purpose == "relay" and part.escalation_id is not None:
        await escalations.requeue_relay(part.escalation_id)


async def _write_chart(settings: Settings, part: outbox.Part) -> None:
    """A dry run's chart: written to CHARTS_DIR, and the log names the file to open."""
    file = await outbox.attachment(part.id)
    if file is None:
        logger.warning("Dry run: part {} has no picture recorded", part.part)
        return
    folder = settings.CHARTS_DIR
    path = folder / f"{part.recipient_psid}-{part.id}-{file.filename}"
    await asyncio.to_thread(_write_file, path, file.content)
    logger.info(
        "Dry run, not sent to {} (chart part {}): picture written to {}",
        part.recipient_psid,
        part.part,
        path,
    )


def _write_file(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


async def _send_with_retries(
    settings: Settings, graph: GraphClient, part: outbox.Part
) -> SendResult:
    if part.purpose == outbox.CHART:
        return await _send_chart(settings, graph, part)
    return await _with_retries(settings, lambda: _send(graph, part))


async def _send_chart(settings: Settings, graph: GraphClient, part: outbox.Part) -> SendResult:
    """Upload the part's picture (once: its id is kept), then send the message carrying it."""
    file = await outbox.attachment(part.id)
    if file is None:
        return SendResult(Outcome.PERMANENT, error="the chart's picture was not recorded")
    attachment_id = file.attachment_id
    if attachment_id is None:
        started = time.perf_counter()
        upload = await _with_retries(
            settings,
            lambda: graph.upload_attachment(file.filename, file.content, file.content_type),
        )
        if upload.outcome is not Outcome.SENT or not upload.attachment_id:
            return (
                upload
                if upload.outcome is not Outcome.SENT
                else SendResult(Outcome.TRANSIENT, error="the upload returned no attachment_id")
            )
        attachment_id = upload.attachment_id
        await outbox.uploaded(part.id, attachment_id)
        logger.info(
            "Chart {} ({} bytes) uploaded as {} in {:.0f} ms",
            file.filename,
            len(file.content),
            attachment_id,
            (time.perf_counter() - started) * 1000,
        )
    body = {
        **part.body,
        "attachment": {"type": "image", "payload": {"attachment_id": attachment_id}},
    }
    sending = replace(part, body=body, purpose="chart_message")
    return await _with_retries(settings, lambda: _send(graph, sending))


async def _with_retries(settings: Settings, call: Callable[[], SendResult]) -> SendResult:
    """One Graph API call in a thread, retried at once on transient errors (SEND_RETRIES)."""
    delay = 0.5
    result = SendResult(Outcome.TRANSIENT, error="not attempted")
    for attempt in range(settings.SEND_RETRIES + 1):
        result = await asyncio.to_thread(call)
        if result.outcome is not Outcome.TRANSIENT:
            return result
        if attempt < settings.SEND_RETRIES:
            logger.info("Send API transient error ({}); retrying in {:.1f}s", result.error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 8.0)
    return result


def _send(graph: GraphClient, part: outbox.Part) -> SendResult:
    if part.is_action:
        return graph.thread_control(part.recipient_psid, part.body)
    return graph.send_message(
        part.recipient_psid,
        part.body,
        messaging_type=part.messaging_type,
        tag=part.tag,
        part_id=part.id,
    )


async def _token_rejected(state: SendState, result: SendResult) -> None:
    """Say it loudly, once per process, and where `/healthz` of every process reads it."""
    async with state.lock:
        if not state.token_rejected:
            logger.critical(
                "The page access token was rejected (code {}, subcode {}): set a new "
                "FB_PAGE_ACCESS_TOKEN. Messages wait and go out once it works.",
                result.code,
                result.subcode,
            )
        state.token_rejected = True
        state.token_trouble_unknown = False
        detail = f"Graph API error {result.code}/{result.subcode}: {result.error}"[:300]
        await connection().execute_query(SQL["status_set"], [TOKEN_STATUS, "rejected", detail])


async def _token_works(state: SendState) -> None:
    if not (state.token_rejected or state.token_trouble_unknown):
        return
    async with state.lock:
        if state.token_rejected:
            logger.warning("The page access token works again: waiting messages are going out")
        state.token_rejected = state.token_trouble_unknown = False
        await connection().execute_query(SQL["status_clear"], [TOKEN_STATUS])


async def confirm_echo(part_id: int, message_id: str | None) -> bool:
    """Our own echo names `part_id`: a send that timed out did go out. Whether it settled one."""
    rows = await connection().execute_query_dict(SQL["outbox_confirm"], [part_id, message_id])
    if rows:
        logger.info("Part #{} confirmed sent by its echo", part_id)
    return bool(rows)


async def service_problems() -> list[dict[str, Any]]:
    """Open problems of the service (e.g. a rejected page token), for the health check."""
    rows = await connection().execute_query_dict(SQL["status_all"], [])
    return [
        {
            "problem": row["name"],
            "state": row["state"],
            "detail": row["detail"],
            "since": _iso(row["since"]),
        }
        for row in rows
    ]


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
