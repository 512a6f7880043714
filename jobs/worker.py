"""procrastinate's async worker on the background loop, restarted after a database outage;
and the queue's own task, retrying the jobs of a worker that died.

Jobs of a killed worker stay `doing` and keep their lock; a periodic task retries them once
the worker's heartbeat is stale.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from loguru import logger
from procrastinate import JobContext
from procrastinate.exceptions import AlreadyEnqueued, ConnectorException

from config import Settings
from jobs.app import Task, build_app, ensure_schema

RETRY_STALLED = "retry_stalled_jobs"
# Six fields: the last one is seconds (procrastinate/croniter), so this runs every 5 s.
RETRY_STALLED_CRON = "* * * * * */5"
# What a task finds in `context.additional_context` besides "settings", made at each start.
Context = Callable[[], dict[str, Any]]


async def retry_stalled_jobs(context: JobContext, timestamp: int) -> None:
    """Requeue jobs left `doing` by a worker whose heartbeat went stale (killed, frozen)."""
    settings: Settings = context.additional_context["settings"]
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.WORKER_STALLED_SECONDS
    )
    for job in stalled:
        logger.warning("Retrying job {} ({}) of a stalled worker", job.id, job.task_name)
        await manager.retry_job(job)


STALLED_TASK = Task(
    RETRY_STALLED, retry_stalled_jobs, queueing_lock=RETRY_STALLED, cron=RETRY_STALLED_CRON
)


class QueueWorker:
    """procrastinate's async worker running `tasks` (and the stalled-job task), as a task on
    the background loop."""

    def __init__(
        self,
        settings: Settings,
        url: str,
        tasks: Sequence[Task] = (),
        context: Sequence[Context] = (),
    ) -> None:
        self.settings = settings
        self.url = url
        self.tasks = [*tasks, STALLED_TASK]
        self._context = list(context)
        self._pool_size = max(4, settings.DB_POOL_MAX)
        self.app = build_app(url, self.tasks, max_size=self._pool_size)
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Open the queue and start working."""
        await ensure_schema(self.url)
        await self.app.open_async()
        await self._defer_at_start()
        self._stopping = False
        self._task = asyncio.create_task(self._supervise(), name="procrastinate-worker")
        self._task.add_done_callback(_log_worker_end)
        logger.info("Job worker started (concurrency {})", self.settings.WORKER_CONCURRENCY)

    async def _defer_at_start(self) -> None:
        """Queue one run now of the tasks that ask for it (not waiting for their period)."""
        for task in self.tasks:
            if task.defer_at_start is None or not task.defer_at_start():
                continue
            try:
                await self.app.configure_task(
                    task.name, queueing_lock=task.queueing_lock, lock=task.lock
                ).defer_async()
            except AlreadyEnqueued:
                logger.debug("A {} job is already queued", task.name)

    def _additional_context(self) -> dict[str, Any]:
        values: dict[str, Any] = {"settings": self.settings}
        for make in self._context:
            values.update(make())
        return values

    async def _supervise(self) -> None:
        """Run the worker, and run it again after a pause if it dies (a database restart)."""
        additional = self._additional_context()
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
                    additional_context=additional,
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
        self.app = build_app(self.url, self.tasks, max_size=self._pool_size)
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
