"""Messenger's jobs on the queue: one `handle_event` per webhook event, and the desk's
housekeeping (expiring escalations, the staff's daily reminder) that sends through it.

The webhook defers one `handle_event` job per event with `lock=<sender PSID>`
(messenger/webhook.py), so one sender's messages run one at a time in arrival order across
every process, while different senders run concurrently.
"""

from __future__ import annotations

from typing import Any

from loguru import logger
from procrastinate import BaseRetryStrategy, JobContext, RetryDecision
from procrastinate.jobs import Job

from config import Settings
from database import connection, load_sql
from jobs.app import Task
from messenger import outbox
from messenger.delivery import SendUnsettled, TokenRejected
from messenger.graph_api import GraphClient
from messenger.pipeline import PipelineContext, housekeeping, process_event
from messenger.reports import send_daily_reports, send_stock_alerts
from messenger.webhook import HANDLE_EVENT

PIPELINE_SQL = load_sql("pipeline.sql")
HOUSEKEEPING = "escalation_housekeeping"
# Every 10 minutes: expire old escalations; the daily reminder goes in its hour.
HOUSEKEEPING_CRON = "*/10 * * * *"
# The daily reports: every minute, each staff member's goes once their time has come.
DAILY_REPORTS = "daily_reports"
DAILY_REPORTS_CRON = "* * * * *"
STOCK_ALERTS = "stock_alerts"
# Attempts of a failing event (database down, a bug) before it is parked as failed.
MAX_ATTEMPTS = 4
# A rejected page token: retried without end, at most this many seconds apart.
TOKEN_RETRY_CAP = 30
# A send that timed out is settled after this long (time for Meta's echo to arrive).
UNSETTLED_WAIT = 15


class EventRetry(BaseRetryStrategy):
    """When a failed event runs again: a rejected token waits (backoff capped at 30 s) as long
    as it takes; a timed-out send after the echo had time to come; other errors a few times
    with exponential backoff, then the event is parked as failed."""

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        attempts = job.attempts
        if isinstance(exception, TokenRejected):
            return RetryDecision(retry_in={"seconds": min(2 ** (attempts + 1), TOKEN_RETRY_CAP)})
        if attempts >= MAX_ATTEMPTS - 1:
            return None
        if isinstance(exception, SendUnsettled):
            return RetryDecision(retry_in={"seconds": UNSETTLED_WAIT})
        return RetryDecision(retry_in={"seconds": 2 ** (attempts + 1)})


async def handle_event(
    context: JobContext, event_key: str, event: dict[str, Any], channel: str, page_id: str | None
) -> None:
    """Process one webhook event (retried with backoff on errors, bounded)."""
    ctx: PipelineContext = context.additional_context["pipeline"]
    job = context.job

    async def newer_waiting() -> bool:
        if job.lock is None or job.id is None:
            return False
        rows = await connection().execute_query_dict(
            PIPELINE_SQL["newer_message_waiting"], [job.lock, job.id]
        )
        return bool(rows and rows[0]["waiting"])

    try:
        await process_event(ctx, event_key, event, channel, page_id, newer_waiting)
    except TokenRejected as exc:
        # Not the message's fault, and nothing was sent: it waits for a working token.
        logger.warning("Event {} waits for a working page token: {}", event_key, exc)
        await outbox.finish(event_key, "retrying", str(exc)[:500])
        raise
    except Exception as exc:
        # The one broad boundary of a job: record why, then let procrastinate retry or park it.
        attempts = (context.job.attempts or 0) + 1
        final = attempts >= MAX_ATTEMPTS
        logger.opt(exception=exc).error(
            "Event {} failed (attempt {}{}): {}",
            event_key,
            attempts,
            ", giving up" if final else "",
            exc,
        )
        try:
            await outbox.finish(event_key, "failed" if final else "retrying", repr(exc)[:500])
        except (OSError, RuntimeError) as record_error:
            logger.warning("Could not record the failure of {}: {}", event_key, record_error)
        raise


async def daily_reports(context: JobContext, timestamp: int) -> None:
    """Send the daily report to each staff member whose time has come (once a day)."""
    await send_daily_reports(context.additional_context["pipeline"])


async def stock_alerts(context: JobContext, timestamp: int | None = None) -> None:
    """Alert staff to inventory lines that fell to or below their low-stock threshold."""
    await send_stock_alerts(context.additional_context["pipeline"])


def every(seconds: float) -> str:
    """A cron schedule running about every `seconds` (six fields: the last is seconds)."""
    whole = max(1, int(seconds))
    if whole < 60:
        return f"* * * * * */{whole}"
    minutes = whole // 60
    return "0 * * * *" if minutes >= 60 else f"*/{minutes} * * * *"


async def escalation_housekeeping(context: JobContext, timestamp: int) -> None:
    """Expire unanswered escalations; send the staff's daily reminder (once a day)."""
    await housekeeping(context.additional_context["pipeline"])


def tasks(settings: Settings) -> list[Task]:
    """Messenger's tasks, for the queue worker."""
    return [
        Task(HANDLE_EVENT, handle_event, retry=EventRetry()),
        Task(
            HOUSEKEEPING,
            escalation_housekeeping,
            queueing_lock=HOUSEKEEPING,
            cron=HOUSEKEEPING_CRON,
        ),
        Task(DAILY_REPORTS, daily_reports, queueing_lock=DAILY_REPORTS, cron=DAILY_REPORTS_CRON),
        Task(
            STOCK_ALERTS,
            stock_alerts,
            queueing_lock=STOCK_ALERTS,
            cron=every(settings.ALERT_CHECK_SECONDS),
            defer_at_start=lambda: True,  # the first check (and its baseline) at once
        ),
    ]


def job_context(settings: Settings) -> dict[str, Any]:
    """What Messenger's tasks need besides their arguments: the pipeline's context (the
    Graph API client, the page token's state shared by the process's jobs)."""
    return {"pipeline": PipelineContext(settings, GraphClient(settings))}
