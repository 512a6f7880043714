"""Read by gunicorn on its own from the repository root (`gunicorn main:app`)."""

from gunicorn_conf_hooks import post_worker_init, worker_exit

control_socket_disable = True
__all__ = ["post_worker_init", "worker_exit", "control_socket_disable"]
