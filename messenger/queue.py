"""The durable job queue (procrastinate): tasks, the in-process worker, and deferring.

The webhook defers one `handle_event` job per event with `lock=<sender PSID>`,
so one sender's messages run one at a time in arrival order across every
process, while different senders run concurrently. Jobs of a killed worker stay
`doing` and keep their lock; a periodic task retries them once the worker's
heartbeat is stale.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import psycopg
import psycopg_pool
from loguru import logger
from procrastinate import (
    App,
    BaseRetryStrategy,
    JobContext,
    PsycopgConnector,
    RetryDecision,
    SyncPsycopgConnector,
)
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException
from procrastinate.jobs import Job
from procrastinate.schema import SchemaManager

from config import Settings
from database import connection, load_sql
from database.connection import libpq_url
from messenger import outbox
from messenger.delivery import SendUnsettled, TokenRejected
from messenger.graph_api import GraphClient
from messenger.pipeline import PipelineContext, housekeeping, process_event

PIPELINE_SQL = load_sql("pipeline.sql")

# (event key, sender PSID, the raw event, channel, page id): what one job carries.
EventJob = tuple[str, str | None, dict[str, Any], str, str | None]
HANDLE_EVENT = "handle_event"
RETRY_STALLED = "retry_stalled_jobs"
HOUSEKEEPING = "escalation_housekeeping"
REFRESH_EMBEDDINGS = "refresh_embeddings"
# Every 10 minutes: expire old escalations; the daily reminder goes in its hour.
HOUSEKEEPING_CRON = "*/10 * * * *"
SCHEMA_LOCK_KEY = 7_215_530_010
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


# Six fields: the last one is seconds (procrastinate/croniter), so this runs every 5 s.
RETRY_STALLED_CRON = "* * * * * */5"


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


async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
    """Requeue jobs left `doing` by a worker whose heartbeat went stale (killed, frozen)."""
    settings: Settings = context.additional_context["pipeline"].settings
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.WORKER_STALLED_SECONDS
    )
    for job in stalled:
        logger.warning("Retrying job {} ({}) of a stalled worker", job.id, job.task_name)
        await manager.retry_job(job)


async def refresh_embeddings(context: JobContext, timestamp: int | None = None) -> None:
    """Embed products and knowledge entries whose vector is missing or stale (one at a time
    across processes: the job is locked)."""
    from search.index import refresh

    await refresh(context.additional_context["pipeline"].settings)


async def escalation_housekeeping(context: JobContext, timestamp: int) -> None:
    """Expire unanswered escalations; send the staff's daily reminder (once a day)."""
    await housekeeping(context.additional_context["pipeline"])


def _conninfo(url: str) -> str:
    return libpq_url(url)


def build_app(
    url: str, *, sync: bool = False, max_size: int = 10, refresh_minutes: int = 10
) -> App:
    """A procrastinate app on `url`: the worker's (async, with our tasks) or a sync one.

    The sync app only defers by task name from request threads. Tasks are registered on
    each new worker app (not shared through a blueprint), so a worker restarted after a
    database outage gets a clean app.
    """
    if sync:
        return App(
            connector=SyncPsycopgConnector(conninfo=_conninfo(url), min_size=1, max_size=max_size)
        )
    app = App(connector=PsycopgConnector(conninfo=_conninfo(url), min_size=1, max_size=max_size))
    app.task(
        name=HANDLE_EVENT,
        pass_context=True,
        retry=EventRetry(),
    )(handle_event)
    stalled = app.task(name=RETRY_STALLED, pass_context=True, queueing_lock=RETRY_STALLED)(
        retry_stalled_jobs
    )
    app.periodic(cron=RETRY_STALLED_CRON, periodic_id=RETRY_STALLED)(stalled)
    chores = app.task(name=HOUSEKEEPING, pass_context=True, queueing_lock=HOUSEKEEPING)(
        escalation_housekeeping
    )
    app.periodic(cron=HOUSEKEEPING_CRON, periodic_id=HOUSEKEEPING)(chores)
    embed = app.task(
        name=REFRESH_EMBEDDINGS,
        pass_context=True,
        queueing_lock=REFRESH_EMBEDDINGS,
        lock=REFRESH_EMBEDDINGS,
    )(refresh_embeddings)
    app.periodic(cron=f"*/{refresh_minutes} * * * *", periodic_id=REFRESH_EMBEDDINGS)(embed)
    return app


async def ensure_schema(url: str) -> None:
    """Apply procrastinate's schema once, even with several processes starting at once."""
    async with await psycopg.AsyncConnection.connect(_conninfo(url), autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", [SCHEMA_LOCK_KEY])
        try:
            cursor = await conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
            row = await cursor.fetchone()
            if not (row and row[0]):
                logger.info("Applying the job queue schema")
                await conn.execute(SchemaManager.get_schema())  # type: ignore[arg-type]
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", [SCHEMA_LOCK_KEY])


class QueueWorker:
    """procrastinate's async worker, run as a task on the background loop."""

    def __init__(self, settings: Settings, url: str) -> None:
        self.settings = settings
        self.url = url
        self._pool_size = max(4, settings.DB_POOL_MAX)
        self.app = build_app(
            url, max_size=self._pool_size, refresh_minutes=settings.EMBEDDING_REFRESH_MINUTES
        )
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Open the queue and start working."""
        await ensure_schema(self.url)
        await self.app.open_async()
        await self._embed_soon()
        self._stopping = False
        self._task = asyncio.create_task(self._supervise(), name="procrastinate-worker")
        self._task.add_done_callback(_log_worker_end)
        logger.info("Job worker started (concurrency {})", self.settings.WORKER_CONCURRENCY)

    async def _embed_soon(self) -> None:
        """Queue one embedding refresh now (not waiting for the periodic one)."""
        from search.index import vectors_ready

        if not vectors_ready(self.settings):
            return
        try:
            await self.app.configure_task(
                REFRESH_EMBEDDINGS, queueing_lock=REFRESH_EMBEDDINGS, lock=REFRESH_EMBEDDINGS
            ).defer_async()
        except AlreadyEnqueued:
            logger.debug("An embedding refresh is already queued")

    async def _supervise(self) -> None:
        """Run the worker, and run it again after a pause if it dies (a database restart)."""
        pipeline = PipelineContext(self.settings, GraphClient(self.settings))
        pause = 1.0
        reopen = False
        while True:
            started = asyncio.get_running_loop().time()
            try:
                if reopen:
                    await self._reopen()
                    reopen = False
                await self.app.run_worker_async(
                    concurrency=self.settings.WORKER_CONCURRENCY,
                    wait=True,
                    install_signal_handlers=False,
                    fetch_job_polling_interval=self.settings.QUEUE_POLL_INTERVAL,
                    listen_notify=True,
                    update_heartbeat_interval=self.settings.WORKER_HEARTBEAT_SECONDS,
                    stalled_worker_timeout=self.settings.WORKER_STALLED_SECONDS,
                    delete_jobs="successful",
                    additional_context={"pipeline": pipeline},
                    shutdown_graceful_timeout=10,
                )
                if self._stopping:
                    return
                # procrastinate stops its worker when a side task (the LISTEN connection,
                # the heartbeat) fails, e.g. while the database restarts: start it again.
                logger.error("The job worker stopped by itself; restarting in {:.0f}s", pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                reopen = True
            except (ConnectorException, OSError, psycopg.Error) as exc:
                if asyncio.get_running_loop().time() - started > 60:
                    pause = 1.0
                logger.error("The job worker stopped ({}); restarting in {:.0f}s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                reopen = True

    async def _reopen(self) -> None:
        """Replace the app (and its pool) after the worker died, until it opens again."""
        try:
            await self.app.close_async()
        except (ConnectorException, OSError, psycopg.Error) as exc:
            logger.debug("Closing the old queue app: {}", exc)
        self.app = build_app(
            self.url,
            max_size=self._pool_size,
            refresh_minutes=self.settings.EMBEDDING_REFRESH_MINUTES,
        )
        await self.app.open_async()

    async def stop(self) -> None:
        """Stop taking jobs, let running ones finish briefly, close the queue."""
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        await self.app.close_async()


def _log_worker_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.opt(exception=task.exception()).critical(
            "The job worker stopped: {}", task.exception()
        )


class Deferrer:
    """Defers jobs synchronously from request threads (its own small connection pool)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.app = build_app(url, sync=True, max_size=4)
        self._pool: psycopg_pool.ConnectionPool | None = None
        self._lock = threading.Lock()

    def _open(self) -> None:
        with self._lock:
            if self._pool is not None:
                return
            # Our own pool, so that opening it waits seconds, not psycopg's default 30 s:
            # the webhook must answer Meta within 5 s (a 503 when the database is down).
            pool = psycopg_pool.ConnectionPool(
                _conninfo(self.url),
                min_size=1,
                max_size=4,
                timeout=3,
                open=False,
                check=psycopg_pool.ConnectionPool.check_connection,
            )
            try:
                pool.open(wait=True, timeout=3)
            except psycopg.Error:
                pool.close()
                raise
            self.app = build_app(self.url, sync=True, max_size=4)
            self.app.open(pool)
            self._pool = pool

    def defer_event(
        self,
        event_key: str,
        psid: str | None,
        event: dict[str, Any],
        channel: str,
        page_id: str | None,
    ) -> int:
        """Make one event durable as a job, locked per sender; return the job id."""
        return self.defer_events([(event_key, psid, event, channel, page_id)])[0]

    def defer_events(self, events: list[EventJob]) -> list[int]:
        """Make a body's events durable as jobs in one statement (all or none), each locked
        per sender; return the job ids."""
        self._open()
        jobs = [
            self.app.configure_task(HANDLE_EVENT, lock=psid or f"event:{key}").job.evolve(
                task_kwargs={"event_key": key, "event": raw, "channel": channel, "page_id": page}
            )
            for key, psid, raw, channel, page in events
        ]
        deferred = self.app.job_manager.batch_defer_jobs(jobs=jobs)
        return [int(job.id or 0) for job in deferred]

    def close(self) -> None:
        """Close the pool."""
        with self._lock:
            if self._pool is not None:
                self.app.close()
                self._pool.close()
                self._pool = None
