"""A procrastinate app with the tasks it is given, and the queue's schema applied once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from loguru import logger
from procrastinate import App, BaseRetryStrategy, PsycopgConnector, SyncPsycopgConnector
from procrastinate.schema import SchemaManager

from database.connection import libpq_url
from database.locks import QUEUE_SCHEMA_LOCK_KEY


@dataclass(frozen=True)
class Task:
    """A job the queue runs, defined by the package that owns it.

    `run` takes procrastinate's JobContext first; `cron` makes it periodic (six fields: the
    last one is seconds); `defer_at_start` queues one run when a worker starts, if it says so.
    """

    name: str
    run: Callable[..., Awaitable[None]]
    retry: BaseRetryStrategy | None = None
    queueing_lock: str | None = None
    lock: str | None = None
    cron: str | None = None
    defer_at_start: Callable[[], bool] | None = None


def conninfo(url: str) -> str:
    """The database URL as psycopg (procrastinate's driver) takes it."""
    return libpq_url(url)


def build_app(
    url: str, tasks: Sequence[Task] = (), *, sync: bool = False, max_size: int = 10
) -> App:
    """A procrastinate app on `url`: the worker's (async, with `tasks`) or a sync one.

    The sync app only defers by task name from request threads. Tasks are registered on
    each new worker app (not shared through a blueprint), so a worker restarted after a
    database outage gets a clean app.
    """
    if sync:
        return App(
            connector=SyncPsycopgConnector(conninfo=conninfo(url), min_size=1, max_size=max_size)
        )
    app = App(connector=PsycopgConnector(conninfo=conninfo(url), min_size=1, max_size=max_size))
    for task in tasks:
        options: dict[str, Any] = {"name": task.name, "pass_context": True}
        if task.retry is not None:
            options["retry"] = task.retry
        if task.queueing_lock is not None:
            options["queueing_lock"] = task.queueing_lock
        if task.lock is not None:
            options["lock"] = task.lock
        registered = app.task(**options)(task.run)
        if task.cron is not None:
            app.periodic(cron=task.cron, periodic_id=task.name)(registered)
    return app


async def ensure_schema(url: str) -> None:
    """Apply procrastinate's schema once, even with several processes starting at once."""
    async with await psycopg.AsyncConnection.connect(conninfo(url), autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", [QUEUE_SCHEMA_LOCK_KEY])
        try:
            cursor = await conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
            row = await cursor.fetchone()
            if not (row and row[0]):
                logger.info("Applying the job queue schema")
                await conn.execute(SchemaManager.get_schema())  # type: ignore[arg-type]
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", [QUEUE_SCHEMA_LOCK_KEY])
