"""Deleting a person's data: nothing they wrote survives anywhere (the chat command), and
Meta's deletion callback maps its app-scoped id to this page's PSID and says what happened.

Real PostgreSQL, the offline model, the loopback fake Graph API (it answers the ID Matching
API's `GET /{asid}/ids_for_pages` from `graph.page_ids`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from config import ConfigError, Settings, load_settings
from database import connection
from llm_api import ask_assistant
from messenger.graph_api import GraphClient
from messenger.pipeline import PipelineContext
from testing.fakes.graph import FakeGraph, graph_error
from tests.conftest import captured_logs, make_settings
from tests.test_ask_the_shop import MAI, MANAGER, OWNER, STAFF, Clock, rows, say, texts

# A word nobody else writes: it is how the test finds every copy of the shopper's question.
NONCE = "zorblax"
QUESTION = f"can I bring my {NONCE} kite to the terrace on Sunday?"
OTHER_SHOPPER = "7100000000000077"

SECRET = "deletion-secret"
APP_ID = "4242"
PAGE_TOKEN = "page-token-do-not-log"
PAGE_ID = "1122334455"
OTHER_PAGE = "9988776655"
PUBLIC = "https://shop.example"
MAX_AGE = 3600


# ----------------------------------------------------------------------------- helpers


def text_columns(run: Any) -> list[tuple[str, str]]:
    """Every column of every table in the schema that can hold words, from the catalog."""
    found = rows(
        run,
        "SELECT c.table_name, c.column_name"
        "  FROM information_schema.columns c"
        "  JOIN information_schema.tables t"
        "    ON t.table_schema = c.table_schema AND t.table_name = c.table_name"
        " WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'"
        "   AND (c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb',"
        "                        'tsvector')"
        "        OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar', '_jsonb')))"
        " ORDER BY 1, 2",
    )
    return [(row["table_name"], row["column_name"]) for row in found]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def holding(run: Any, word: str) -> dict[str, int]:
    """`table.column` → how many rows hold `word` (any case, any JSON nesting)."""
    found: dict[str, int] = {}
    for table, column in text_columns(run):
        [row] = rows(
            run,
            f"SELECT count(*) AS n FROM {_quoted(table)} WHERE {_quoted(column)}::text ILIKE $1",
            f"%{word}%",
        )
        if row["n"]:
            found[f"{table}.{column}"] = int(row["n"])
    return found


def tables(found: dict[str, int]) -> set[str]:
    return {key.split(".", 1)[0] for key in found}


@pytest.fixture(scope="module")
def desk_settings(database_url: str, graph: FakeGraph) -> Settings:
    return make_settings(
        database_url,
        FB_PAGE_ACCESS_TOKEN="page-token",
        FB_APP_SECRET="deletion-secret",
        GRAPH_API_BASE=graph.base_url,
    )


@pytest.fixture
def desk(
    run: Any, demo_shop: Any, graph: FakeGraph, desk_settings: Settings
) -> Iterator[PipelineContext]:
    """A clean desk (no escalations, holds, notices, learnt knowledge) and a pipeline."""

    async def clean() -> None:
        await connection().execute_query(
            "TRUNCATE escalations, thread_control, staff_notices, inbox_events, outbox_messages CASCADE"
        )
        await connection().execute_query("DELETE FROM shop_knowledge WHERE source = 'staff_answer'")

    run(clean())
    graph.reset()
    yield PipelineContext(desk_settings, GraphClient(desk_settings), clock=Clock())
    run(clean())


def park_failed_job(database_url: str, psid: str, text: str) -> int:
    """A job of `psid` that failed for good: procrastinate keeps its arguments (the event)."""
    from jobs.deferrer import Deferrer
    from messenger.webhook import defer_events

    mid = f"m_failed_{time.time_ns()}"
    event = {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1,
             "message": {"mid": mid, "text": text}}  # fmt: skip
    deferrer = Deferrer(database_url)
    try:
        [job_id] = defer_events(deferrer, [(f"mid:{mid}", psid, event, "messaging", "PAGE")])
    finally:
        deferrer.close()
    return job_id


# ------------------------------------------------------------ "delete my data" deletes it


def test_delete_my_data_leaves_no_copy_of_the_shoppers_words(
    run: Any, desk: PipelineContext, graph: FakeGraph, database_url: str, procrastinate_schema: None
) -> None:
    orders_before = rows(run, "SELECT count(*) AS n FROM orders WHERE customer_id = $1", MAI)
    demo_knowledge = rows(run, "SELECT id, question, answer FROM shop_knowledge ORDER BY id")

    # The shopper asks what only the staff know: escalated, every staff member notified.
    say(run, desk, MAI, QUESTION)
    [esc] = rows(run, "SELECT * FROM escalations WHERE shopper_psid = $1", MAI)
    ref = esc["id"]
    assert all(any(NONCE in text for text in texts(graph, psid)) for psid in STAFF)
    # The owner lists what is waiting (the question lands in their own history).
    say(run, desk, OWNER, "pending")
    assert NONCE in texts(graph, OWNER)[-1]
    # The manager answers: relayed to the shopper and learnt.
    say(run, desk, MANAGER, f"#{ref} Yes, kites are welcome on the terrace at weekends")
    [entry] = rows(run, "SELECT * FROM shop_knowledge WHERE escalation_id = $1", ref)
    assert NONCE in entry["question"]
    # Another shopper asks the same; a message of the shopper's failed and was parked.
    say(run, desk, OTHER_SHOPPER, "can I bring a kite to the terrace?")
    job_id = park_failed_job(database_url, MAI, f"hello again about the {NONCE} kite")
    run(_fail_job(job_id))

    before = holding(run, NONCE)
    # The scan finds the words where the product stores them (so its empty answer means it).
    expected = {"escalations", "outbox_messages", "shop_knowledge", "session", "llm_turns",
                "inbox_events", "procrastinate_jobs"}  # fmt: skip
    assert expected <= tables(before), before

    say(run, desk, MAI, "delete my data")

    assert holding(run, NONCE) == {}
    # The shop's records stay: the customer row and their orders, for the accounts.
    assert rows(run, "SELECT id FROM customers WHERE id = $1", MAI) == [{"id": MAI}]
    assert (
        rows(run, "SELECT count(*) AS n FROM orders WHERE customer_id = $1", MAI) == orders_before
    )
    # Other people's records stay, with the shopper's words replaced.
    notes = rows(
        run,
        "SELECT body FROM outbox_messages WHERE escalation_id = $1 AND purpose = 'notify'",
        ref,
    )
    assert len(notes) == len(STAFF)
    assert all("[deleted]" in _body(note)["text"] for note in notes)
    owner_turns = rows(run, "SELECT reply FROM llm_turns WHERE psid = $1", OWNER)
    assert any(f"#{ref}" in turn["reply"] and "[deleted]" in turn["reply"] for turn in owner_turns)
    assert rows(run, "SELECT id FROM llm_turns WHERE psid = $1", OTHER_SHOPPER)
    # The learnt entry was the shopper's question: gone; the shop's own entries untouched.
    assert rows(run, "SELECT id FROM shop_knowledge WHERE id = $1", entry["id"]) == []
    assert (
        rows(run, "SELECT id, question, answer FROM shop_knowledge ORDER BY id") == demo_knowledge
    )
    # Nothing of theirs is left to find by their id either.
    for sql in (
        "SELECT 1 FROM escalations WHERE shopper_psid = $1",
        "SELECT 1 FROM users_sessions WHERE customer_id = $1",
        "SELECT 1 FROM llm_turns WHERE psid = $1",
        "SELECT 1 FROM procrastinate_jobs WHERE lock = $1 AND status <> 'doing'",
    ):
        assert rows(run, sql, MAI) == [], sql


async def _fail_job(job_id: int) -> None:
    await connection().execute_query(
        "UPDATE procrastinate_jobs SET status = 'failed', attempts = 4 WHERE id = $1", [job_id]
    )


def _body(row: dict[str, Any]) -> dict[str, Any]:
    body = row["body"]
    return json.loads(body) if isinstance(body, str) else body


LONG = 'Chị ơi, có bán "zorblax" không? ' + "x" * 140  # quotes, accents, over 120 chars
SCRUBS = {
    "short: only where quoted or whole": (
        "wifi?",
        {
            "text": "#7 (2 min) Mai: “wifi?”",
            "mine": "our wifi? it is fast",
            "tool": '{"question":"wifi?"}',
            "args": {"question": "wifi?"},
        },
        {
            "text": "#7 (2 min) Mai: “[deleted]”",
            "mine": "our wifi? it is fast",
            "tool": '{"question":"[deleted]"}',
            "args": {"question": "[deleted]"},
        },
    ),
    "long: every stored form": (
        LONG,
        {
            "as written": f"Q: {LONG}!",
            "pending list": f"#7 (2 min) Mai: “{LONG[:120]}”",
            "JSON in a string": json.dumps({"question": LONG}, ensure_ascii=False),
            "JSON in a string, escaped": json.dumps({"question": LONG}),
            "other": ["unrelated", 3, None, {"x": True}],
        },
        {
            "as written": "Q: [deleted]!",
            "pending list": "#7 (2 min) Mai: “[deleted]”",
            "JSON in a string": '{"question": "[deleted]"}',
            "JSON in a string, escaped": '{"question": "[deleted]"}',
            "other": ["unrelated", 3, None, {"x": True}],
        },
    ),
}


@pytest.mark.parametrize(("text", "doc", "expected"), SCRUBS.values(), ids=SCRUBS.keys())
def test_scrub_replaces_the_persons_words_in_every_stored_form(
    run: Any, loop: Any, text: str, doc: Any, expected: Any
) -> None:
    """A short text ("wifi?") only where it quotes them, never inside a staff member's own
    sentence; a long one wherever it is, JSON-escaped or cut to the pending list's 120."""
    from database.privacy import scrub_patterns

    patterns = scrub_patterns([text])

    async def scrub() -> Any:
        [row] = await connection().execute_query_dict(
            "SELECT scrub_jsonb($1::jsonb, $2, $3, $4, $5) AS doc,"
            "       mentions_any($1::text, $6) AS found",
            [json.dumps(doc), *patterns.params(), patterns.probes],
        )
        found = json.loads(row["doc"]) if isinstance(row["doc"], str) else row["doc"]
        assert row["found"]  # the cheap probe finds the row
        return found

    assert run(scrub()) == expected


def test_deleting_someone_with_nothing_stored_finds_nothing(run: Any, loop: Any) -> None:
    from database.privacy import delete_sender_data

    result = run(delete_sender_data("7100000000009999"))
    assert not result.found and result.sessions == 0


# ------------------------------------------------------------ the data deletion callback


def signed_request(payload: Any, secret: str = SECRET) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    body = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    sig = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(sig).rstrip(b"=").decode() + "." + body


def deletion_request(user_id: Any, *, issued_at: Any = None, **extra: Any) -> str:
    payload = {"algorithm": "HMAC-SHA256", "user_id": user_id, **extra}
    payload["issued_at"] = int(time.time()) if issued_at is None else issued_at
    if issued_at == "missing":
        del payload["issued_at"]
    return signed_request(payload)


@pytest.fixture(scope="module")
def callback_settings(database_url: str, graph: FakeGraph) -> Settings:
    return make_settings(
        database_url,
        FB_APP_SECRET=SECRET,
        FB_APP_ID=APP_ID,
        FB_PAGE_ACCESS_TOKEN=PAGE_TOKEN,
        GRAPH_API_BASE=graph.base_url,
        FB_PAGE_ID=PAGE_ID,
        PUBLIC_BASE_URL=PUBLIC + "/",
        DELETION_REQUEST_MAX_AGE_SECONDS=MAX_AGE,
    )


def _app(settings: Settings, loop: Any) -> Flask:
    from main import create_app

    flask_app = create_app(settings)
    flask_app.extensions["runtime"] = loop
    return flask_app


@pytest.fixture(scope="module")
def callback_app(callback_settings: Settings, loop: Any) -> Flask:
    return _app(callback_settings, loop)


@pytest.fixture
def lookups(graph: FakeGraph) -> FakeGraph:
    graph.reset()
    return graph


def chat(run: Any, psid: str, settings: Settings) -> None:
    """`psid` talks to the assistant: a session and an audited turn are stored."""
    run(ask_assistant(psid, "hello, do you have matcha?", settings=settings))


def stored(run: Any, psid: str) -> int:
    [row] = rows(
        run,
        "SELECT (SELECT count(*) FROM users_sessions WHERE customer_id = $1)"
        "     + (SELECT count(*) FROM llm_turns WHERE psid = $1) AS n",
        psid,
    )
    return int(row["n"])


def status_of(client: Any, url: str) -> dict[str, Any]:
    assert url.startswith(PUBLIC + "/facebook/data-deletion/"), url
    response = client.get(url.removeprefix(PUBLIC))
    assert response.status_code == 200
    return dict(response.get_json())


def test_callback_maps_the_app_scoped_id_to_this_pages_psid(
    run: Any, callback_app: Flask, lookups: FakeGraph, demo_shop: Any
) -> None:
    settings = callback_app.config["SETTINGS"]
    asid, psid, elsewhere = "5500000000000001", "7300000000000001", "7300000000000002"
    lookups.page_ids[asid] = [(OTHER_PAGE, elsewhere), (PAGE_ID, psid)]
    chat(run, psid, settings)
    chat(run, elsewhere, settings)  # the same person on another page: not ours to delete
    client = callback_app.test_client()

    response = client.post(
        "/facebook/data-deletion", data={"signed_request": deletion_request(asid)}
    )

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"url", "confirmation_code"}
    assert stored(run, psid) == 0 and stored(run, elsewhere) > 0
    status = status_of(client, body["url"])
    assert (
        status["status"] == "deleted" and status["confirmation_code"] == body["confirmation_code"]
    )
    assert status["date"] == time.strftime("%Y-%m-%d", time.gmtime())
    assert "deleted" in status["detail"]
    [call] = lookups.lookups
    assert call["path"] == f"/{settings.GRAPH_API_VERSION}/{asid}/ids_for_pages"
    token = f"{APP_ID}|{SECRET}"
    proof = hmac.new(SECRET.encode(), token.encode(), hashlib.sha256).hexdigest()
    assert call["query"] == {"page": PAGE_ID, "access_token": token, "appsecret_proof": proof}


def test_callback_says_nothing_stored_when_the_psid_has_no_data(
    run: Any, callback_app: Flask, lookups: FakeGraph
) -> None:
    lookups.page_ids["5500000000000002"] = [(PAGE_ID, "7300000000000003")]
    client = callback_app.test_client()
    response = client.post(
        "/facebook/data-deletion", data={"signed_request": deletion_request("5500000000000002")}
    )
    assert response.status_code == 200
    assert status_of(client, response.get_json()["url"])["status"] == "nothing stored"


SCENES = ["graph error", "no match", "no page id", "dry run", "not numeric"]


@pytest.mark.parametrize("scene", SCENES)
def test_callback_says_could_not_map_honestly(
    run: Any,
    scene: str,
    callback_settings: Settings,
    loop: Any,
    lookups: FakeGraph,
) -> None:
    overrides: dict[str, Any] = {}
    if scene == "no page id":
        overrides["FB_PAGE_ID"] = None
    if scene == "dry run":
        overrides["FB_PAGE_ACCESS_TOKEN"] = None
    flask_app = _app(callback_settings.model_copy(update=overrides), loop)
    # A different person each time (the same signed request twice would be a replay).
    asid = "app-scoped-x" if scene == "not numeric" else f"55000000000001{SCENES.index(scene):02d}"
    if scene == "graph error":
        lookups.script_lookups(graph_error(190, message="Invalid OAuth access token"))
    client = flask_app.test_client()
    with captured_logs() as logs:
        response = client.post(
            "/facebook/data-deletion", data={"signed_request": deletion_request(asid)}
        )
    assert response.status_code == 200
    status = status_of(client, response.get_json()["url"])
    assert status["status"] == "could not map"
    assert "could not" in status["detail"]
    expected_calls = 1 if scene in ("graph error", "no match") else 0
    assert len(lookups.lookups) == expected_calls
    assert not any(PAGE_TOKEN in line or SECRET in line for line in logs)


def test_the_id_is_tried_as_a_psid_too(
    run: Any, callback_settings: Settings, loop: Any, lookups: FakeGraph
) -> None:
    """A development setup (dry run: no ID Matching) whose callback names a PSID directly."""
    flask_app = _app(callback_settings.model_copy(update={"FB_PAGE_ACCESS_TOKEN": None}), loop)
    psid = "7300000000000004"
    chat(run, psid, flask_app.config["SETTINGS"])
    client = flask_app.test_client()
    response = client.post(
        "/facebook/data-deletion", data={"signed_request": deletion_request(psid)}
    )
    assert response.status_code == 200
    assert status_of(client, response.get_json()["url"])["status"] == "deleted"
    assert stored(run, psid) == 0


def test_a_replay_gets_the_same_code_and_does_nothing_more(
    run: Any, callback_app: Flask, lookups: FakeGraph
) -> None:
    settings = callback_app.config["SETTINGS"]
    asid, psid = "5500000000000005", "7300000000000005"
    lookups.page_ids[asid] = [(PAGE_ID, psid)]
    chat(run, psid, settings)
    client = callback_app.test_client()
    signed = deletion_request(asid)

    first = client.post("/facebook/data-deletion", data={"signed_request": signed}).get_json()
    chat(run, psid, settings)  # they write again afterwards: kept, the replay deletes nothing
    replay = client.post("/facebook/data-deletion", data={"signed_request": signed})

    assert replay.status_code == 200 and replay.get_json() == first
    assert stored(run, psid) > 0
    assert len(lookups.lookups) == 1
    assert status_of(client, first["url"])["status"] == "deleted"
    [row] = rows(
        run,
        "SELECT count(*) AS n FROM data_deletions WHERE confirmation_code = $1",
        first["confirmation_code"],
    )
    assert row["n"] == 1


@pytest.mark.parametrize(
    ("issued_at", "code"),
    [
        ("now", 200),
        (-(MAX_AGE - 60), 200),
        (-(MAX_AGE + 60), 400),
        (-30 * 86400, 400),
        (+3600, 400),  # issued in the future: not Meta's clock
        ("missing", 400),
        ("1700000000", 400),  # not a number
    ],
)
def test_an_old_signed_request_is_refused(
    callback_app: Flask, lookups: FakeGraph, issued_at: Any, code: int
) -> None:
    now = int(time.time())
    when: Any = (
        None if issued_at == "now" else issued_at if isinstance(issued_at, str) else now + issued_at
    )
    signed = deletion_request("5500000000000006", issued_at=when)
    response = callback_app.test_client().post(
        "/facebook/data-deletion", data={"signed_request": signed}
    )
    assert response.status_code == code, response.get_json()
    if code == 400:
        assert lookups.lookups == []  # refused before anything is looked up or deleted


def _nested(depth: int) -> bytes:
    head = f'{{"algorithm":"HMAC-SHA256","issued_at":{int(time.time())},"user_id":"1","x":'
    return (head + "[" * depth + "]" * depth + "}").encode()


def _signed(user_id: Any = "1", **payload: Any) -> str:
    return signed_request(
        {"algorithm": "HMAC-SHA256", "issued_at": int(time.time()), "user_id": user_id, **payload}
    )


MALFORMED = {
    "no field": None,
    "empty": "",
    "no dot": "garbage",
    "not base64": "a.b",
    "not ascii": "é.é",
    "dots only": "..",
    "not json": signed_request(b"not json"),
    "not utf-8": signed_request(b"\xff\xfe"),
    "a list": signed_request([1, 2]),
    "65 deep": signed_request(_nested(65)),
    "100000 deep": signed_request(_nested(100_000)),
    "100000 open brackets": signed_request(b"[" * 100_000),
    "wrong secret": signed_request({"algorithm": "HMAC-SHA256", "user_id": "1"}, "wrong"),
    "no algorithm": signed_request({"issued_at": int(time.time()), "user_id": "1"}),
    "other algorithm": _signed(algorithm="none"),
    "no user_id": _signed(None),
    "user_id a list": _signed(["1"]),
    "user_id nested": _signed({"a": {"b": 1}}),
    "user_id with spaces": _signed("1 OR 1=1"),
    "user_id too long": _signed("9" * 200),
    "issued_at true": _signed(issued_at=True),
}


@pytest.mark.parametrize("signed", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_signed_request_gets_400_never_500(
    callback_app: Flask, lookups: FakeGraph, signed: str | None
) -> None:
    data = {} if signed is None else {"signed_request": signed}
    response = callback_app.test_client().post("/facebook/data-deletion", data=data)
    assert response.status_code == 400
    assert response.get_json() is not None and "error" in response.get_json()
    assert lookups.lookups == []


def test_within_the_nesting_limit_is_fine(callback_app: Flask, lookups: FakeGraph) -> None:
    response = callback_app.test_client().post(
        "/facebook/data-deletion", data={"signed_request": signed_request(_nested(60))}
    )
    assert response.status_code == 200


def test_without_public_base_url_the_status_url_uses_the_host_with_a_warning(
    callback_settings: Settings, loop: Any, lookups: FakeGraph
) -> None:
    flask_app = _app(callback_settings.model_copy(update={"PUBLIC_BASE_URL": None}), loop)
    with captured_logs("WARNING") as logs:
        response = flask_app.test_client().post(
            "/facebook/data-deletion",
            data={"signed_request": deletion_request("5500000000000007")},
            base_url="http://assistant.internal:5000",
        )
    assert response.status_code == 200
    assert response.get_json()["url"].startswith("http://assistant.internal:5000/facebook/")
    assert any("PUBLIC_BASE_URL" in line for line in logs)


def test_the_status_of_an_unknown_code_is_404(callback_app: Flask) -> None:
    assert callback_app.test_client().get("/facebook/data-deletion/nope").status_code == 404


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PUBLIC_BASE_URL", "http://shop.example"),
        ("PUBLIC_BASE_URL", "shop.example"),
        ("PUBLIC_BASE_URL", "https://"),
        ("FB_PAGE_ID", "my-page"),
        ("DELETION_REQUEST_MAX_AGE_SECONDS", "0"),
    ],
)
def test_deletion_settings_are_validated(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        load_settings(_env_file=None, **{name: value})


def test_deletion_settings_defaults() -> None:
    settings = load_settings(_env_file=None)
    assert settings.DELETION_REQUEST_MAX_AGE_SECONDS == 86_400
    assert settings.PUBLIC_BASE_URL is None and settings.FB_PAGE_ID is None
    assert load_settings(_env_file=None, PUBLIC_BASE_URL="https://x.example/").PUBLIC_BASE_URL == (
        "https://x.example"
    )
