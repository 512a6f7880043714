"""A small loopback HTTP load generator: threads, one `http.client` connection each.

`run_load` sends a fixed list of requests with a fixed number of threads (closed
loop), or on a schedule (`interval` seconds apart, open loop), and returns every
request's latency. It imports only the standard library, so a spawned child
process (outside the GIL of the process hosting the fake servers) starts fast.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class Request:
    """One HTTP request to send."""

    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class LoadResult:
    """What a run measured: latencies in seconds, in completion order, and outcomes."""

    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    started_at: float = 0.0  # epoch seconds of the first request
    finished_at: float = 0.0  # epoch seconds when the last answer arrived
    wall: float = 0.0  # seconds from the first request to the last answer

    @property
    def count(self) -> int:
        return sum(self.statuses.values()) + sum(self.errors.values())

    @property
    def rate(self) -> float:
        """Requests per second over the run."""
        return self.count / self.wall if self.wall > 0 else 0.0


def run_load(
    host: str,
    port: int,
    requests: list[Request],
    *,
    concurrency: int,
    timeout: float = 30.0,
    interval: float = 0.0,
    start_at: float | None = None,
    deadline: float = 600.0,
) -> LoadResult:
    """Send `requests` from `concurrency` threads; each thread keeps one connection.

    A connection is reopened when the server closes it (gunicorn's sync workers
    close after every answer); the connect time is part of the measured latency.
    With `interval` > 0, request i is not sent before `start + i * interval`.
    `start_at` (epoch seconds) lets several processes begin together. Every thread
    stops at `deadline` seconds after the start, sent or not.
    """
    if host not in LOOPBACK:
        raise ValueError(f"the load generator only targets loopback, not {host!r}")
    if start_at is not None:
        time.sleep(max(0.0, min(start_at - time.time(), 30.0)))
    runner = _Runner(host, port, requests, timeout, interval, deadline)
    threads = [
        threading.Thread(target=runner.work, name=f"load-{n}", daemon=True)
        for n in range(max(1, concurrency))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, runner.stop_at - time.perf_counter()) + timeout + 1)
    result = runner.result
    result.wall = time.perf_counter() - runner.begin
    result.finished_at = result.started_at + result.wall
    return result


class _Runner:
    """The shared state of one run's threads."""

    def __init__(
        self,
        host: str,
        port: int,
        requests: list[Request],
        timeout: float,
        interval: float,
        deadline: float,
    ) -> None:
        self.host, self.port, self.requests = host, port, requests
        self.timeout, self.interval = timeout, interval
        self.result = LoadResult()
        self.lock = threading.Lock()
        self.next_index = 0
        self.begin = time.perf_counter()
        self.result.started_at = time.time()
        self.stop_at = self.begin + deadline

    def take(self) -> int | None:
        with self.lock:
            if self.next_index >= len(self.requests) or time.perf_counter() >= self.stop_at:
                return None
            self.next_index += 1
            return self.next_index - 1

    def work(self) -> None:
        conn: http.client.HTTPConnection | None = None
        while (index := self.take()) is not None:
            if self.interval > 0:
                wait = self.begin + index * self.interval - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
            conn = self.send(conn, self.requests[index])
        if conn is not None:
            conn.close()

    def send(
        self, conn: http.client.HTTPConnection | None, req: Request
    ) -> http.client.HTTPConnection | None:
        """Send one request, record it; return the connection if it stays open."""
        started = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            headers = dict(req.headers)
            if req.body is not None:
                headers.setdefault("Content-Type", "application/json")
            conn.request(req.method, req.path, body=req.body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            with self.lock:
                self.result.latencies.append(elapsed)
                self.result.statuses[response.status] += 1
            if response.will_close:
                conn.close()
                return None
            return conn
        except (OSError, http.client.HTTPException) as exc:
            with self.lock:
                self.result.errors[type(exc).__name__] += 1
            if conn is not None:
                conn.close()
            return None


def ping() -> float:
    """A no-op for warming up a process pool; returns the child's clock."""
    return time.time()
