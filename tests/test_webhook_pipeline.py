"""The Messenger pipeline end to end: webhook → procrastinate job → worker → fake Graph API."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config import Settings
from database import connection
from jobs.worker import QueueWorker
from messenger.signature import sign
from service.runtime import Runtime
from testing.fakes.graph import FakeGraph, graph_error
from testing.fakes.llm import text
from tests.conftest import make_settings
from tests.reliability.harness import message_payload

SECRET = "test-app-secret"
PAYLOADS = Path(__file__).parent / "data" / "messenger"
OWNER = "6100000000000001"


@pytest.fixture(scope="module")
def pipeline_settings(database_url: str, graph: FakeGraph, fake_llm: Any) -> Settings:
    return make_settings(
        database_url,
        FB_APP_SECRET=SECRET,
        FB_PAGE_ACCESS_TOKEN="page-token-secret",
        GRAPH_API_BASE=graph.base_url,
        LLM_MODEL="openai/fake-echo",
        LLM_API_BASE=fake_llm.base_url,
        LLM_API_KEY="k",
        QUEUE_POLL_INTERVAL=0.1,
        SEND_RETRIES=2,
    )


@pytest.fixture(scope="module")
def worker(
    run: Any, demo_shop: Any, pipeline_settings: Settings, database_url: str
) -> Iterator[QueueWorker]:
    runtime = Runtime(pipeline_settings)
    run(runtime.start_worker())
    assert runtime.worker is not None
    yield runtime.worker
    run(runtime.stop_worker())


@pytest.fixture(scope="module")
def pipeline_app(pipeline_settings: Settings, loop: Any, worker: QueueWorker) -> Flask:
    from jobs.deferrer import Deferrer
    from main import create_app

    flask_app = create_app(pipeline_settings)
    flask_app.extensions["runtime"] = loop
    deferrer = Deferrer(pipeline_settings.DATABASE_URL or "")
    flask_app.extensions["deferrer"] = lambda: deferrer
    return flask_app


@pytest.fixture
def client(pipeline_app: Flask, graph: FakeGraph, fake_llm: Any) -> FlaskClient:
    graph.reset()
    fake_llm.reset()
    fake_llm.responder = _echo
    return pipeline_app.test_client()


def _echo(body: dict[str, Any]) -> dict[str, Any]:
    last = [m for m in body["messages"] if m["role"] == "user"][-1]["content"]
    return text(f"echo: {last}")


def post(
    client: FlaskClient, payload: Any, *, secret: str | None = SECRET, raw: bytes | None = None
) -> Any:
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if secret:
        headers["X-Hub-Signature-256"] = sign(secret, body)
    return client.post("/facebook", data=body, headers=headers)


message = message_payload  # one webhook body carrying one text message


def wait_for(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def inbox(run: Any, key: str) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        return await connection().execute_query_dict(
            "SELECT state, attempts, error FROM inbox_events WHERE event_key = $1", [key]
        )

    return run(go())


def jobs_count(run: Any) -> int:
    async def go() -> int:
        rows = await connection().execute_query_dict(
            "SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = 'handle_event'"
        )
        return int(rows[0]["n"])

    return run(go())


def pending_jobs(run: Any) -> int:
    async def go() -> int:
        rows = await connection().execute_query_dict(
            "SELECT count(*) AS n FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
        )
        return int(rows[0]["n"])

    return run(go())


# ------------------------------------------------------------------ handshake


@pytest.mark.parametrize(
    ("query", "status", "body"),
    [
        (
            "hub.mode=subscribe&hub.verify_token=dev-verify-token&hub.challenge=CHALLENGE_ACCEPTED",
            200,
            "CHALLENGE_ACCEPTED",
        ),
        (
            "hub.mode=subscribe&hub.verify_token=dev-verify-token&hub.challenge=1158201444",
            200,
            "1158201444",
        ),
        ("hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", 403, None),
        ("hub.mode=unsubscribe&hub.verify_token=dev-verify-token&hub.challenge=1", 403, None),
        ("", 403, None),
    ],
)
def test_verification_handshake(
    client: FlaskClient, query: str, status: int, body: str | None
) -> None:
    response = client.get(f"/facebook?{query}")
    assert response.status_code == status
    if body is not None:
        assert response.get_data(as_text=True) == body
        assert response.mimetype == "text/plain"


# ------------------------------------------------------------------ intake


@pytest.mark.parametrize(
    "mutate",
    [
        lambda body, sig: (body, None),
        lambda body, sig: (body, "sha256=" + "0" * 64),
        lambda body, sig: (body + b" ", sig),
        lambda body, sig: (body.replace(b"hello", b"hellp"), sig),
        lambda body, sig: (body, sig.replace("sha256=", "sha1=")),
    ],
    ids=["missing", "wrong", "extra-byte", "altered-byte", "sha1"],
)
def test_bad_signatures_get_403_and_store_nothing(run, client, mutate) -> None:
    before = jobs_count(run)
    body = json.dumps(message("sig-psid", "m_sig", "hello")).encode()
    body, signature = mutate(body, sign(SECRET, body))
    headers = {"Content-Type": "application/json"}
    if signature:
        headers["X-Hub-Signature-256"] = signature
    response = client.post("/facebook", data=body, headers=headers)
    assert response.status_code == 403
    assert jobs_count(run) == before
    assert inbox(run, "mid:m_sig") == []


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"not json at all", 400),
        (b"", 400),
        (b"[1, 2, 3]", 400),
        (b'{"object": "user", "entry": []}', 400),
        (b'{"object": "page"}', 400),
        (b'{"object": "page", "entry": "nope"}', 400),
        (b"\xff\xfe\x00garbage", 400),
        (b'{"object": "page", "entry": [{"messaging": [{"message": "TEST_MESSAGE"}]}]}', 200),
        (b'{"object": "page", "entry": [{"id": "1", "changes": [{"field": "feed"}]}]}', 200),
        (b'{"object": "page", "entry": [null, 5, "x", {"messaging": [null, {"sender": 3}]}]}', 200),
        (b"[" * 5000 + b"]" * 5000, 400),
    ],
)
def test_malformed_bodies_never_500(client: FlaskClient, raw: bytes, status: int) -> None:
    assert post(client, None, raw=raw).status_code == status


def test_oversized_body_gets_413(client: FlaskClient, pipeline_app: Flask) -> None:
    huge = (
        b'{"object": "page", "entry": [], "pad": "'
        + b"x" * (pipeline_app.config["MAX_CONTENT_LENGTH"] + 10)
        + b'"}'
    )
    assert post(client, None, raw=huge).status_code == 413


# ------------------------------------------------------------------ answering


def test_owner_text_is_answered_once_through_the_send_api(run, client, graph, fake_llm) -> None:
    fake_llm.responder = None
    fake_llm.script("fake-echo", text("Hello boss"))
    assert post(client, message(OWNER, "m_owner_1", "hi there")).status_code == 200
    wait_for(lambda: len(graph.messages) == 1)
    call = graph.messages[0]
    assert call["path"] == "/v25.0/me/messages"
    assert call["body"]["messaging_type"] == "RESPONSE"
    assert call["body"]["message"]["text"] == "Hello boss"
    assert call["body"]["access_token"] == "page-token-secret"
    assert "page-token-secret" not in call["path"]
    assert [c["body"].get("sender_action") for c in graph.calls[:2]] == ["mark_seen", "typing_on"]
    wait_for(
        lambda: inbox(run, "mid:m_owner_1") == [{"state": "done", "attempts": 1, "error": None}]
    )


def test_duplicate_deliveries_are_answered_once(run, client, graph) -> None:
    payload = message("dup-psid", "m_dup", "only once please")
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: post(client, payload).status_code, range(3)))
    assert statuses == [200, 200, 200]
    wait_for(lambda: [r["state"] for r in inbox(run, "mid:m_dup")] == ["done"])
    wait_for(lambda: pending_jobs(run) == 0)
    assert graph.texts("dup-psid") == ["echo: only once please"]


def test_a_batch_with_several_entries_and_events_answers_each(client, graph) -> None:
    first, second = message("batch-a", "m_b1", "one"), message("batch-b", "m_b2", "two")
    third = message("batch-a", "m_b3", "three")
    first["entry"][0]["messaging"] += third["entry"][0]["messaging"]
    payload = {"object": "page", "entry": first["entry"] + second["entry"]}
    assert post(client, payload).status_code == 200
    wait_for(lambda: len(graph.messages) == 3)
    assert graph.texts("batch-a") == ["echo: one", "echo: three"]
    assert graph.texts("batch-b") == ["echo: two"]


def test_one_senders_messages_are_answered_in_order(client, graph) -> None:
    for n in range(6):
        post(client, message("order-psid", f"m_order_{n}", f"message {n}", ts=1764600000000 + n))
    wait_for(lambda: len(graph.texts("order-psid")) == 6, timeout=30)
    assert graph.texts("order-psid") == [f"echo: message {n}" for n in range(6)]


@pytest.mark.parametrize(
    "fixture",
    [
        "echo_text.json",
        "echo_with_metadata_template.json",
        "read.json",
        "delivery.json",
        "reaction.json",
        "message_edit.json",
        "standby_message.json",
    ],
)
def test_events_that_are_never_answered(run, client, graph, fixture) -> None:
    payload = json.loads((PAYLOADS / fixture).read_text())
    assert post(client, payload).status_code == 200
    time.sleep(0.8)
    assert graph.messages == []
    # echo_text.json is a person's reply from the Page (another app, no mark of ours): it
    # pauses the assistant for that shopper, whom later tests of this module write as.
    run(connection().execute_query("DELETE FROM thread_control"))


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("image_attachment.json", "picture"),
        ("audio_attachment.json", "voice"),
        ("sticker_like.json", "👍"),
        ("file_attachment.json", "file"),
    ],
)
def test_attachments_get_a_short_friendly_reply(client, graph, fixture, expected) -> None:
    payload = json.loads((PAYLOADS / fixture).read_text())
    assert post(client, payload).status_code == 200
    wait_for(lambda: len(graph.messages) == 1)
    assert expected in graph.messages[0]["body"]["message"]["text"]


def test_get_started_postback_is_answered_as_a_greeting(client, graph, fake_llm) -> None:
    payload = json.loads((PAYLOADS / "postback_get_started.json").read_text())
    assert post(client, payload).status_code == 200
    wait_for(lambda: len(graph.messages) == 1)
    assert graph.messages[0]["body"]["message"]["text"] == "echo: hello"


def test_long_replies_are_split_in_order(client, graph, fake_llm) -> None:
    paragraphs = [f"Paragraph {n}: " + "words " * 150 for n in range(6)]
    fake_llm.responder = None
    fake_llm.script("fake-echo", text("\n\n".join(paragraphs)))
    post(client, message("long-psid", "m_long", "tell me everything"))
    wait_for(
        lambda: (
            len(graph.texts("long-psid")) >= 3
            and "quick_replies" in graph.messages[-1]["body"]["message"]
        )
    )
    parts = graph.texts("long-psid")
    assert all(len(p) <= 2000 for p in parts)
    assert " ".join(parts).split() == "\n\n".join(paragraphs).split()


@pytest.mark.parametrize(
    ("errors", "sent", "state"),
    [
        ([graph_error(2)], 1, "sent"),
        ([graph_error(613), graph_error(4)], 1, "sent"),
        ([graph_error(551, 1545041)], 0, "failed"),
        ([graph_error(10, 2018278)], 0, "failed"),
        ([graph_error(100)], 0, "failed"),
        # A rejected token is not the message's fault: it waits and goes once the token works.
        ([graph_error(190, 463)], 1, "sent"),
    ],
    ids=["2-retried", "613-4-retried", "551", "10-window", "100", "190-token-waits"],
)
def test_send_errors_are_retried_or_dropped_by_class(
    run,
    client,
    graph,
    errors,
    sent,
    state,
) -> None:
    graph.script(*errors)
    mid = f"m_err_{errors[0]['body']['error']['code']}_{len(errors)}"
    post(client, message(f"err-{mid}", mid, "hello"))

    async def outbox_state() -> list[dict[str, Any]]:
        return await connection().execute_query_dict(
            "SELECT state FROM outbox_messages WHERE event_key = $1", [f"mid:{mid}"]
        )

    wait_for(lambda: [r["state"] for r in run(outbox_state())] == [state])
    time.sleep(0.3)
    assert len(graph.texts(f"err-{mid}")) == sent


def test_dry_run_sends_nothing_and_records_the_reply(
    run, database_url, loop, graph, fake_llm
) -> None:
    from main import create_app
    from messenger.graph_api import GraphClient
    from messenger.pipeline import PipelineContext, process_event

    settings = make_settings(database_url, GRAPH_API_BASE=graph.base_url)  # no page token
    graph.reset()
    raw = message("dry-psid", "m_dry", "hello")["entry"][0]["messaging"][0]
    ctx = PipelineContext(settings, GraphClient(settings))
    assert run(process_event(ctx, "mid:m_dry", raw, "messaging", "PAGE")) == "done"
    assert graph.calls == []

    async def states() -> list[str]:
        rows = await connection().execute_query_dict(
            "SELECT state FROM outbox_messages WHERE event_key = 'mid:m_dry'"
        )
        return [r["state"] for r in rows]

    assert run(states()) == ["dry_run"]
    assert create_app(settings)  # the app builds without a token


def test_an_event_stored_while_no_worker_runs_is_answered_once_after_restart(
    run,
    client,
    graph,
    worker,
) -> None:
    run(worker.stop())
    try:
        assert (
            post(client, message("restart-psid", "m_restart", "are you there?")).status_code == 200
        )
        time.sleep(0.5)
        assert graph.messages == []
    finally:
        run(worker.start())
    wait_for(lambda: graph.texts("restart-psid") == ["echo: are you there?"])
    post(client, message("restart-psid", "m_restart", "are you there?"))
    time.sleep(1.0)
    assert graph.texts("restart-psid") == ["echo: are you there?"]


EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.parametrize(
    ("example", "answers"),
    [
        ("owner_text.json", 1),
        ("shopper_text.json", 1),
        ("shopper_vietnamese.json", 1),
        ("quick_reply.json", 1),
        ("postback_get_started.json", 1),
        ("image_attachment.json", 1),
        ("echo.json", 0),
        ("read_receipt.json", 0),
        ("batch_two_entries.json", 2),
    ],
)
def test_every_example_payload_is_accepted_and_answered_as_documented(
    client,
    graph,
    example,
    answers,
) -> None:
    payload = json.loads((EXAMPLES / example).read_text())
    for entry in payload["entry"]:  # fresh ids: examples are replayed by other tests too
        for event in entry["messaging"]:
            for key in ("message", "postback"):
                if key in event and "mid" in event[key]:
                    event[key]["mid"] += f"-{example}"
    assert post(client, payload).status_code == 200
    if answers:
        wait_for(lambda: len(graph.messages) == answers)
    time.sleep(0.5)
    assert len(graph.messages) == answers


def test_database_unreachable_gets_503_not_500(pipeline_settings: Settings, loop: Any) -> None:
    from jobs.deferrer import Deferrer
    from main import create_app

    flask_app = create_app(pipeline_settings)
    flask_app.extensions["runtime"] = loop
    unreachable = Deferrer("postgresql://postgres@127.0.0.1:1/nowhere")
    flask_app.extensions["deferrer"] = lambda: unreachable
    try:
        response = post(flask_app.test_client(), message("down-psid", "m_down", "hello"))
    finally:
        unreachable.close()
    assert response.status_code == 503
