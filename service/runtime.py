"""One asyncio event loop per process, in a background thread, and what runs on it.

Tortoise and the job worker live on this loop (asyncpg pools belong to the loop
that made them). Flask request threads hand coroutines to it with `submit`/`run`.
`Runtime`, kept on the app, is the one start path: gunicorn's post_worker_init hook
starts it after fork (or the first request, lazily), `flask` commands start it without
the job worker, and it stops once at exit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from loguru import logger

from config import Settings
from database import close_database, state
from database.bootstrap import prepare_database
from jobs.worker import QueueWorker
from search.index import prepare_search

T = TypeVar("T")
Hook = Callable[[], Awaitable[None]]


class BackgroundLoop:
    """An event loop thread with `start()`, `submit()`, `run()` and `stop()`."""

    def __init__(self, startup: Hook, shutdown: Hook, *, name: str = "background-loop") -> None:
        self._startup = startup
        self._shutdown = shutdown
        self._name = name
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    @property
    def running(self) -> bool:
        """Whether this process's loop is up."""
        return self._loop is not None and self._pid == os.getpid() and self._loop.is_running()

    def start(self, timeout: float = 120.0, *, keep_trying: bool = False) -> None:
        """Start the loop thread and run the startup hook on it; idempotent per process.

        With `keep_trying` (a serving process), a failing startup — the database not up
        yet, or restarting — is retried in the background with backoff instead of failing
        the process: until it succeeds, health checks and the webhook answer 503.
        """
        with self._lock:
            if self.running:
                return
            loop = asyncio.new_event_loop()
            # Blocking calls (the Send API over requests) run in threads: enough for the
            # worker's concurrency, not the default cpu_count + 4.
            loop.set_default_executor(
                concurrent.futures.ThreadPoolExecutor(max_workers=32, thread_name_prefix="io")
            )
            ready = threading.Event()

            def _run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            thread = threading.Thread(target=_run, name=self._name, daemon=True)
            thread.start()
            ready.wait()
            self._loop, self._thread, self._pid = loop, thread, os.getpid()
            if keep_trying:
                started = asyncio.run_coroutine_threadsafe(self._start_until_ready(), loop)
                started.add_done_callback(_log_failure)
                try:
                    started.result(timeout)
                except concurrent.futures.TimeoutError:
                    logger.warning(
                        "Start-up still retrying after {:.0f}s; serving 503 until then", timeout
                    )
                return
            future = asyncio.run_coroutine_threadsafe(_as_coroutine(self._startup), loop)
            try:
                future.result(timeout)
            except BaseException:
                self._loop = None
                loop.call_soon_threadsafe(loop.stop)
                thread.join(5)
                raise
            logger.info("Background loop started in process {}", os.getpid())

    async def _start_until_ready(self) -> None:
        pause = 1.0
        while True:
            try:
                await self._startup()
            except Exception as exc:  # the process's start-up boundary: log, retry
                logger.opt(exception=exc).error(
                    "Start-up failed ({}); retrying in {:.0f}s", exc, pause
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            logger.info("Background loop started in process {}", os.getpid())
            return

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule `coro` on the loop; its exception, if any, is logged when it ends."""
        self.start()
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        future.add_done_callback(_log_failure)
        return future

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run `coro` on the loop and wait for its result."""
        self.start()
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """Run the shutdown hook, then stop and join the loop thread."""
        with self._lock:
            if not self.running:
                return
            loop, thread = self._loop, self._thread
            assert loop is not None and thread is not None
            try:
                asyncio.run_coroutine_threadsafe(_as_coroutine(self._shutdown), loop).result(
                    timeout
                )
            except (concurrent.futures.TimeoutError, OSError, RuntimeError) as exc:
                logger.warning("Background loop shutdown did not finish cleanly: {}", exc)
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout)
            self._loop = None
            logger.info("Background loop stopped in process {}", os.getpid())


async def _as_coroutine(hook: Hook) -> None:
    await hook()


def _log_failure(future: concurrent.futures.Future[Any]) -> None:
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        logger.opt(exception=exc).error("Background task failed: {}", exc)


class Runtime(BackgroundLoop):
    """This process's background loop with the database, search and, in a serving process,
    the job worker (RUN_WORKER). Kept on the app as `app.extensions["runtime"]`."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(self._startup, self._shutdown)
        self.settings = settings
        self.serves_jobs = settings.RUN_WORKER
        self.worker: QueueWorker | None = None
        self.load_demo = True

    def start(
        self,
        timeout: float = 120.0,
        *,
        keep_trying: bool = False,
        worker: bool | None = None,
        demo: bool = True,
    ) -> None:
        """Start the loop (see `BackgroundLoop.start`); `worker` overrides RUN_WORKER from now
        on (False: a CLI command, which must not take jobs); `demo=False` never loads the
        demo shop into an empty database (an import fills it)."""
        if worker is not None:
            self.serves_jobs = worker
        self.load_demo = demo
        super().start(timeout, keep_trying=keep_trying)

    async def _startup(self) -> None:
        await prepare_database(self.settings, demo=self.load_demo)
        await prepare_search(self.settings)
        if self.serves_jobs:
            await self.start_worker()

    async def _shutdown(self) -> None:
        await self.stop_worker()
        await close_database()

    async def start_worker(self) -> None:
        """Start the job worker on the running loop (made once until it is stopped)."""
        if self.worker is None:
            self.worker = queue_worker(self.settings, state().url)
        await self.worker.start()

    async def stop_worker(self) -> None:
        """Stop the job worker, if it runs."""
        worker, self.worker = self.worker, None
        if worker is not None:
            await worker.stop()


def queue_worker(settings: Settings, url: str) -> QueueWorker:
    """The job worker with every package's tasks: messenger's (an event, housekeeping) and
    search's (embedding refresh), composed here so that jobs/ imports neither."""
    # Imported here: the event task pulls in the assistant and LiteLLM, which a bad
    # configuration or a CLI command should not wait for.
    from messenger import tasks as messenger_tasks
    from search import tasks as search_tasks

    return QueueWorker(
        settings,
        url,
        [*messenger_tasks.tasks(settings), *search_tasks.tasks(settings)],
        [lambda: messenger_tasks.job_context(settings)],
    )
