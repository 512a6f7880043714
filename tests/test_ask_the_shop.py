"""Ask the shop, end to end through the pipeline: real PostgreSQL, the offline model (no API
key), a fake Graph API on loopback, and an injected clock for Messenger's windows.

Each test drives `process_event` as the queue's worker does, one event at a time, with
the demo shop's staff: Linh Tran (owner, 6100000000000001), Minh Nguyen (manager, …02)
and An Le (support, …03); Mai Pham (7100000000000001) is a known shopper.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from config import Settings
from database import connection
from desk import knowledge
from desk.staff import route
from messenger.graph_api import GraphClient
from messenger.pipeline import PipelineContext, housekeeping, process_event
from testing.fakes.graph import FakeGraph, graph_error, graph_ok
from tests.conftest import make_settings

OWNER, MANAGER, SUPPORT = "6100000000000001", "6100000000000002", "6100000000000003"
STAFF = {OWNER, MANAGER, SUPPORT}
MAI = "7100000000000001"
START = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 10:00 in the shop (UTC+7)
_mids = itertools.count(1)


def clock_of(ctx: PipelineContext) -> Clock:
    """The test clock of a context."""
    assert isinstance(ctx.clock, Clock)
    return ctx.clock


class Clock:
    """An injectable clock: `now` moves only when a test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(scope="module")
def desk_settings(database_url: str, graph: FakeGraph) -> Settings:
    return make_settings(
        database_url,
        FB_PAGE_ACCESS_TOKEN="page-token",
        FB_APP_SECRET="desk-secret",
        GRAPH_API_BASE=graph.base_url,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def shop(
    run: Any, demo_shop: Any, graph: FakeGraph, desk_settings: Settings, clock: Clock
) -> Iterator[PipelineContext]:
    """A clean desk (no escalations, holds, notices; the demo knowledge) and a context."""

    async def clean() -> None:
        await connection().execute_query(
            "TRUNCATE escalations, thread_control, staff_notices, inbox_events, outbox_messages CASCADE"
        )
        await connection().execute_query(
            "DELETE FROM shop_knowledge WHERE source = 'staff_answer' OR added_by <> $1", [OWNER]
        )

    run(clean())
    graph.reset()
    yield PipelineContext(desk_settings, GraphClient(desk_settings), clock=clock)
    run(clean())  # no hold or escalation leaks into other modules' tests


def message(psid: str, text: str, *, reply_to: str | None = None) -> tuple[str, dict[str, Any]]:
    """A text message event (key, raw) with a fresh mid."""
    mid = f"m_desk_{next(_mids)}"
    body: dict[str, Any] = {"mid": mid, "text": text}
    if reply_to:
        body["reply_to"] = {"mid": reply_to}
    raw = {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1, "message": body}
    return f"mid:{mid}", raw


def deliver(run: Any, ctx: PipelineContext, event: tuple[str, dict[str, Any]]) -> str:
    key, raw = event
    return run(process_event(ctx, key, raw, "messaging", "PAGE"))


def say(run: Any, ctx: PipelineContext, psid: str, text: str, **kw: Any) -> str:
    """`psid` writes `text`; returns the event key."""
    event = message(psid, text, **kw)
    deliver(run, ctx, event)
    return event[0]


def sends(graph: FakeGraph, psid: str | None = None) -> list[dict[str, Any]]:
    """Message bodies sent (to `psid`), in order."""
    return [
        call["body"]
        for call in graph.messages
        if psid is None or call["body"]["recipient"]["id"] == psid
    ]


def texts(graph: FakeGraph, psid: str) -> list[str]:
    return [body["message"].get("text", "") for body in sends(graph, psid)]


def rows(run: Any, sql: str, *params: Any) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        return await connection().execute_query_dict(sql, list(params))

    return run(go())


def escalations(run: Any) -> list[dict[str, Any]]:
    return rows(run, "SELECT * FROM escalations ORDER BY id")


# ------------------------------------------------------------------------- the full loop


def test_question_flow_answered_relayed_and_learnt(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, MAI, "is there parking for motorbikes?")
    [esc] = escalations(run)
    ref = esc["id"]
    assert (esc["status"], esc["kind"], esc["shopper_psid"]) == ("requested", "question", MAI)
    assert esc["shopper_name"] == "Mai Pham" and esc["language"] == "en"
    # The shopper is told honestly, with the reference.
    [reply] = texts(graph, MAI)
    assert f"#{ref}" in reply and "asked our team" in reply
    # Every staff member (the default route for a question) got one UPDATE message.
    for psid in STAFF:
        [note] = sends(graph, psid)
        assert note["messaging_type"] == "UPDATE"
        assert f"#{ref}" in note["message"]["text"] and "Mai Pham" in note["message"]["text"]
        assert "parking for motorbikes" in note["message"]["text"]
        assert note["message"]["quick_replies"][0]["title"] == f"Take #{ref}"
    graph.reset()

    clock_of(shop).now += timedelta(minutes=30)
    say(run, shop, MANAGER, f"#{ref} Yes, free motorbike parking right in front of the shop")
    [relay] = sends(graph, MAI)
    assert relay["messaging_type"] == "RESPONSE"
    assert f"#{ref}" in relay["message"]["text"]
    assert "free motorbike parking right in front of the shop" in relay["message"]["text"]
    [confirm] = texts(graph, MANAGER)
    assert (
        f"#{ref} answered: sent to Mai Pham" in confirm and "Saved to the shop knowledge" in confirm
    )
    for psid in (OWNER, SUPPORT):  # the others are told it is done, and by whom
        [closure] = texts(graph, psid)
        assert f"#{ref} was answered by Minh Nguyen" in closure
    [esc] = escalations(run)
    assert (esc["status"], esc["answered_by_psid"], esc["relay_state"]) == (
        "answered",
        MANAGER,
        "queued",
    )
    [entry] = rows(run, "SELECT * FROM shop_knowledge WHERE escalation_id = $1", ref)
    assert entry["source"] == "staff_answer" and entry["question"] == esc["question"]
    graph.reset()

    # The next shopper asking the same thing is answered at once, without asking anyone.
    say(run, shop, "7100000000000042", "where can I park my motorbike?")
    assert texts(graph, "7100000000000042") == [
        "Yes, free motorbike parking right in front of the shop"
    ]
    assert len(escalations(run)) == 1
    assert all(sends(graph, psid) == [] for psid in STAFF)


def test_staff_answer_by_replying_to_the_notification(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, MAI, "can I bring my dog inside?")
    [esc] = escalations(run)
    [notified] = rows(
        run,
        "SELECT message_id FROM outbox_messages WHERE recipient_psid = $1 AND purpose = 'notify'",
        OWNER,
    )
    assert notified["message_id"]  # the Send API's id of our notification
    graph.reset()
    say(run, shop, OWNER, "Small dogs are welcome on the terrace", reply_to=notified["message_id"])
    assert "Small dogs are welcome on the terrace" in texts(graph, MAI)[0]
    assert escalations(run)[0]["answered_by_psid"] == OWNER
    assert escalations(run)[0]["id"] == esc["id"]


def test_nosave_keeps_the_answer_out_of_the_knowledge(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, MAI, "can I pay half now and half later?")
    ref = escalations(run)[0]["id"]
    say(run, shop, SUPPORT, f"#{ref} nosave: just this once, yes")
    assert rows(run, "SELECT id FROM shop_knowledge WHERE escalation_id = $1", ref) == []
    assert "Not saved to the shop knowledge" in texts(graph, SUPPORT)[-1]
    assert "just this once, yes" in texts(graph, MAI)[-1]


def test_support_problem_goes_to_support_roles(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, MAI, "my drink arrived spilled, what now?")
    [esc] = escalations(run)
    assert esc["kind"] == "support"
    assert {t["psid"] for t in esc_targets(esc)} == STAFF  # owner, manager, support roles
    assert "sorry" in texts(graph, MAI)[0].lower()


def esc_targets(esc: dict[str, Any]) -> list[dict[str, Any]]:
    import json

    value = esc["targets"]
    return json.loads(value) if isinstance(value, str) else value


def test_routes_by_role_with_fallback(
    run: Any, shop: PipelineContext, desk_settings: Settings
) -> None:
    def psids(kind: str, settings: Settings) -> set[str]:
        return {member.psid for member in run(route(kind, settings))}

    assert psids("question", desk_settings) == STAFF
    assert psids("support", desk_settings) == STAFF
    owners = desk_settings.model_copy(update={"OWNER_PSIDS": ["9000000000000001"]})
    assert psids("question", owners) == STAFF | {"9000000000000001"}  # "*": OWNER_PSIDS too
    assert psids("support", owners) == STAFF  # roles match employees only
    managers = desk_settings.model_copy(update={"ESCALATION_ROUTES": {"support": ("manager",)}})
    assert psids("support", managers) == {MANAGER}
    nobody = owners.model_copy(update={"ESCALATION_ROUTES": {"support": ("accountant",)}})
    assert psids("support", nobody) == STAFF | {"9000000000000001"}  # the fallback


def test_staff_changes_apply_at_the_next_escalation(
    run: Any, shop: PipelineContext, desk_settings: Settings
) -> None:
    async def set_status(status: int) -> None:
        await connection().execute_query(
            "UPDATE employees SET status = $2 WHERE messenger_psid = $1", [SUPPORT, status]
        )

    run(set_status(0))
    try:
        assert {m.psid for m in run(route("question", desk_settings))} == {OWNER, MANAGER}
    finally:
        run(set_status(1))
    assert {m.psid for m in run(route("question", desk_settings))} == STAFF


# ----------------------------------------------------------------------- exactly once


def test_redelivery_and_retries_never_duplicate(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    ask = message(MAI, "do you have a private room for 12 people?")
    for _ in range(3):
        deliver(run, shop, ask)
    assert len(escalations(run)) == 1
    assert len(sends(graph, MAI)) == 1 and all(len(sends(graph, p)) == 1 for p in STAFF)
    ref = escalations(run)[0]["id"]
    answer = message(OWNER, f"#{ref} yes, upstairs, book a day ahead")
    for _ in range(3):
        deliver(run, shop, answer)
    assert len(sends(graph, MAI)) == 2  # the reply, then the relay once
    assert len(rows(run, "SELECT id FROM shop_knowledge WHERE escalation_id = $1", ref)) == 1


def test_a_retry_after_a_crash_mid_turn_creates_and_notifies_once(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    """The escalation is made, then the job dies before recording its messages: the retry
    finds the same escalation and notifies the staff once."""
    from desk import service
    from desk.turn import Turn

    key, raw = message(MAI, "are you open on Lunar New Year?")
    turn = Turn(MAI, "shopper", key, raw["message"]["text"], "en", shop.clock(), shop.settings)
    run(service.ask_staff(turn, "are you open on Lunar New Year?", "question"))
    assert len(escalations(run)) == 1
    deliver(run, shop, (key, raw))  # the retried job
    assert len(escalations(run)) == 1
    assert all(len(sends(graph, psid)) == 1 for psid in STAFF)


def test_only_the_first_answer_counts_even_at_once(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, MAI, "can I pick up after 9 pm?")
    ref = escalations(run)[0]["id"]
    graph.reset()
    first, second = message(OWNER, f"#{ref} yes until 21:30"), message(MANAGER, f"#{ref} no, 9 pm")

    async def both() -> None:
        await asyncio.gather(
            process_event(shop, first[0], first[1], "messaging", "PAGE"),
            process_event(shop, second[0], second[1], "messaging", "PAGE"),
        )

    run(both())
    [esc] = escalations(run)
    winner = OWNER if esc["answered_by_psid"] == OWNER else MANAGER
    loser = MANAGER if winner == OWNER else OWNER
    assert len(sends(graph, MAI)) == 1
    assert esc["answer"] in sends(graph, MAI)[0]["message"]["text"]
    assert any(f"#{ref} was already answered by" in t for t in texts(graph, loser))


def test_unknown_and_closed_references_get_a_clear_message(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, OWNER, "#999999 hello?")
    assert "There is no question #999999" in texts(graph, OWNER)[-1]
    say(run, shop, MAI, "do you cater office parties?")
    ref = escalations(run)[0]["id"]
    say(run, shop, MANAGER, f"#{ref} close")
    assert f"#{ref} closed without an answer" in texts(graph, MANAGER)[-1]
    say(run, shop, OWNER, f"#{ref} yes we do")
    assert f"#{ref} was already closed by Minh Nguyen" in texts(graph, OWNER)[-1]
    assert len(sends(graph, MAI)) == 1  # no relay after a close


# ------------------------------------------------------------------ windows and notices


def test_answer_after_24_hours_waits_for_the_shopper(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, MAI, "do you sell gift cards for companies?")
    ref = escalations(run)[0]["id"]
    rows(run, "UPDATE inbox_events SET received_at = $1 WHERE psid = $2", shop.clock(), MAI)
    rows(run, "UPDATE llm_turns SET created_at = $1 WHERE psid = $2", shop.clock(), MAI)
    clock_of(shop).now += timedelta(hours=24)
    graph.reset()
    say(run, shop, OWNER, f"#{ref} yes, from 500k")
    assert sends(graph, MAI) == []
    assert "only when they write again" in texts(graph, OWNER)[-1]
    assert escalations(run)[0]["relay_state"] == "waiting"
    clock_of(shop).now += timedelta(days=2)
    say(run, shop, MAI, "hello again")
    first, *_ = texts(graph, MAI)
    assert f"#{ref}" in first and "gift cards" in first and "yes, from 500k" in first
    assert escalations(run)[0]["relay_state"] == "queued"
    say(run, shop, MAI, "thanks")
    assert sum(f"#{ref}" in text for text in texts(graph, MAI)) == 1  # delivered once


def test_human_agent_tag_between_24_hours_and_7_days(
    run: Any, shop: PipelineContext, graph: FakeGraph, desk_settings: Settings
) -> None:
    tagged = PipelineContext(
        desk_settings.model_copy(update={"ENABLE_HUMAN_AGENT_TAG": True}),
        shop.graph,
        clock=shop.clock,
    )
    say(run, tagged, MAI, "is there a student discount?")
    ref = escalations(run)[0]["id"]
    rows(run, "UPDATE inbox_events SET received_at = $1 WHERE psid = $2", shop.clock(), MAI)
    rows(run, "UPDATE llm_turns SET created_at = $1 WHERE psid = $2", shop.clock(), MAI)
    clock_of(shop).now += timedelta(days=6, hours=23)
    graph.reset()
    say(run, tagged, OWNER, f"#{ref} 10% with a student card")
    [relay] = sends(graph, MAI)
    assert (relay["messaging_type"], relay["tag"]) == ("MESSAGE_TAG", "HUMAN_AGENT")


def test_undeliverable_notification_is_shown_at_the_next_staff_message(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    # The reply to Mai goes; then the three notifications: the first (to staff outside the
    # 24-hour window) is refused by Meta with (#10) 2018278.
    graph.script(graph_ok(), graph_error(10, 2018278, "outside window"))
    say(run, shop, MAI, "is there a changing table in the restroom?")
    ref = escalations(run)[0]["id"]
    [failed] = rows(
        run,
        "SELECT recipient_psid FROM outbox_messages WHERE purpose = 'notify' AND state = 'failed'",
    )
    missed = failed["recipient_psid"]
    graph.reset()
    say(run, shop, missed, "good morning")
    notice, *_ = texts(graph, missed)
    assert "1 waiting for an answer" in notice and f"#{ref}" in notice
    say(run, shop, missed, "good morning again")
    assert not any("waiting for an answer" in t for t in texts(graph, missed)[2:])  # told once


def test_no_staff_reachable_means_the_shop_will_follow_up(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    rows(run, "UPDATE employees SET messenger_psid = NULL WHERE messenger_psid LIKE '61%'")
    try:
        say(run, shop, MAI, "do you host birthday parties?")
        [esc] = escalations(run)
        assert esc_targets(esc) == [] and esc["status"] == "requested"
        assert "follow up" in texts(graph, MAI)[0]
    finally:
        rows(
            run,
            "UPDATE employees SET messenger_psid = CASE role WHEN 'owner' THEN $1"
            " WHEN 'manager' THEN $2 WHEN 'support' THEN $3 END"
            " WHERE role IN ('owner', 'manager', 'support')",
            OWNER,
            MANAGER,
            SUPPORT,
        )
    graph.reset()
    say(run, shop, OWNER, "hi")
    assert f"#{esc['id']}" in texts(graph, OWNER)[0]  # the pending list comes first


def test_expiry_and_the_daily_reminder(run: Any, shop: PipelineContext, graph: FakeGraph) -> None:
    say(run, shop, MAI, "do you sell your cups wholesale?")
    ref = escalations(run)[0]["id"]
    say(run, shop, "7100000000000077", "can I reserve the whole shop?")
    rows(
        run,
        "UPDATE escalations SET created_at = $1 WHERE id = $2",
        shop.clock() - timedelta(hours=80),
        ref,
    )
    graph.reset()
    clock_of(shop).now = datetime(2026, 12, 4, 2, 5, tzinfo=UTC)  # 09:05 in the shop: reminder hour
    run(housekeeping(shop))
    assert escalations(run)[0]["status"] == "expired"
    for psid in STAFF:
        [reminder] = texts(graph, psid)
        assert "Daily reminder" in reminder and "reserve the whole shop" in reminder
    run(housekeeping(shop))  # ten minutes later: not again
    assert all(len(texts(graph, psid)) == 1 for psid in STAFF)
    say(run, shop, OWNER, f"#{ref} yes, from 100 cups")  # a late answer still reaches Mai
    assert "yes, from 100 cups" in texts(graph, MAI)[-1]


# ---------------------------------------------------------------------- knowledge admin


def test_staff_manage_knowledge_from_messenger(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, OWNER, "remember: corkage? We don't allow outside drinks")
    [entry] = rows(
        run,
        "SELECT id, question, answer FROM shop_knowledge WHERE added_by = $1 AND question = 'corkage?'",
        OWNER,
    )
    assert f"Saved as #{entry['id']}" in texts(graph, OWNER)[-1]
    say(run, shop, "7100000000000088", "what is your corkage policy?")
    assert texts(graph, "7100000000000088") == ["We don't allow outside drinks"]
    say(run, shop, OWNER, f"forget #{entry['id']}")
    assert f"Forgot #{entry['id']}" in texts(graph, OWNER)[-1]
    assert run(knowledge.search("corkage policy")) == []
    say(run, shop, OWNER, f"forget #{entry['id']}")  # again (or a retried job): the same
    assert f"Forgot #{entry['id']}" in texts(graph, OWNER)[-1]
    say(run, shop, OWNER, "forget #987654")
    assert "There is no knowledge entry #987654" in texts(graph, OWNER)[-1]
    say(run, shop, OWNER, "remember: corkage? We don't allow outside drinks")
    say(run, shop, OWNER, "remember: corkage? We don't allow outside drinks")
    assert (
        len(rows(run, "SELECT id FROM shop_knowledge WHERE question = 'corkage?' AND active")) == 1
    )


def test_knowledge_search_english_vietnamese_and_short_entries(
    run: Any, shop: PipelineContext
) -> None:
    def best(query: str) -> str | None:
        found = run(knowledge.search(query))
        return found[0].question if found else None

    assert "opening hours" in (best("what time do you open?") or "")
    assert "opening hours" in (best("giờ mở cửa") or "")
    assert "opening hours" in (best("gio mo cua") or "")  # typed without accents
    assert "Delivery area" in (best("phí ship bao nhiêu") or "")
    assert "Payment methods" in (best("can I pay with MoMo?") or "")
    run(knowledge.add("Wi-Fi", "Network LotusGuest, password lotus2024"))
    assert best("wifi") == "Wi-Fi"  # the short entry, by the case-insensitive fallback
    assert run(knowledge.search("   ")) == []


def test_sql_fold_matches_python_fold(run: Any, shop: PipelineContext) -> None:
    from core.text import fold

    sample = "Trà Sữa Trân Châu Đường Đen — ÄÖÜ Ñ çà phê ỳ"
    [row] = rows(run, "SELECT shop_fold($1) AS folded", sample)
    assert row["folded"] == fold(sample)


# --------------------------------------------------------------------------- handover


def test_handover_to_a_person_and_back(run: Any, shop: PipelineContext, graph: FakeGraph) -> None:
    say(run, shop, MAI, "I want to talk to a real person")
    [esc] = escalations(run)
    assert esc["kind"] == "support"
    assert "team member" in texts(graph, MAI)[0]
    [passed] = [c for c in graph.calls if c["path"].endswith("/me/pass_thread_control")]
    assert passed["body"]["recipient"]["id"] == MAI
    assert passed["body"]["target_app_id"] == "263902037430900"
    assert all("talk to a person" in texts(graph, p)[0] for p in STAFF)
    graph.reset()
    # While the person has the thread, nothing is answered (messaging or standby).
    assert say(run, shop, MAI, "hello? are you there?") and sends(graph, MAI) == []
    standby = message(MAI, "my order number is 123")
    assert run(process_event(shop, standby[0], standby[1], "standby", "PAGE")) == "recorded"
    echo = {
        "sender": {"id": "PAGE"},
        "recipient": {"id": MAI},
        "timestamp": 2,
        "message": {
            "mid": "m_echo_human",
            "text": "Hi Mai, I'm Linh, let me check",
            "is_echo": True,
            "app_id": 263902037430900,
        },
    }
    assert run(process_event(shop, "mid:m_echo_human", echo, "messaging", "PAGE")) == "recorded"
    # The Page Inbox hands the thread back: the assistant resumes, remembering the chat.
    back = {
        "sender": {"id": MAI},
        "recipient": {"id": "PAGE"},
        "timestamp": 3,
        "pass_thread_control": {
            "previous_owner_app_id": "263902037430900",
            "new_owner_app_id": "999",
        },
    }
    run(process_event(shop, "pass:back:1", back, "messaging", "PAGE"))
    assert rows(run, "SELECT * FROM thread_control WHERE psid = $1", MAI) == []
    [link] = rows(
        run,
        "SELECT highlights FROM users_sessions WHERE customer_id = $1 AND status = 1",
        MAI,
    )
    assert "my order number is 123" in str(link["highlights"])
    assert "let me check" in str(link["highlights"])
    say(run, shop, MAI, "thanks!")
    assert len(sends(graph, MAI)) == 1


def test_staff_take_and_release(run: Any, shop: PipelineContext, graph: FakeGraph) -> None:
    say(run, shop, MAI, "is there a toilet for customers?")
    ref = escalations(run)[0]["id"]
    graph.reset()
    say(run, shop, SUPPORT, f"take #{ref}")
    assert "is yours in the Page Inbox" in texts(graph, SUPPORT)[-1]
    assert any(c["path"].endswith("/me/pass_thread_control") for c in graph.calls)
    say(run, shop, MAI, "hello?")
    assert sends(graph, MAI) == []
    say(run, shop, SUPPORT, f"release #{ref}")
    assert any(c["path"].endswith("/me/take_thread_control") for c in graph.calls)
    say(run, shop, MAI, "hello again")
    assert len(sends(graph, MAI)) == 1


def test_a_forgotten_hold_times_out(run: Any, shop: PipelineContext, graph: FakeGraph) -> None:
    say(run, shop, MAI, "talk to a human please")
    graph.reset()
    clock_of(shop).now += timedelta(hours=shop.settings.HANDOVER_TIMEOUT_HOURS)
    say(run, shop, MAI, "anyone?")
    assert len(sends(graph, MAI)) == 1


# ------------------------------------------------------------------ languages and models


def test_answer_is_rewritten_in_the_shoppers_language_by_a_hosted_model(
    run: Any, shop: PipelineContext, graph: FakeGraph, llm: Any, desk_settings: Settings
) -> None:
    from testing.fakes.llm import text, tool_calls

    hosted = PipelineContext(
        desk_settings.model_copy(
            update={
                "LLM_MODEL": "openai/fake-desk",
                "LLM_API_BASE": llm.base_url,
                "LLM_API_KEY": "k",
            }
        ),
        shop.graph,
        clock=shop.clock,
    )
    llm.script(
        "fake-desk",
        tool_calls(("ask_staff", {"question": "Có chỗ để xe máy không?", "kind": "question"})),
        text("Mình đã hỏi nhân viên cửa hàng, câu trả lời sẽ được gửi cho bạn tại đây."),
    )
    say(run, hosted, MAI, "Shop có chỗ để xe máy không ạ?")
    [esc] = escalations(run)
    assert esc["language"] == "vi"
    llm.script("fake-desk", text("Có ạ, gửi xe máy miễn phí ngay trước cửa hàng."))
    say(run, hosted, OWNER, f"#{esc['id']} Yes, free motorbike parking right in front")
    relay = texts(graph, MAI)[-1]
    assert "Về câu hỏi" in relay and "gửi xe máy miễn phí ngay trước cửa hàng" in relay
    rewrite = llm.requests[-1]
    assert "Vietnamese" in rewrite["messages"][0]["content"]
    assert rewrite["messages"][1]["content"] == "Yes, free motorbike parking right in front"
    assert "tools" not in rewrite
    # The shop learns the staff's own words.
    [entry] = rows(run, "SELECT answer FROM shop_knowledge WHERE escalation_id = $1", esc["id"])
    assert entry["answer"] == "Yes, free motorbike parking right in front"


def test_the_offline_model_relays_the_answer_as_written(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, MAI, "có chỗ để xe đạp không?")
    [esc] = escalations(run)
    assert esc["language"] == "vi" and "nhân viên" in texts(graph, MAI)[0]
    say(run, shop, OWNER, f"#{esc['id']} Yes, bicycles can park by the door")
    relay = texts(graph, MAI)[-1]
    assert "cửa hàng trả lời" in relay and "Yes, bicycles can park by the door" in relay


# ------------------------------------------------------------------ the README's walk-through

EXAMPLES = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples"


def test_the_readme_walk_through_in_dry_run(
    run: Any, shop: PipelineContext, database_url: str
) -> None:
    """`make run` (no page token: a dry run) and the README's curl lines, in order."""
    import json

    rows(run, "TRUNCATE escalations RESTART IDENTITY")  # a fresh database's first escalation
    dry = PipelineContext(
        shop.settings.model_copy(update={"FB_PAGE_ACCESS_TOKEN": None}),
        GraphClient(shop.settings.model_copy(update={"FB_PAGE_ACCESS_TOKEN": None})),
        clock=shop.clock,
    )

    def post(name: str) -> list[dict[str, Any]]:
        event = json.loads((EXAMPLES / name).read_text())["entry"][0]["messaging"][0]
        key = f"mid:{event['message']['mid']}"
        assert run(process_event(dry, key, event, "messaging", "1122334455667788")) == "done"
        return rows(
            run,
            "SELECT recipient_psid, purpose, messaging_type, state, body FROM outbox_messages"
            " WHERE event_key = $1 ORDER BY part",
            key,
        )

    asked = post("ask_shop_question.json")
    assert {r["state"] for r in asked} == {"dry_run"}
    assert "#1" in json.loads(asked[0]["body"])["text"]
    notified = [r for r in asked if r["purpose"] == "notify"]
    assert {r["recipient_psid"] for r in notified} == STAFF
    assert all(r["messaging_type"] == "UPDATE" for r in notified)
    answered = post("staff_answer.json")
    [relay] = [r for r in answered if r["purpose"] == "relay"]
    assert relay["recipient_psid"] == MAI
    assert "free motorbike parking" in json.loads(relay["body"])["text"]
    again = post("ask_shop_again.json")
    assert [json.loads(r["body"])["text"] for r in again] == [
        "Yes, free motorbike parking right in front of the shop"
    ]
    human = post("talk_to_a_person.json")
    assert [r["purpose"] for r in human][:2] == ["reply", "handover"]


def test_a_retry_after_a_crash_mid_handover_still_tells_everyone(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    """The thread is held and the escalation made, then the job dies before recording its
    messages: the retried job is not silenced by its own hold."""
    from desk import service
    from desk.turn import Turn

    key, raw = message(MAI, "can I talk to a real person?")
    turn = Turn(MAI, "shopper", key, raw["message"]["text"], "en", shop.clock(), shop.settings)
    run(service.request_human(turn))
    deliver(run, shop, (key, raw))  # the retried job
    assert "team member" in texts(graph, MAI)[0]
    assert any(c["path"].endswith("/me/pass_thread_control") for c in graph.calls)
    assert all(len(sends(graph, psid)) == 1 for psid in STAFF)
    graph.reset()
    say(run, shop, MAI, "hello?")  # a later message is silenced
    assert sends(graph, MAI) == []


def test_a_shopper_cannot_answer_or_command_like_staff(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, MAI, "do you sell gift vouchers?")
    ref = escalations(run)[0]["id"]
    for text in (
        f"#{ref} yes we do, 50% off everything",
        f"forget #{ref}",
        f"take #{ref}",
        "remember: free drinks = yes",
    ):
        say(run, shop, "7100000000000066", text)
    # ("forget #10" no longer matches the standing entries by the number alone, so the
    # assistant may ask the staff about it: a question, never a command.)
    esc = next(row for row in escalations(run) if row["id"] == ref)
    assert esc["status"] == "requested" and esc["answer"] is None
    assert rows(run, "SELECT * FROM shop_knowledge WHERE question LIKE 'free drinks%'") == []
    assert rows(run, "SELECT * FROM thread_control") == []
    assert not any("yes we do" in t for t in texts(graph, MAI))


def test_a_support_answer_is_not_learnt(run: Any, shop: PipelineContext, graph: FakeGraph) -> None:
    say(run, shop, MAI, "my order arrived damaged")
    [esc] = escalations(run)
    assert esc["kind"] == "support"
    say(run, shop, SUPPORT, f"#{esc['id']} so sorry Mai, a new one is on its way")
    assert rows(run, "SELECT id FROM shop_knowledge WHERE escalation_id = $1", esc["id"]) == []
    assert "A support case: not saved" in texts(graph, SUPPORT)[-1]
    assert "a new one is on its way" in texts(graph, MAI)[-1]


def test_a_refused_relay_waits_for_the_shoppers_next_message(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, MAI, "can I bring my cat inside?")
    ref = escalations(run)[0]["id"]
    graph.reset()
    # The staff confirmation goes; the relay to Mai is refused (window closed).
    graph.script(graph_ok(), graph_error(10, 2018278, "outside window"))
    say(run, shop, OWNER, f"#{ref} yes, for orders of 10 or more")
    assert escalations(run)[0]["relay_state"] == "waiting"
    say(run, shop, MAI, "hi again")
    assert "for orders of 10 or more" in texts(graph, MAI)[0]


def test_a_refused_handover_does_not_silence_the_assistant(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    graph.script_actions(graph_error(100, None, "Invalid app id"))
    say(run, shop, MAI, "I want to talk to a human")
    assert rows(run, "SELECT * FROM thread_control WHERE psid = $1", MAI) == []
    graph.reset()
    say(run, shop, MAI, "hello?")
    assert len(sends(graph, MAI)) == 1
