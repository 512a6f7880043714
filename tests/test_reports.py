"""The shop talks first: the daily report, low-stock alerts and the staff's choices, through
the outbox and a fake Graph API, on the hand-computable main dataset (tests/analytics_data.py)
with an injected clock.

Staff: OWNER (in OWNER_PSIDS, no employee row), ALICE (Alice Nguyen, manager → reports),
BOB (Bob Tran, cashier → no reports). Messenger's window is read from `inbox_events`, so
each test says when each person last wrote.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from config import Settings
from database import connection
from messenger.graph_api import GraphClient
from messenger.pipeline import PipelineContext, process_event
from messenger.reports import send_daily_reports, send_stock_alerts
from reports.controls import read_control
from reports.digest import digest_text, figures, report_day
from testing.fakes.graph import FakeGraph, graph_error
from tests import analytics_data as ad
from tests.conftest import make_settings
from tests.test_ask_the_shop import Clock

OWNER, ALICE, BOB = "6200000000000001", "6200000000000002", "6200000000000003"
_mids = itertools.count(1)


def local(hour: int, minute: int = 0, days: int = 0) -> datetime:
    """Today (shop time) at hour:minute, `days` later, as an aware instant."""
    return ad.at(ad.shop_today() + timedelta(days=days), hour, minute).astimezone(UTC)


@pytest.fixture(scope="module")
def report_settings(database_url: str, graph: FakeGraph) -> Settings:
    return make_settings(
        database_url,
        FB_PAGE_ACCESS_TOKEN="page-token",
        FB_APP_SECRET="report-secret",
        GRAPH_API_BASE=graph.base_url,
        OWNER_PSIDS=[OWNER],
        DIGEST_HOUR=21,
    )


async def _clean() -> None:
    await connection().execute_query(
        "TRUNCATE inbox_events, outbox_messages, staff_waiting_messages, staff_report_settings,"
        " stock_alert_state, stock_alert_events, escalations, llm_turns"
        " CASCADE"
    )


@pytest.fixture
def shop(run: Any, graph: FakeGraph, report_settings: Settings) -> Any:
    """The main dataset with Alice and Bob on Messenger, nothing sent or waiting."""
    ad.load(run, ("main", ad.shop_today()), ad.build_main)
    run(_clean())
    run(_sql("UPDATE employees SET messenger_psid = $1 WHERE name = 'Alice Nguyen'", ALICE))
    run(_sql("UPDATE employees SET messenger_psid = $1 WHERE name = 'Bob Tran'", BOB))
    graph.reset()
    yield PipelineContext(report_settings, GraphClient(report_settings), clock=Clock(local(21, 5)))
    run(_clean())
    run(_sql("UPDATE employees SET messenger_psid = NULL WHERE messenger_psid IS NOT NULL"))


async def _sql(sql: str, *params: Any) -> list[dict[str, Any]]:
    return await connection().execute_query_dict(sql, list(params))


def wrote(run: Any, psid: str, at: datetime, text: str = "hello") -> None:
    """`psid` wrote to the page at `at` (what opens Messenger's 24-hour window)."""
    key = f"mid:m_report_{next(_mids)}"
    payload = f'{{"message": {{"text": "{text}"}}}}'
    run(_sql(
        "INSERT INTO inbox_events (event_key, psid, kind, payload, state, received_at)"
        " VALUES ($1, $2, 'text', $3::jsonb, 'done', $4)", key, psid, payload, at,
    ))  # fmt: skip


def say(run: Any, ctx: PipelineContext, psid: str, text: str) -> None:
    """`psid` sends a message through the pipeline."""
    mid = f"m_report_{next(_mids)}"
    raw = {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1,
           "message": {"mid": mid, "text": text}}  # fmt: skip
    run(process_event(ctx, f"mid:{mid}", raw, "messaging", "PAGE"))


def sent_to(graph: FakeGraph, psid: str) -> list[dict[str, Any]]:
    return [c["body"] for c in graph.messages if c["body"]["recipient"]["id"] == psid]


# ---------------------------------------------------------------- the report's figures


def test_the_report_states_the_days_figures_exactly(run: Any, shop: PipelineContext) -> None:
    today = ad.shop_today()
    text = digest_text(run(figures(shop.settings, today)), "en", "VND")
    day = today.strftime("%a %-d %b %Y")
    week_before = (today - timedelta(days=7)).strftime("%a %-d %b")
    assert text.splitlines() == [
        f"Daily report · {day}",
        # O10 at 00:30 shop time is today's (17:30 UTC the day before).
        f"Revenue: 80 VND — {week_before}: 0 VND",
        f"Orders: 1 — {week_before}: 0",
        "Best seller: Green_Tea Bags — 4 sold (80 VND)",
        # I1 out; I3 5 ≤ 10; I4 10 ≤ 10 (at the threshold is low); I7 3 > 0; I6 inactive.
        "Stock: 1 out, 2 low — Jasmine Tea (100g): 0 left; Tea 100% Pure: 5 left; "
        "Green_Tea Bags (box): 10 left",
        "Waiting for the team: nothing",
        "Shoppers: 0 answered by the assistant, 0 handed to staff",
    ]


def test_only_completed_orders_count_and_the_week_before_is_compared(
    run: Any, shop: PipelineContext
) -> None:
    day = ad.shop_today() - timedelta(days=10)  # O4 completed 1000; O5–O7 are not
    # One more completed order a week before, to compare with: 400 → 1000 is up 150%.
    run(_sql(
        "INSERT INTO orders (id, customer_id, status, final_total_price, created_at) VALUES "
        "(gen_random_uuid(), 'cus-ben', 1, 400, $1)", ad.at(day - timedelta(days=7), 9),
    ))  # fmt: skip
    ad.forget()  # the dataset now differs from the loader's
    text = digest_text(run(figures(shop.settings, day)), "vi", "VND")
    before = day - timedelta(days=7)
    weekday = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")[before.weekday()]
    assert f"Doanh thu: 1,000 VND — tăng 150.0% so với {weekday} {before:%d/%m} (400 VND)" in text
    assert "Số đơn: 1 — bằng" in text
    assert "Bán chạy nhất: Coffee Beans — 5 đã bán (1,000 VND)" in text


def test_a_morning_report_covers_the_day_before() -> None:
    evening = datetime(2026, 12, 6, 21, 0)
    assert report_day(time(21), evening) == evening.date()
    assert report_day(time(8), evening.replace(hour=8)) == evening.date() - timedelta(days=1)


# ---------------------------------------------------------------- Messenger's window


def test_inside_the_window_the_report_goes_now_outside_it_waits(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    now = shop.clock()
    wrote(run, OWNER, now - timedelta(hours=2))
    wrote(run, ALICE, now - timedelta(hours=25))  # the window closed an hour ago
    wrote(run, BOB, now - timedelta(hours=1))  # a cashier: not in REPORT_ROLES
    done = run(send_daily_reports(shop))
    assert {(d.psid, d.how) for d in done} == {(OWNER, "sent"), (ALICE, "waiting")}
    [report] = sent_to(graph, OWNER)
    assert report["messaging_type"] == "UPDATE"
    assert report["message"]["text"].startswith("Daily report · ")
    assert [q["title"] for q in report["message"]["quick_replies"]] == [
        "Tomorrow's report",
        "Stop reports",
    ]
    assert sent_to(graph, ALICE) == [] and sent_to(graph, BOB) == []
    # Alice writes: the report comes first, once.
    say(run, shop, ALICE, "hi")
    first = [b["message"].get("text", "") for b in sent_to(graph, ALICE)]
    assert first[0].startswith("While you were away:\n\nDaily report · ")
    say(run, shop, ALICE, "thanks")
    later = [b["message"].get("text", "") for b in sent_to(graph, ALICE)][len(first) :]
    assert not any("While you were away" in text for text in later)


def test_exactly_once_across_runs_workers_and_a_failed_send(
    run: Any, shop: PipelineContext, graph: FakeGraph, report_settings: Settings
) -> None:
    now = shop.clock()
    wrote(run, OWNER, now - timedelta(hours=1))
    wrote(run, ALICE, now - timedelta(hours=3))
    # Meta fails the first sends: the parts stay recorded and unsent.
    graph.script(*[graph_error(2, message="temporarily unavailable")] * 8)
    run(send_daily_reports(shop))
    assert graph.messages == []
    # Two workers at once, then a re-run: each person gets the report once.
    other = PipelineContext(report_settings, GraphClient(report_settings), clock=shop.clock)

    async def both() -> None:
        await asyncio.gather(send_daily_reports(shop), send_daily_reports(other))

    run(both())
    run(send_daily_reports(shop))
    assert len(sent_to(graph, OWNER)) == 1 and len(sent_to(graph, ALICE)) == 1


def test_before_the_hour_nothing_and_each_persons_own_time(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    wrote(run, OWNER, local(20, 0) - timedelta(hours=1))
    wrote(run, ALICE, local(20, 0) - timedelta(hours=1))
    assert isinstance(shop.clock, Clock)
    shop.clock.now = local(20, 30)
    say(run, shop, ALICE, "reports at 20:15")
    graph.reset()
    assert [d.psid for d in run(send_daily_reports(shop))] == [ALICE]
    shop.clock.now = local(21, 0)
    assert [d.psid for d in run(send_daily_reports(shop))] == [OWNER]
    assert run(send_daily_reports(shop)) == []


def test_stop_reports_is_remembered_and_confirmed(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    say(run, shop, ALICE, "tắt báo cáo")
    [confirm] = sent_to(graph, ALICE)
    assert confirm["message"]["text"].startswith("Đã tắt báo cáo")
    wrote(run, OWNER, shop.clock() - timedelta(hours=1))
    assert [d.psid for d in run(send_daily_reports(shop))] == [OWNER]
    say(run, shop, ALICE, "start reports")
    assert sent_to(graph, ALICE)[-1]["message"]["text"] == (
        "Okay — you'll get the daily report at 21:00."
    )


def test_digest_dry_run_records_nothing(run: Any, shop: PipelineContext, graph: FakeGraph) -> None:
    wrote(run, OWNER, shop.clock() - timedelta(hours=1))
    done = run(send_daily_reports(shop, due_only=False, dry_run=True))
    assert {(d.psid, d.how) for d in done} == {(OWNER, "would send"), (ALICE, "would wait")}
    assert graph.messages == []
    assert run(_sql("SELECT count(*) AS n FROM outbox_messages"))[0]["n"] == 0
    assert run(_sql("SELECT count(*) AS n FROM staff_waiting_messages"))[0]["n"] == 0


# ---------------------------------------------------------------- low-stock alerts


def set_stock(run: Any, label: str, stock: int) -> None:
    data = ad.load(run, ("main", ad.shop_today()), ad.build_main)
    run(_sql("UPDATE product_inventory SET stock = $1 WHERE id = $2::uuid", stock, data.ids[label]))


def test_one_alert_per_crossing_and_it_rearms_above_the_threshold(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    wrote(run, OWNER, shop.clock() - timedelta(hours=1))
    wrote(run, ALICE, shop.clock() - timedelta(days=3))
    assert run(send_stock_alerts(shop)) == []  # the first check: lines already short, silent
    set_stock(run, "I2", 8)  # Jasmine Tea 250g: 50 → 8, threshold 10
    found = {item.psid: item for item in run(send_stock_alerts(shop))}
    assert found[OWNER].text == "Stock alert: Jasmine Tea (250g): 8 left (low at 10)"
    assert (found[OWNER].how, found[ALICE].how) == ("sent", "waiting")
    assert run(send_stock_alerts(shop)) == []  # still low: no second alert
    set_stock(run, "I2", 0)
    out = {item.psid: item for item in run(send_stock_alerts(shop))}[OWNER]
    assert out.text == "Stock alert: Jasmine Tea (250g) is out of stock"
    set_stock(run, "I2", 12)
    assert run(send_stock_alerts(shop)) == []  # back above: re-armed
    set_stock(run, "I2", 10)
    again = {item.psid: item for item in run(send_stock_alerts(shop))}[OWNER]
    assert again.text == "Stock alert: Jasmine Tea (250g): 10 left (low at 10)"
    texts = [b["message"]["text"] for b in sent_to(graph, OWNER)]
    assert len(texts) == 3 and all(b["messaging_type"] == "UPDATE" for b in sent_to(graph, OWNER))
    ad.forget()


def test_several_crossings_go_in_one_message_and_stop_alerts(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    wrote(run, OWNER, shop.clock() - timedelta(hours=1))
    wrote(run, ALICE, shop.clock() - timedelta(hours=1))
    run(send_stock_alerts(shop))
    say(run, shop, ALICE, "stop alerts")
    assert sent_to(graph, ALICE)[-1]["message"]["text"].startswith("Okay — no more low-stock")
    set_stock(run, "I2", 3)
    set_stock(run, "I5", 0)
    [alert] = run(send_stock_alerts(shop))
    assert alert.psid == OWNER
    assert alert.text == (
        "Stock alerts (2):\n• Coffee Beans (1kg) is out of stock\n"
        "• Jasmine Tea (250g): 3 left (low at 10)"
    )
    ad.forget()


# ---------------------------------------------------------------- chat controls


@pytest.mark.parametrize(
    ("text", "action", "at"),
    [
        ("stop reports", "stop_reports", None),
        ("Tắt báo cáo", "stop_reports", None),
        ("start reports", "start_reports", None),
        ("reports at 20:00", "report_time", time(20)),
        ("báo cáo lúc 20h", "report_time", time(20)),
        ("báo cáo lúc 7 giờ tối", "report_time", time(19)),
        ("send the report at 9:15 pm", "report_time", time(21, 15)),
        ("stop alerts", "stop_alerts", None),
        ("tắt cảnh báo", "stop_alerts", None),
        ("start alerts", "start_alerts", None),
        ("Tomorrow's report", "next_report", None),
    ],
)
def test_controls_in_both_languages(text: str, action: str, at: time | None) -> None:
    control = read_control(text)
    assert control is not None and control.action == action and control.at == at


@pytest.mark.parametrize(
    "text",
    ["stop", "how many reports did we file", "báo cáo doanh thu hôm nay", "alert me when low?"],
)
def test_questions_are_not_controls(text: str) -> None:
    assert read_control(text) is None


# ---------------------------------------------------------------- what a review found


def test_out_then_a_little_then_out_again_is_one_alert(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    wrote(run, OWNER, shop.clock() - timedelta(hours=1))
    run(send_stock_alerts(shop))
    set_stock(run, "I2", 0)
    assert [a.psid for a in run(send_stock_alerts(shop)) if a.psid == OWNER] == [OWNER]
    set_stock(run, "I2", 2)  # still below the threshold of 10: not re-armed
    assert run(send_stock_alerts(shop)) == []
    set_stock(run, "I2", 0)
    assert run(send_stock_alerts(shop)) == []
    ad.forget()


def test_a_run_that_stopped_mid_way_does_not_repeat_an_alert(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    from reports import alerts

    wrote(run, OWNER, shop.clock() - timedelta(hours=1))
    wrote(run, ALICE, shop.clock() - timedelta(hours=1))
    run(send_stock_alerts(shop))
    set_stock(run, "I2", 8)

    async def stopped_after_the_first_person() -> None:
        # The run found the crossing and recorded it for nobody yet, then died.
        await alerts.check()
        assert await alerts.next_batch() is not None

    run(stopped_after_the_first_person())
    set_stock(run, "I5", 0)  # a new crossing before the next run
    run(send_stock_alerts(shop))
    owner = [b["message"]["text"] for b in sent_to(graph, OWNER)]
    assert owner == [
        "Stock alert: Jasmine Tea (250g): 8 left (low at 10)",
        "Stock alert: Coffee Beans (1kg) is out of stock",
    ]
    run(send_stock_alerts(shop))
    assert len(sent_to(graph, OWNER)) == 2
    ad.forget()


def test_a_manual_report_in_the_morning_leaves_the_evening_one(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    assert isinstance(shop.clock, Clock)
    shop.clock.now = local(10, 0)
    wrote(run, OWNER, local(9, 0))
    [early] = [d for d in run(send_daily_reports(shop, due_only=False)) if d.psid == OWNER]
    assert early.how == "sent"
    shop.clock.now = local(21, 5)
    [evening] = [d for d in run(send_daily_reports(shop)) if d.psid == OWNER]
    assert evening.how == "sent" and len(sent_to(graph, OWNER)) == 2
    assert [d for d in run(send_daily_reports(shop, due_only=False)) if d.psid == OWNER] == []


def test_a_report_whose_window_closed_before_it_went_waits(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    wrote(run, OWNER, shop.clock() - timedelta(hours=23, minutes=59))
    graph.script(*[graph_error(2, message="temporarily unavailable")] * 4)
    run(send_daily_reports(shop))  # recorded, Meta down
    assert isinstance(shop.clock, Clock)
    shop.clock.now += timedelta(minutes=5)  # the window has closed meanwhile
    run(send_daily_reports(shop))
    assert sent_to(graph, OWNER) == []
    say(run, shop, OWNER, "hi")
    assert sent_to(graph, OWNER)[0]["message"]["text"].startswith("While you were away:")


def test_a_staff_members_deletion_removes_their_choices_and_waiting_reports(
    run: Any, shop: PipelineContext
) -> None:
    from database.privacy import delete_sender_data

    say(run, shop, ALICE, "stop alerts")
    run(send_daily_reports(shop, due_only=False))
    run(delete_sender_data(ALICE))
    for table in ("staff_report_settings", "staff_waiting_messages"):
        rows = run(_sql(f"SELECT count(*) AS n FROM {table} WHERE psid = $1", ALICE))
        assert rows[0]["n"] == 0, table


@pytest.mark.parametrize(
    "text", ["báo cáo ngày 15", "báo cáo ngày 20 nhé", "report 10", "summary 7", "bc 5"]
)
def test_a_number_without_a_time_word_is_not_a_report_time(text: str) -> None:
    assert read_control(text) is None


def test_noon_is_read() -> None:
    control = read_control("báo cáo lúc 1h trưa")
    assert control is not None and control.at == time(13)


def test_a_line_seen_for_the_first_time_is_not_a_crossing(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    # A catalog reloaded or imported brings new lines, some already short: no alert storm.
    wrote(run, OWNER, shop.clock() - timedelta(hours=1))
    run(send_stock_alerts(shop))
    data = ad.load(run, ("main", ad.shop_today()), ad.build_main)
    run(_sql(
        "INSERT INTO product_inventory (product_id, classification, price, stock,"
        " low_stock_threshold) SELECT product_id, 'new', 10, 0, 5 FROM product_inventory"
        " WHERE id = $1::uuid", data.ids["I2"],
    ))  # fmt: skip
    assert run(send_stock_alerts(shop)) == []
    run(_sql("UPDATE product_inventory SET stock = 9 WHERE classification = 'new'"))
    assert run(send_stock_alerts(shop)) == []  # above 5 now: armed
    run(_sql("UPDATE product_inventory SET stock = 1 WHERE classification = 'new'"))
    [alert] = [a for a in run(send_stock_alerts(shop)) if a.psid == OWNER]
    assert alert.text == "Stock alert: Jasmine Tea (new): 1 left (low at 5)"
    ad.forget()


def test_stock_lowered_just_before_the_first_check_is_still_an_alert(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    # Right after a start: the SQL ran before the first check saw the line.
    wrote(run, OWNER, shop.clock() - timedelta(hours=1))
    set_stock(run, "I5", 4)  # Coffee Beans 1kg: 15 → 4, threshold 10
    [alert] = [a for a in run(send_stock_alerts(shop)) if a.psid == OWNER]
    assert alert.text == "Stock alert: Coffee Beans (1kg): 4 left (low at 10)"
    assert run(send_stock_alerts(shop)) == []
    ad.forget()


def test_a_line_already_low_at_the_first_check_that_runs_out_is_told(
    run: Any, shop: PipelineContext, graph: FakeGraph
) -> None:
    wrote(run, OWNER, shop.clock() - timedelta(hours=1))
    assert run(send_stock_alerts(shop)) == []  # Tea 100% Pure: 5 of 10, low already
    set_stock(run, "I3", 0)
    [alert] = [a for a in run(send_stock_alerts(shop)) if a.psid == OWNER]
    assert alert.text == "Stock alert: Tea 100% Pure is out of stock"
    ad.forget()
