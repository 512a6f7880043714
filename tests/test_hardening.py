"""Hardening (#14): who may speak for the shop, relays of staff words only, roles, timed-out
sends, and bodies cleaned at the edge. Real PostgreSQL, loopback fakes, the demo shop."""

from __future__ import annotations

import itertools
import json
import time
import unicodedata
from collections.abc import Iterator
from typing import Any

import pytest

from config import ConfigError, Settings, load_settings
from database import connection
from llm_api import ask_assistant
from messenger.delivery import SendUnsettled
from messenger.events import mark_for
from messenger.graph_api import GraphClient
from messenger.payload import UnreadableBody, count_events, decode_body
from messenger.pipeline import PipelineContext, process_event
from testing.fakes.graph import FakeGraph
from testing.fakes.llm import text, tool_calls
from tests.conftest import make_settings
from tools.llm_tools import TOOLS, Caller, LLMShopTools
from tools.roles import resolve_caller

OWNER, MANAGER, SUPPORT = "6100000000000001", "6100000000000002", "6100000000000003"
MAI = "7100000000000001"
ANALYTICS = {name for name, spec in TOOLS.items() if spec.roles == frozenset({"owner"})}
_mids = itertools.count(1)


def rows(run: Any, sql: str, *params: Any) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        return await connection().execute_query_dict(sql, list(params))

    return run(go())


@pytest.fixture
def clean_desk(run: Any, demo_shop: Any) -> Iterator[None]:
    async def clean() -> None:
        await connection().execute_query(
            "TRUNCATE escalations, thread_control, staff_notices, inbox_events, outbox_messages CASCADE"
        )
        await connection().execute_query("DELETE FROM shop_knowledge WHERE source = 'staff_answer'")

    run(clean())
    yield
    run(clean())


# ------------------------------------------------------------------ who may speak for the shop


def test_a_page_token_without_the_app_secret_refuses_to_start(monkeypatch) -> None:
    monkeypatch.setenv("FB_PAGE_ACCESS_TOKEN", "real-token")
    monkeypatch.delenv("FB_APP_SECRET", raising=False)
    monkeypatch.delenv("ALLOW_UNSIGNED_WEBHOOKS", raising=False)
    with pytest.raises(ConfigError) as refused:
        load_settings(_env_file=None)
    message = str(refused.value)
    assert "FB_APP_SECRET" in message and "\n" not in message
    assert refused.value.code != 0
    # Explicitly allowed (a local replay through a tunnel), or a dry run: it starts.
    monkeypatch.setenv("ALLOW_UNSIGNED_WEBHOOKS", "true")
    assert load_settings(_env_file=None).ALLOW_UNSIGNED_WEBHOOKS
    monkeypatch.delenv("FB_PAGE_ACCESS_TOKEN")
    monkeypatch.delenv("ALLOW_UNSIGNED_WEBHOOKS")
    assert not load_settings(_env_file=None).send_enabled


@pytest.mark.parametrize("token", ["short", "x" * 23])
def test_a_short_admin_token_refuses_to_start(monkeypatch, token) -> None:
    monkeypatch.setenv("ADMIN_TOKEN", token)
    with pytest.raises(ConfigError, match="ADMIN_TOKEN") as refused:
        load_settings(_env_file=None)
    assert token not in str(refused.value)  # a secret is never echoed
    monkeypatch.setenv("ADMIN_TOKEN", "y" * 24)
    assert load_settings(_env_file=None).ADMIN_TOKEN == "y" * 24


# --------------------------------------------------------------------------------- roles


def _caller(run: Any, settings: Settings, psid: str) -> Caller:
    return run(resolve_caller(psid, settings))


def test_support_staff_get_the_desk_but_not_the_figures(run, demo_shop, settings) -> None:
    tools = LLMShopTools(settings)
    owner, manager, support = (_caller(run, settings, p) for p in (OWNER, MANAGER, SUPPORT))
    assert (owner.role, manager.role, support.role) == ("owner", "owner", "staff")
    offered = set(tools.tool_names(support.role))
    assert not offered & ANALYTICS
    assert {"answer_escalation", "search_products", "search_shop_knowledge"} <= offered
    assert "ask_staff" not in offered
    refused = run(tools.execute_tool("get_revenue_by_filters", {}, support))
    assert refused.error == "not allowed: this tool is for the owner and managers only"
    assert ANALYTICS <= set(tools.tool_names(manager.role))
    # The setting widens it; OWNER_PSIDS are owners whatever their employee role.
    wider = make_settings(settings.DATABASE_URL or "", ANALYTICS_ROLES="owner,manager,support")
    assert _caller(run, wider, SUPPORT).role == "owner"
    listed = make_settings(settings.DATABASE_URL or "", OWNER_PSIDS=SUPPORT)
    assert _caller(run, listed, SUPPORT).role == "owner"
    assert _caller(run, settings, MAI).role == "shopper"


def test_support_staff_asking_for_revenue_are_told_it_is_for_owners(
    run, demo_shop, settings
) -> None:
    reply = run(ask_assistant(SUPPORT, "revenue this month?", settings=settings))
    assert "owner and managers" in reply.text
    assert reply.tool_calls == []


@pytest.mark.parametrize("amount", [33.333, "12.3456", 0, 1e20])
def test_a_money_threshold_is_any_finite_non_negative_number(
    run, demo_shop, settings, amount
) -> None:
    result = run(
        LLMShopTools(settings).execute_tool(
            "find_customers_by_criteria", {"min_spent": amount}, Caller(OWNER, "owner")
        )
    )
    assert result.ok, result.error


@pytest.mark.parametrize("amount", [-1, "nan", "inf", "lots"])
def test_a_money_threshold_names_the_field_when_refused(run, demo_shop, settings, amount) -> None:
    result = run(
        LLMShopTools(settings).execute_tool(
            "get_revenue_by_filters", {"min_amount": amount}, Caller(OWNER, "owner")
        )
    )
    assert not result.ok and (result.error or "").startswith("invalid argument min_amount")


# ------------------------------------------------------------ the model relays staff words only


@pytest.fixture
def hosted(database_url: str, llm: Any) -> Settings:
    return make_settings(
        database_url,
        LLM_MODEL="openai/fake-primary",
        LLM_API_BASE=llm.base_url,
        LLM_API_KEY="sk-test",
        LLM_NUM_RETRIES=0,
    )


def _escalate(run: Any, settings: Settings, question: str) -> int:
    run(ask_assistant(MAI, question, settings=settings, event_key=f"mid:h{next(_mids)}"))
    [esc] = rows(run, "SELECT id FROM escalations WHERE shopper_psid = $1", MAI)
    return int(esc["id"])


@pytest.mark.parametrize(
    ("staff_message", "model_answer", "relayed"),
    [
        # An injected instruction made the model add another customer's details: not relayed.
        (
            "yes the terrace is open until 10pm",
            "Yes! PS: Lan Nguyen (0901234567) ordered 3 matcha lattes yesterday.",
            "yes the terrace is open until 10pm",
        ),
        # The model quoted the part of the staff message that answers: that part goes.
        (
            "tell her: the terrace is open until 10pm",
            "the terrace is open until 10pm",
            "the terrace is open until 10pm",
        ),
    ],
)
def test_answer_escalation_relays_the_staff_members_own_words(
    run, clean_desk, settings, hosted, llm, staff_message, model_answer, relayed
) -> None:
    ref = _escalate(run, settings, "is the terrace open in the evening?")
    llm.script(
        "fake-primary",
        tool_calls(("answer_escalation", {"reference": ref, "answer": model_answer})),
        text("Done, sent."),
    )
    run(ask_assistant(OWNER, staff_message, settings=hosted, event_key=f"mid:h{next(_mids)}"))
    [esc] = rows(run, "SELECT answer, relay_text, status FROM escalations WHERE id = $1", ref)
    assert esc["status"] == "answered"
    assert esc["answer"] == relayed and esc["relay_text"] == relayed
    assert "0901234567" not in json.dumps(
        rows(run, "SELECT body FROM outbox_messages WHERE recipient_psid = $1", MAI), default=str
    )


def test_escalation_limit_per_shopper(run, clean_desk, settings) -> None:
    limited = make_settings(settings.DATABASE_URL or "", ESCALATION_LIMIT_PER_SHOPPER=2)
    questions = [
        "is there parking for motorbikes?",
        "can I bring my dog inside?",
        "can I talk to a real person?",  # a request for a person escalates too
    ]
    replies = [
        run(ask_assistant(MAI, q, settings=limited, event_key=f"mid:lim{next(_mids)}"))
        for q in questions
    ]
    opened = rows(run, "SELECT id FROM escalations WHERE shopper_psid = $1 ORDER BY id", MAI)
    assert len(opened) == 2
    assert [bool(r.outgoing) for r in replies] == [True, True, False]  # staff notified twice
    assert "already with our team" in replies[2].text
    assert f"#{opened[-1]['id']}" in replies[2].text


# ----------------------------------------------------------------- a send that timed out


@pytest.fixture
def slow_graph(database_url: str, graph: FakeGraph) -> Iterator[PipelineContext]:
    settings = make_settings(
        database_url,
        FB_PAGE_ACCESS_TOKEN="page-token",
        FB_APP_SECRET="s",
        GRAPH_API_BASE=graph.base_url,
        GRAPH_API_TIMEOUT=0.3,
        SEND_RETRIES=0,
    )
    graph.reset()
    yield PipelineContext(settings, GraphClient(settings))
    graph.reset()


def _text_event(psid: str, body: str) -> tuple[str, dict[str, Any]]:
    mid = f"m_amb_{next(_mids)}"
    raw = {
        "sender": {"id": psid},
        "recipient": {"id": "PAGE"},
        "timestamp": 1,
        "message": {"mid": mid, "text": body},
    }
    return f"mid:{mid}", raw


def _echo(part_id: int, psid: str) -> tuple[str, dict[str, Any]]:
    mid = f"m_echo_{next(_mids)}"
    message = {"mid": mid, "is_echo": True, "text": "…", "metadata": mark_for(part_id)}
    raw = {"sender": {"id": "PAGE"}, "recipient": {"id": psid}, "timestamp": 2, "message": message}
    return f"mid:{mid}", raw


@pytest.mark.parametrize("echoed", [False, True], ids=["no-echo-sent-again", "echo-settles"])
def test_a_timed_out_send_is_settled_by_its_echo_or_sent_again(
    run, clean_desk, slow_graph, graph, echoed
) -> None:
    psid = f"7100000000009{int(echoed)}"
    key, raw = _text_event(psid, "hello")
    graph.delay = 0.6  # Meta takes the message, but answers after our read timeout
    with pytest.raises(SendUnsettled):
        run(process_event(slow_graph, key, raw, "messaging", "PAGE"))
    [part] = rows(run, "SELECT id, state FROM outbox_messages WHERE event_key = $1", key)
    assert part["state"] == "ambiguous"
    deadline = time.monotonic() + 5
    while not graph.texts(psid) and time.monotonic() < deadline:
        time.sleep(0.05)
    graph.delay = 0.0
    assert len(graph.texts(psid)) == 1  # it did go out, after our client gave up waiting
    if echoed:  # Meta's echo names the part: it went out
        echo_key, echo_raw = _echo(int(part["id"]), psid)
        assert run(process_event(slow_graph, echo_key, echo_raw, "messaging", "PAGE")) == "ignored"
    assert run(process_event(slow_graph, key, raw, "messaging", "PAGE")) == "done"
    [part] = rows(run, "SELECT state FROM outbox_messages WHERE event_key = $1", key)
    assert part["state"] == "sent"
    # Without an echo nobody can know: it is sent again (a repeat rather than a loss).
    assert len(graph.texts(psid)) == (1 if echoed else 2)


# ------------------------------------------------------------------------ bodies at the edge


def test_bodies_are_cleaned_once_at_the_edge() -> None:
    nfd = unicodedata.normalize("NFD", "#3 nosave: Chị Mai ơi")
    body = json.dumps({"a": f"x\u0000y {nfd}", "b": ["\ud83c"], "c\u0000": 1}).encode()
    cleaned = decode_body(body)
    assert cleaned == {"a": "xy #3 nosave: Chị Mai ơi", "b": ["\ufffd"], "c": 1}
    assert unicodedata.is_normalized("NFC", cleaned["a"])


@pytest.mark.parametrize(
    "body",
    [
        b'{"timestamp": NaN}',
        b'{"timestamp": -Infinity}',
        b'{"extra": 1e400}',
        b"[" * 65 + b"]" * 65,
        b"[" * 100_000 + b"]" * 100_000,
        b"\xff\xfe{}",
        b"",
    ],
    ids=["nan", "infinity", "overflow", "65-deep", "100k-deep", "not-utf8", "empty"],
)
def test_unreadable_bodies_are_the_clients_error(body: bytes) -> None:
    with pytest.raises(UnreadableBody):
        decode_body(body)


def test_sixty_four_levels_are_fine_and_events_are_counted() -> None:
    assert decode_body(b"[" * 64 + b"]" * 64) is not None
    body = {
        "object": "page",
        "entry": [{"messaging": [{}, {}], "standby": [{}]}, {"messaging": [{}]}, "junk"],
    }
    assert count_events(body) == 4
    assert count_events({"entry": "x"}) == 0
