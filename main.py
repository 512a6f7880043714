"""The Flask application: `create_app()` for tests and tools, `app` for gunicorn.

`python main.py` serves on PORT with gunicorn (threads, one worker unless
WEB_CONCURRENCY says otherwise); `gunicorn main:app` works the same way.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from loguru import logger

from config import Settings, load_settings
from database import close_database, state
from database.bootstrap import prepare_database
from jobs.deferrer import Deferrer
from messenger.deletion import bp as deletion_bp
from messenger.webhook import bp as webhook_bp
from search.index import prepare_search
from service.admin import bp as admin_bp
from service.cli import register_cli
from service.health import bp as health_bp
from service.logging import configure_logging
from service.runtime import BackgroundLoop, queue_worker

T = TypeVar("T")


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app: settings, logging, blueprints, CLI and the (not yet started) loop."""
    settings = settings or load_settings()
    configure_logging(settings.LOG_LEVEL, json=settings.LOG_JSON)
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.MAX_WEBHOOK_BYTES

    worker: list[Any] = []  # this process's queue worker, made once (its app owns the tasks)

    async def startup() -> None:
        await prepare_database(settings)
        await prepare_search(settings)
        if settings.RUN_WORKER:
            if not worker:
                worker.append(queue_worker(settings, state().url))
            await worker[0].start()

    async def shutdown() -> None:
        while worker:
            await worker.pop().stop()
        await close_database()

    app.extensions["runtime"] = BackgroundLoop(startup, shutdown)
    app.extensions["deferrer"] = _per_process(_make_deferrer)
    app.register_blueprint(health_bp)
    app.register_blueprint(webhook_bp)
    app.register_blueprint(deletion_bp)
    app.register_blueprint(admin_bp)
    register_cli(app)
    if not settings.FB_APP_SECRET:
        allowed = " (ALLOW_UNSIGNED_WEBHOOKS)" if settings.ALLOW_UNSIGNED_WEBHOOKS else ""
        logger.warning(
            "FB_APP_SECRET is not set: POST /facebook accepts unsigned requests{} — anyone who "
            "finds the URL can write as any sender (development only)",
            allowed,
        )
    if not settings.send_enabled:
        logger.info("FB_PAGE_ACCESS_TOKEN is not set: replies are logged, not sent (dry run)")
    return app


def _make_deferrer() -> Any:
    return Deferrer(state().url)


def _per_process(factory: Callable[[], T]) -> Callable[[], T]:
    """A lazily built object, rebuilt in a forked child (pools must not cross a fork)."""
    lock = threading.Lock()
    made: dict[int, T] = {}

    def get() -> T:
        pid = os.getpid()
        with lock:
            if pid not in made:
                made.clear()
                made[pid] = factory()
            return made[pid]

    return get


def start_runtime(flask_app: Flask) -> None:
    """Start the app's background loop in this (forked) process."""
    flask_app.extensions["runtime"].start(timeout=20, keep_trying=True)


def stop_runtime(flask_app: Flask) -> None:
    """Stop the app's background loop in this process."""
    flask_app.extensions["runtime"].stop()


if __name__ != "__main__":
    app = create_app()


def serve(flask_app: Flask, settings: Settings) -> None:
    """Serve with gunicorn in-process, using the hooks of gunicorn.conf.py."""
    from gunicorn.app.base import BaseApplication

    import gunicorn_conf_hooks as hooks

    class _Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"0.0.0.0:{settings.PORT}",
                "workers": int(os.environ.get("WEB_CONCURRENCY", "1")),
                "threads": int(os.environ.get("WEB_THREADS", "8")),
                "worker_class": "gthread",
                "timeout": 60,
                "graceful_timeout": 20,
                "control_socket_disable": True,
                "post_worker_init": hooks.post_worker_init,
                "worker_exit": hooks.worker_exit,
                "accesslog": None,
            }
            for key, value in options.items():
                if key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Flask:
            return flask_app

    _Server().run()


if __name__ == "__main__":
    # Serve the importable `main` module's app, the one gunicorn's hooks also see.
    import main

    main.serve(main.app, main.app.config["SETTINGS"])
