"""Ask the shop under `kill -9`: shoppers' questions escalate, staff answer, answers relay —
with workers killed throughout, each ends with exactly one escalation, one notification
per staff member, one relay, one knowledge entry (real gunicorn, real PostgreSQL)."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from database.connection import libpq_url
from testing.databases import fresh_database
from testing.fakes.graph import FakeGraph
from testing.fakes.llm import FakeLLM, Step, delay, text, tool_calls
from testing.servers import Gunicorn, wait_until
from tests.reliability.harness import message_payload, post, server_env

STAFF = ("8100000000000001", "8100000000000002")


def escalating(body: dict[str, Any]) -> Step:
    """A model that hands every shopper question to the staff, then says so."""
    messages = body["messages"]
    if messages[-1]["role"] == "tool":
        return delay(0.05, text("The team has been asked; their answer will come here."))
    question = [m for m in messages if m["role"] == "user"][-1]["content"]
    return delay(0.1, tool_calls(("ask_staff", {"question": question, "kind": "question"})))


@pytest.fixture
def setup() -> Iterator[tuple[FakeGraph, FakeLLM, str]]:
    graph, llm = FakeGraph().start(), FakeLLM().start()
    llm.responder = escalating
    with fresh_database("reliability_desk") as url:
        yield graph, llm, url
    graph.stop()
    llm.stop()


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(libpq_url(url)) as conn:
        return conn.execute(sql).fetchall()


def killer(server: Gunicorn, times: int, kills: list[int]) -> threading.Thread:
    """SIGKILL a worker `times` times, at random moments over the next few seconds."""

    def run() -> None:
        for _ in range(times):
            time.sleep(random.uniform(0.5, 1.5))
            kills.append(server.kill_worker())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_kill_9_during_escalations_and_answers_keeps_each_exactly_once(setup: Any) -> None:
    graph, llm, url = setup
    shoppers = [f"82000000000{n:05d}" for n in range(30)]
    server = Gunicorn(server_env(url, graph, llm, OWNER_PSIDS=",".join(STAFF))).start()
    kills: list[int] = []
    try:
        chaos = killer(server, 2, kills)
        with ThreadPoolExecutor(6) as pool:
            list(
                pool.map(
                    lambda i: post(
                        server.url,
                        message_payload(shoppers[i], f"m_q_{i}", f"question number {i}?"),
                    ),
                    range(len(shoppers)),
                )
            )
        asked = wait_until(
            lambda: (
                query(url, "SELECT count(*) FROM escalations")[0][0] == len(shoppers)
                and _notified(graph) >= len(shoppers) * len(STAFF)
            ),
            timeout=120,
        )
        refs = [row[0] for row in query(url, "SELECT id FROM escalations ORDER BY id")]
        # Both staff answer every question at once: only the first answer may count.
        answers = [
            message_payload(psid, f"m_a_{psid}_{ref}", f"#{ref} answer {ref} from {psid}")
            for ref in refs
            for psid in STAFF
        ]
        random.Random(3).shuffle(answers)
        chaos.join()
        chaos = killer(server, 2, kills)
        with ThreadPoolExecutor(6) as pool:
            list(pool.map(lambda body: post(server.url, body), answers))
        relayed = wait_until(lambda: len(_relays(graph)) >= len(refs), timeout=120)
        chaos.join()
        time.sleep(3)
        escalations = query(
            url, "SELECT count(*), count(*) FILTER (WHERE status = 'answered') FROM escalations"
        )[0]
        knowledge = query(url, "SELECT count(*) FROM shop_knowledge WHERE source = 'staff_answer'")[
            0
        ][0]
    finally:
        server.stop()
    relays = Counter(_relays(graph))
    notifications = Counter(_notifications(graph))
    figures = {
        "check": "desk-crash-recovery",
        "questions": len(shoppers),
        "escalations": escalations[0],
        "answered": escalations[1],
        "notifications": sum(notifications.values()),
        "repeated_notifications": sum(n - 1 for n in notifications.values() if n > 1),
        "relays": sum(relays.values()),
        "repeated_relays": sum(n - 1 for n in relays.values() if n > 1),
        "knowledge_entries": knowledge,
        "kills": len(kills),
    }
    print(f"\n[reliability] {figures}")
    assert asked and relayed, server.tail()
    assert escalations == (len(shoppers), len(shoppers))
    assert knowledge == len(shoppers)
    assert set(relays) == set(shoppers)
    assert len(notifications) == len(shoppers) * len(STAFF)
    # The Send API has no idempotency key: a kill right around a send may repeat that part.
    assert figures["repeated_notifications"] + figures["repeated_relays"] <= len(kills)


def _notifications(graph: FakeGraph) -> list[tuple[str, str]]:
    """(staff, question) of each notification sent."""
    return [
        (call["body"]["recipient"]["id"], call["body"]["message"]["text"].split("“")[1])
        for call in graph.messages
        if call["body"].get("messaging_type") == "UPDATE"
        and "asks:" in call["body"]["message"].get("text", "")
    ]


def _notified(graph: FakeGraph) -> int:
    return len(set(_notifications(graph)))


def _relays(graph: FakeGraph) -> list[str]:
    """The shopper of each relayed answer."""
    return [
        call["body"]["recipient"]["id"]
        for call in graph.messages
        if "our team says" in call["body"]["message"].get("text", "")
    ]
