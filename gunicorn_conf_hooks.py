"""Gunicorn server hooks shared by gunicorn.conf.py and `python main.py`."""

from __future__ import annotations

from typing import Any


def post_worker_init(worker: Any) -> None:
    """Start the background loop once the worker has loaded the app (after fork)."""
    from main import start_runtime

    start_runtime(worker.wsgi)


def worker_exit(server: Any, worker: Any) -> None:
    """Stop the background loop cleanly when the worker exits."""
    from main import stop_runtime

    wsgi = getattr(worker, "wsgi", None)
    if wsgi is not None:
        stop_runtime(wsgi)
