"""Bounded load: a few thousand webhook posts over about a minute (heavy: `make test-heavy`)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psutil
import pytest
import requests

from testing.databases import fresh_database
from testing.fakes.graph import FakeGraph
from testing.fakes.llm import FakeLLM
from testing.servers import Gunicorn, wait_until
from tests.reliability.harness import (
    Plan,
    echo_responder,
    message_payload,
    replies_by_token,
    server_env,
)

pytestmark = pytest.mark.slow
POSTS = 2400
SECONDS = 60.0


@pytest.fixture
def setup() -> Iterator[tuple[FakeGraph, FakeLLM, str]]:
    graph, llm = FakeGraph().start(), FakeLLM().start()
    llm.responder = echo_responder(0.02)
    with fresh_database("load") as url:
        yield graph, llm, url
    graph.stop()
    llm.stop()


def _rss_mb(server: Gunicorn) -> float:
    assert server.process is not None
    tree = [psutil.Process(server.process.pid), *psutil.Process(server.process.pid).children()]
    return sum(p.memory_info().rss for p in tree) / 2**20


def test_bounded_load_keeps_answers_fast_drains_and_memory_flat(setup: Any) -> None:
    graph, llm, url = setup
    server = Gunicorn(server_env(url, graph, llm)).start()
    try:
        plan = Plan(senders=POSTS, per_sender=1)
        messages = plan.messages()
        rss_start = _rss_mb(server)
        latencies: list[float] = []
        started = time.monotonic()

        def send(index: int) -> int:
            psid, mid, body = messages[index]
            target = started + index * SECONDS / POSTS
            time.sleep(max(0.0, target - time.monotonic()))
            t0 = time.perf_counter()
            status = requests.post(
                f"{server.url}/facebook", json=message_payload(psid, mid, body, 1), timeout=10
            ).status_code
            latencies.append((time.perf_counter() - t0) * 1000)
            return status

        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(send, range(POSTS)))
        drained = wait_until(lambda: len(replies_by_token(graph)) >= POSTS, timeout=240)
        rss_end = _rss_mb(server)
        ordered = sorted(latencies)
        figures = {
            "posts": POSTS,
            "seconds": round(time.monotonic() - started, 1),
            "p50_ms": round(statistics.median(ordered), 1),
            "p99_ms": round(ordered[int(0.99 * len(ordered))], 1),
            "max_ms": round(ordered[-1], 1),
            "replies": len(replies_by_token(graph)),
            "rss_start_mb": round(rss_start),
            "rss_end_mb": round(rss_end),
        }
        print(f"\n[reliability] load {figures}")
    finally:
        server.stop()
    assert set(statuses) == {200} and drained
    assert figures["max_ms"] < 1000
    assert rss_end < rss_start * 1.5 + 50
