"""Deferring jobs synchronously from request threads, on a small pool of their own."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import psycopg_pool

from jobs.app import build_app, conninfo


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
                conninfo(self.url),
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

    def defer(self, task: str, jobs: list[tuple[str, dict[str, Any]]]) -> list[int]:
        """Make jobs of `task` durable in one statement (all or none), each a (lock, keyword
        arguments) pair; return the job ids."""
        self._open()
        made = [
            self.app.configure_task(task, lock=lock).job.evolve(task_kwargs=kwargs)
            for lock, kwargs in jobs
        ]
        deferred = self.app.job_manager.batch_defer_jobs(jobs=made)
        return [int(job.id or 0) for job in deferred]

    def close(self) -> None:
        """Close the pool."""
        with self._lock:
            if self._pool is not None:
                self.app.close()
                self._pool.close()
                self._pool = None
