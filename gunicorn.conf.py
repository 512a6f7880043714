"""Gunicorn's options, written once: read by gunicorn on its own from the repository root
(`gunicorn -w 2 main:app`) and by `python main.py`.

Threads let one worker answer webhook posts while others wait on the database. The
background loop (database, job worker) starts in each worker after fork and stops when it
exits, through the runtime the app keeps.
"""

from typing import Any

from config import load_settings

_settings = load_settings()

workers = _settings.WEB_CONCURRENCY
threads = _settings.WEB_THREADS
worker_class = "gthread"
timeout = 60
graceful_timeout = 20
control_socket_disable = True


def post_worker_init(worker: Any) -> None:
    """Start the app's background loop once the worker has loaded the app (after fork)."""
    worker.wsgi.extensions["runtime"].start(timeout=20, keep_trying=True)


def worker_exit(server: Any, worker: Any) -> None:
    """Stop the background loop cleanly when the worker exits."""
    wsgi = getattr(worker, "wsgi", None)
    if wsgi is not None:
        wsgi.extensions["runtime"].stop()
