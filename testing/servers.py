"""Real server processes for the tests and the benchmarks: free ports, waits, HTTP probes,
`gunicorn -w N main:app` started and stopped as deployments run it, and `flask` commands
run as a user runs them."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import psutil

from config import PROJECT_ROOT

HOST = "127.0.0.1"
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def flask_command(
    database_url: str, *args: str, timeout: float = 180, **env: str
) -> subprocess.CompletedProcess[str]:
    """`flask --app main ARGS` in a new process on `database_url`, with none of this
    process's settings (no demo data, warnings only, `env` on top)."""
    from config import Settings

    environ = {k: v for k, v in os.environ.items() if k not in Settings.model_fields}
    environ.update(DATABASE_URL=database_url, LOAD_DEMO_DATA="false", LOG_LEVEL="WARNING")
    environ.update(env)
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "main", *args],
        cwd=PROJECT_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    """Poll `condition` every `step` seconds until it holds or `timeout` passes; its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def http_status(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 5.0,
    host: str = HOST,
) -> int:
    """One HTTP request on a fresh connection; the response's status."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


class StartError(RuntimeError):
    """gunicorn did not come up (a worker failed to boot, or it was too slow)."""


@dataclass
class Gunicorn:
    """One `gunicorn -w N main:app` process tree on loopback, in a process group of its own.

    `env` is added to this process's environment, or is the whole environment when
    `inherit` is False.
    """

    env: Mapping[str, str]
    workers: int = 2
    threads: int | None = None
    port: int = field(default_factory=free_port)
    log: Path | None = None
    inherit: bool = True
    process: subprocess.Popen[bytes] | None = None
    _log_file: IO[bytes] | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int:
        """The master's pid (= its process group)."""
        assert self.process is not None
        return self.process.pid

    def command(self) -> list[str]:
        """The gunicorn command line."""
        threads = ["--threads", str(self.threads)] if self.threads else []
        bind = f"{HOST}:{self.port}"
        return [GUNICORN, "-w", str(self.workers), "-b", bind, *threads, "main:app"]

    def start(self, timeout: float = 90.0, ready: Callable[[], bool] | None = None) -> Gunicorn:
        """Start it and wait for GET /healthz 200 (then for `ready`, within the same time)."""
        logs = Path(os.environ.get("TMPDIR", "/tmp"))
        self.log = self.log or logs / f"gunicorn-{self.port}.log"
        self._log_file = self.log.open("wb")
        self.process = subprocess.Popen(
            self.command(),
            cwd=PROJECT_ROOT,
            env={**os.environ, **self.env} if self.inherit else dict(self.env),
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        if not wait_until(self._healthy, timeout, step=0.25):
            raise StartError(f"gunicorn did not answer GET /healthz 200 in time: {self.tail()}")
        if ready is not None and not wait_until(
            lambda: self._alive() and ready(), max(1.0, deadline - time.monotonic()), step=0.25
        ):
            raise StartError(f"gunicorn was not ready in time: {self.tail()}")
        return self

    def _alive(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise StartError(f"gunicorn exited with {self.process.returncode}: {self.tail()}")
        return True

    def _healthy(self) -> bool:
        self._alive()
        try:
            return http_status(self.port, "GET", "/healthz", timeout=3) == 200
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The worker processes' pids."""
        return [child.pid for child in psutil.Process(self.pid).children()]

    def kill_worker(self) -> int:
        """SIGKILL one worker process (gunicorn's master starts a new one)."""
        pids = self.worker_pids()
        victim = pids[int(time.monotonic() * 1000) % len(pids)]
        os.kill(victim, signal.SIGKILL)
        return victim

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM (graceful), then SIGKILL the whole process group if anything lingers."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # our group: stray workers too
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait(10)
        self.process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def tail(self, lines: int = 40) -> str:
        """The last lines of the server's log."""
        if self.log is None or not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
