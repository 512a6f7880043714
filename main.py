"""The Flask application: `create_app()` for tests and tools, `app` for gunicorn.

`python main.py` serves on PORT with gunicorn and the options of gunicorn.conf.py, the file
`gunicorn main:app` reads too; its hooks start and stop the runtime the app keeps.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from loguru import logger

from config import PROJECT_ROOT, Settings, load_settings
from database import state
from jobs.deferrer import Deferrer
from messenger.deletion import bp as deletion_bp
from messenger.webhook import bp as webhook_bp
from service.admin import bp as admin_bp
from service.cli import register_cli
from service.health import bp as health_bp
from service.logging import configure_logging
from service.runtime import Runtime

T = TypeVar("T")


def create_app(settings: Settings | None = None) -> Flask:
    """Build the app: settings, logging, blueprints, CLI and the (not yet started) runtime."""
    settings = settings or load_settings()
    configure_logging(settings.LOG_LEVEL, json=settings.LOG_JSON)
    app = Flask(__name__)
    app.config["SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.MAX_WEBHOOK_BYTES
    app.extensions["runtime"] = Runtime(settings)
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


def _make_deferrer() -> Deferrer:
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


if __name__ != "__main__":
    app = create_app()


def serve(flask_app: Flask, settings: Settings) -> None:
    """Serve with gunicorn in-process: gunicorn.conf.py's options and hooks, bound to PORT."""
    from gunicorn.app.base import Application

    class _Server(Application):  # type: ignore[misc]
        def init(self, parser: Any, opts: Any, args: Any) -> None:
            return None

        def load_config(self) -> None:
            self.load_config_from_file(str(PROJECT_ROOT / "gunicorn.conf.py"))
            self.cfg.set("bind", f"0.0.0.0:{settings.PORT}")

        def load(self) -> Flask:
            return flask_app

    _Server().run()


if __name__ == "__main__":
    # Serve the importable `main` module's app, the one gunicorn's hooks also see.
    import main

    main.serve(main.app, main.app.config["SETTINGS"])
