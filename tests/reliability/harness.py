"""The reliability suite's own helpers: the servers' environment, message plans, webhook posts and
what the fake Graph API received (server processes: testing/servers.py)."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from testing.fakes.graph import FakeGraph
from testing.fakes.llm import FakeLLM, Step, delay, text


def echo_responder(latency: float = 0.1) -> Callable[[dict[str, Any]], Step]:
    """A fake LLM that answers each message with its own text, after `latency` seconds."""

    def respond(body: dict[str, Any]) -> Step:
        users = [m for m in body["messages"] if m["role"] == "user"]
        return delay(latency, text(f"echo: {users[-1]['content']}"))

    return respond


def server_env(database_url: str, graph: FakeGraph, llm: FakeLLM, **extra: str) -> dict[str, str]:
    """The environment of a test server: real database, fake Graph API and LLM."""
    env = {
        "DATABASE_URL": database_url,
        "LOAD_DEMO_DATA": "false",
        "FB_PAGE_ACCESS_TOKEN": "reliability-token",
        # The harness posts unsigned bodies, as a developer replaying through a tunnel does.
        "ALLOW_UNSIGNED_WEBHOOKS": "true",
        "GRAPH_API_BASE": graph.base_url,
        "LLM_MODEL": "openai/fake-echo",
        "LLM_API_BASE": llm.base_url,
        "LLM_API_KEY": "k",
        "LLM_NUM_RETRIES": "0",
        "LLM_TIMEOUT": "5",
        "WORKER_HEARTBEAT_SECONDS": "1",
        "WORKER_STALLED_SECONDS": "8",
        "QUEUE_POLL_INTERVAL": "0.2",
        "LOG_LEVEL": os.environ.get("RELIABILITY_LOG_LEVEL", "WARNING"),
        "SHOP_TIMEZONE": "Asia/Ho_Chi_Minh",
    }
    env.pop("FB_APP_SECRET", None)
    env.update(extra)
    return env


def message_payload(psid: str, mid: str, body: str, ts: int = 1764600000000) -> dict[str, Any]:
    """A webhook body carrying one text message."""
    return {
        "object": "page",
        "entry": [
            {
                "id": "PAGE",
                "time": ts,
                "messaging": [
                    {
                        "sender": {"id": psid},
                        "recipient": {"id": "PAGE"},
                        "timestamp": ts,
                        "message": {"mid": mid, "text": body},
                    }
                ],
            }
        ],
    }


def post(url: str, payload: dict[str, Any], session: requests.Session | None = None) -> int:
    """POST a webhook body as Meta does: re-deliver on connection errors and 5xx answers."""
    http = session or requests
    status = 0
    for _ in range(100):
        try:
            status = http.post(
                f"{url}/facebook",
                data=json.dumps(payload),
                headers={"Content-Type": "application/json"},
                timeout=10,
            ).status_code
        except requests.ConnectionError:
            time.sleep(0.1)
            continue
        if status < 500:
            return status
        time.sleep(0.2)
    raise AssertionError(f"webhook unreachable (last status {status})")


@dataclass
class Plan:
    """Messages to send: `senders` × `per_sender`, each with a unique token in its text."""

    senders: int
    per_sender: int
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:6])

    def messages(self) -> list[tuple[str, str, str]]:
        """(psid, mid, text) in sending order: round-robin over senders."""
        out = []
        for n in range(self.per_sender):
            for s in range(self.senders):
                token = f"{self.run_id}-s{s}-n{n}"
                out.append((f"rel-{self.run_id}-{s}", f"m_{token}", f"msg {token}"))
        return out


def replies_by_token(graph: FakeGraph) -> dict[str, list[float]]:
    """When each message's echo reply reached the fake Graph API, by token."""
    found: dict[str, list[float]] = defaultdict(list)
    for call in graph.messages:
        body = call["body"]["message"].get("text", "")
        if body.startswith("echo: msg "):
            found[body.removeprefix("echo: msg ")].append(call["time"])
    return found


def order_violations(graph: FakeGraph, plan: Plan) -> int:
    """Senders whose replies arrived out of their sending order."""
    per_sender: dict[str, list[int]] = defaultdict(list)
    for call in graph.messages:
        body = call["body"]["message"].get("text", "")
        if body.startswith(f"echo: msg {plan.run_id}-"):
            _, sender, number = body.removeprefix("echo: msg ").split("-")
            per_sender[sender].append(int(number[1:]))
    bad = 0
    for numbers in per_sender.values():
        first_seen = list(dict.fromkeys(numbers))
        if first_seen != sorted(first_seen):
            bad += 1
    return bad


class Sender(threading.Thread):
    """Posts a plan's messages from several threads, keeping each sender's order."""

    def __init__(self, url: str, plan: Plan, threads: int = 8) -> None:
        super().__init__(daemon=True)
        self.url, self.plan, self.threads = url, plan, threads
        self.statuses: list[int] = []

    def run(self) -> None:
        by_sender: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
        for item in self.plan.messages():
            by_sender[item[0]].append(item)
        groups = list(by_sender.values())

        def work(index: int) -> None:
            session = requests.Session()
            for group in groups[index :: self.threads]:
                for psid, mid, body in group:
                    ts = int(time.time() * 1000)
                    self.statuses.append(
                        post(self.url, message_payload(psid, mid, body, ts), session)
                    )

        workers = [threading.Thread(target=work, args=(i,)) for i in range(self.threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
