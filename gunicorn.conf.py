"""Read by gunicorn on its own from the repository root (`gunicorn -w 2 main:app`).

Threads let one worker answer webhook posts while others wait on the database;
the background loop (queue worker) starts in each worker after fork.
"""

from gunicorn_conf_hooks import post_worker_init, worker_exit

worker_class = "gthread"
threads = 8
timeout = 60
graceful_timeout = 20
control_socket_disable = True
__all__ = [
    "post_worker_init",
    "worker_exit",
    "worker_class",
    "threads",
    "timeout",
    "graceful_timeout",
    "control_socket_disable",
]
