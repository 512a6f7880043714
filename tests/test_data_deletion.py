"""Deleting a person's data: nothing they wrote survives anywhere (the chat command).

Real PostgreSQL, the offline model, the loopback fake Graph API.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from config import Settings
from database import connection
from messenger.graph_api import GraphClient
from messenger.pipeline import PipelineContext
from tests.conftest import make_settings
from tests.fakes.graph import FakeGraph
from tests.test_ask_the_shop import MAI, MANAGER, OWNER, STAFF, Clock, rows, say, texts

# A word nobody else writes: it is how the test finds every copy of the shopper's question.
NONCE = "zorblax"
QUESTION = f"can I bring my {NONCE} kite to the terrace on Sunday?"
OTHER_SHOPPER = "7100000000000077"


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
        database_url, FB_PAGE_ACCESS_TOKEN="page-token", GRAPH_API_BASE=graph.base_url
    )


@pytest.fixture
def desk(
    run: Any, demo_shop: Any, graph: FakeGraph, desk_settings: Settings
) -> Iterator[PipelineContext]:
    """A clean desk (no escalations, holds, notices, learnt knowledge) and a pipeline."""

    async def clean() -> None:
        await connection().execute_query(
            "TRUNCATE escalations, thread_control, staff_notices, inbox_events, outbox_messages"
        )
        await connection().execute_query("DELETE FROM shop_knowledge WHERE source = 'staff_answer'")

    run(clean())
    graph.reset()
    yield PipelineContext(desk_settings, GraphClient(desk_settings), clock=Clock())
    run(clean())


def park_failed_job(database_url: str, psid: str, text: str) -> int:
    """A job of `psid` that failed for good: procrastinate keeps its arguments (the event)."""
    from messenger.queue import Deferrer

    mid = f"m_failed_{time.time_ns()}"
    event = {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1,
             "message": {"mid": mid, "text": text}}  # fmt: skip
    deferrer = Deferrer(database_url)
    try:
        job_id = deferrer.defer_event(f"mid:{mid}", psid, event, "messaging", "PAGE")
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
