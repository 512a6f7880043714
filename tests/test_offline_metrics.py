"""The offline model answers owners' figures with query_metrics, on the demo shop.

The replies quote the tool's figures (both periods of a comparison, the count beside each
busiest day), in the question's language; what a question left out is said; a desk exchange
between two questions never changes how the second is read; every call of the question
tables runs on the demo shop (names resolve).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from assistant.offline.metrics_writer import Context, write_metrics
from assistant.offline.model import OfflineLLM
from config import Settings
from core.periods import local_today
from llm_api import ask_assistant
from tests.conftest import make_settings
from tests.test_owner_questions import EXTRA, TABLE, demo_vocabulary, read
from tools.args import ToolArgumentError
from tools.formatting import format_result, parse_result

OWNER = "6100000000000001"  # Linh Tran, the demo shop's owner


@pytest.fixture(scope="module")
def offline(database_url: str) -> Settings:
    return make_settings(database_url)  # no LLM_MODEL: the offline model


def ask(run: Any, settings: Settings, message: str, psid: str = OWNER) -> Any:
    """The reply to `message` in a fresh conversation; its figures pass the numbers check
    (no correction round was needed)."""
    run(ask_assistant(psid, "reset", settings=settings), 60)
    reply = run(ask_assistant(psid, message, settings=settings), 60)

    async def flags() -> list[str]:
        from database.models import LLMTurn

        turn = await LLMTurn.filter(psid=psid).order_by("-created_at").first()
        assert turn is not None
        return list(turn.fidelity_flags or [])

    assert run(flags()) == [], reply.text
    return reply


def metrics(run: Any, **kwargs: Any) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        from tools.metrics.engine import MetricsQueries

        return await MetricsQueries().query_metrics(**kwargs)

    return run(go())


def shown(run: Any, args: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The result of `args` as the model reads it: totals and rows, figures as text."""
    text, _ = format_result("query_metrics", metrics(run, **args), "VND")
    _, head, sections = parse_result(text)
    return head, sections.get("rows", [])


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("revenue this month vs last month", "en"),
        ("doanh thu tuần này so với tuần trước", "vi"),
        ("how many orders this week compared to the same week last year", "en"),
    ],
)
def test_a_comparison_states_both_periods_figures(
    run, demo_shop, offline, question, language
) -> None:
    reply = ask(run, offline, question)
    assert [c["name"] for c in reply.tool_calls] == ["query_metrics"]
    args = reply.tool_calls[0]["arguments"]
    assert args["compare_to"] in ("previous_period", "same_period_last_year")
    head, _ = shown(run, args)
    metric = args["metrics"][0]
    assert str(head[metric]) in reply.text and str(head[f"previous_{metric}"]) in reply.text
    percent = str(head[f"change_{metric}_percent"] or "").lstrip("+-")
    assert percent in reply.text
    assert reply.language == language and not reply.failed


def test_the_busiest_day_leads_with_its_count(run, demo_shop, offline) -> None:
    reply = ask(run, offline, "which day last week was the busiest?")
    args = reply.tool_calls[0]["arguments"]
    assert args["group_by"] == ["day"] and args["order_by"] == "orders"
    _, rows = shown(run, args)
    first = date.fromisoformat(rows[0]["day"])
    lead = reply.text.splitlines()[0]
    assert f"{first.day} " in lead and f"— {rows[0]['orders']} orders" in lead
    listed = [line for line in reply.text.splitlines() if line[:1].isdigit()]
    assert 1 <= len(listed) <= 8
    assert all(f": {row['orders']}" in line for row, line in zip(rows, listed, strict=False))


def test_best_sellers_are_per_product_with_the_tools_figures(run, demo_shop, offline) -> None:
    reply = ask(run, offline, "món nào bán chạy nhất tháng này")
    args = reply.tool_calls[0]["arguments"]
    assert args["group_by"] == ["product"] and args["order_by"] == "revenue"
    _, rows = shown(run, args)
    assert reply.text.startswith("Bán chạy nhất tháng này")
    for row in rows[:8]:
        assert f"{row['product']}: {row['revenue']}" in reply.text
    assert reply.language == "vi"


@pytest.mark.parametrize(
    ("question", "slot", "name"),
    [
        ("how many croissants did we sell this week", "product", "Croissant"),
        ("chị Thảo bán được bao nhiêu tuần này", "employee", "Thao Vo"),
        ("cà phê tháng này doanh thu bao nhiêu", "category", "Coffee"),
        ("doanh thu chuyển khoản hôm qua", "payment_method", "chuyển khoản"),
    ],
)
def test_a_filter_is_named_in_the_answer(run, demo_shop, offline, question, slot, name) -> None:
    reply = ask(run, offline, question)
    args = reply.tool_calls[0]["arguments"]
    assert slot in args
    head, _ = shown(run, args)
    assert str(head[args["metrics"][0]]) in reply.text
    assert name in reply.text.splitlines()[0]


def test_words_left_out_are_said(run, demo_shop, offline) -> None:
    reply = ask(run, offline, "how much durian cake did we sell this week")
    assert "durian" in reply.text and "left out" in reply.text
    reply = ask(run, offline, "lãi tháng này bao nhiêu")
    assert "lãi" in reply.text and "chi phí" in reply.text  # no costs recorded: revenue, said


def test_a_staff_name_that_matches_nobody_lists_the_staff(run, demo_shop, offline) -> None:
    reply = ask(run, offline, "how much did Hoa sell this month")
    assert "Hoa" in reply.text and "Thao Vo" in reply.text and not reply.failed


def test_customers_who_stopped_ordering(run, demo_shop, offline) -> None:
    reply = ask(run, offline, "which customers haven't ordered recently?")
    call = reply.tool_calls[0]
    today = local_today(offline.tz)
    assert call["name"] == "find_customers_by_criteria"
    assert call["arguments"] == {"inactive_since": (today - timedelta(days=30)).isoformat()}
    assert reply.text.startswith("Customers with no order since")


def _call(name: str, arguments: dict[str, Any], call_id: str) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(arguments)},
            }
        ],
    }


OFFERED = {"query_metrics", "answer_escalation", "search_shop_knowledge"}


def test_a_desk_exchange_never_changes_how_a_follow_up_is_read(run, demo_shop) -> None:
    asked = {"metrics": ["revenue"], "start_date": "2026-11-01", "end_date": "2026-11-30"}
    messages: list[dict[str, Any]] = [
        {
            "role": "system",
            "content": "You are the Messenger assistant of X.\nToday is "
            "Thursday, 2026-12-03 (shop time zone Asia/Ho_Chi_Minh).",
        },  # fmt: skip
        {"role": "user", "content": "revenue last month"},
        _call("query_metrics", asked, "c1"),
        {"role": "tool", "tool_call_id": "c1", "content": "query_metrics: {}"},
        {"role": "assistant", "content": "Revenue in November 2026: 1 VND"},
        # a desk command and its reply (stored without a tool call)…
        {"role": "user", "content": "#3 yes, we deliver to District 7 by the weekend"},
        {"role": "assistant", "content": "#3 answered: sent to the shopper."},
        # …and an answer to a pending question through answer_escalation
        {"role": "user", "content": "tell Q4 that cash and card are both fine, only this week"},
        _call("answer_escalation", {"reference": "Q4", "answer": "cash and card"}, "c2"),
        {"role": "tool", "tool_call_id": "c2", "content": 'answer_escalation: {"outcome":"x"}'},
        {"role": "assistant", "content": "Q4 answered."},
        {"role": "user", "content": "and the month before?"},
    ]
    decision = run(OfflineLLM()._decide(messages, OFFERED, today=date(2026, 12, 3), shop="X"))
    assert decision == {
        "tool": "query_metrics",
        "arguments": {"metrics": ["revenue"], "start_date": "2026-10-01", "end_date": "2026-10-31"},
    }


def test_the_vocabulary_of_the_table_test_is_the_databases(run, demo_shop) -> None:
    from assistant.offline import vocabulary

    vocabulary._cache.clear()
    assert run(vocabulary.load_vocabulary("owner")) == demo_vocabulary()


def test_every_call_of_the_question_tables_runs_on_the_demo_shop(run, demo_shop) -> None:
    failures = []
    for case in [*TABLE["cases"], *EXTRA["cases"]]:
        intent = read(case["q"], case.get("after", []))
        if intent.tool != "query_metrics":
            continue
        try:
            metrics(run, **intent.arguments)
        except ToolArgumentError as exc:
            failures.append(f"{case['q']!r}: {exc}")
    assert not failures


# ---------------------------------------------------------------- the writer alone

RENDERED = (
    'query_metrics: {"period":"2026-12-01..2026-12-03","compared_with":"2026-11-01..2026-11-03",'
    '"filters":{"category":["Milk Tea"]},"revenue":"12,245,094 VND",'
    '"previous_revenue":"11,316,168 VND","change_revenue":"+928,926 VND",'
    '"change_revenue_percent":"+8.2%"}'
)


def _write(text: str, language: str = "en", **context: Any) -> str:
    _, head, sections = parse_result(text)
    ctx = Context(language=language, today=date(2026, 12, 3), **context)
    return write_metrics(head, sections, ctx)


def test_the_reply_leads_with_the_answer_and_both_figures() -> None:
    reply = _write(RENDERED)
    assert reply.splitlines()[0] == (
        "Revenue this month (1–3 Dec) — category Milk Tea: 12,245,094 VND — up 8.2% on "
        "1–3 Nov (11,316,168 VND)"
    )
    assert reply.splitlines()[-1].startswith("You can also ask:")
    vi = _write(RENDERED, "vi")
    assert vi.splitlines()[0] == (
        "Doanh thu tháng này (1/12–3/12) — danh mục Milk Tea: 12,245,094 VND — tăng 8.2% so "
        "với 1/11–3/11 (11,316,168 VND)"
    )


def test_a_series_shows_its_latest_rows_and_a_ranking_eight() -> None:
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    rows = "\n".join(f'- {{"day":"{d.isoformat()}","orders":{n}}}' for n, d in enumerate(days))
    text = (
        'query_metrics: {"period":"2026-11-01..2026-11-30","orders":435,"total_rows":30,'
        f'"rows_shown":30}}\nrows:\n{rows}'
    )
    reply = _write(text, arguments={"group_by": ["day"]})
    listed = [line for line in reply.splitlines() if line.startswith("- ")]
    assert len(listed) == 12 and listed[-1] == "- Mon 30 Nov: 29"  # a year of months fits
    assert "(the latest 12 of 30)" in reply
    ranked = _write(text, arguments={"group_by": ["day"], "order_by": "orders"})
    assert ranked.splitlines()[0] == "Busiest day in November 2026: Sun 1 Nov — 0 orders"
    assert len([line for line in ranked.splitlines() if line[:1].isdigit()]) == 8
    assert "… 30 in all" in ranked


def test_every_table_question_gets_a_checked_reply_in_its_language(run, demo_shop, offline) -> None:
    """Every question of both tables through the offline model, earlier turns first: a reply
    whose figures pass the numbers check, in the question's language."""
    psid = "owner-tables"
    settings = offline.model_copy(update={"OWNER_PSIDS": [psid]})
    wrong = []
    for case in [*TABLE["cases"], *EXTRA["cases"]]:
        run(ask_assistant(psid, "reset", settings=settings), 60)
        for earlier in case.get("after", []):
            run(ask_assistant(psid, earlier, settings=settings), 60)
        reply = run(ask_assistant(psid, case["q"], settings=settings), 60)
        names = [c["name"] for c in reply.tool_calls]
        if reply.failed or not reply.text or names != [case["expect"]["tool"]]:
            wrong.append(f"{case['q']!r}: {names} {reply.text[:80]!r}")
        elif names == ["query_metrics"]:
            lead = "Bạn có thể hỏi thêm" if case["lang"] == "vi" else "You can also ask"
            if lead not in reply.text and "“" not in reply.text:
                wrong.append(f"{case['q']!r}: not in {case['lang']}: {reply.text[:80]!r}")

    async def flagged() -> list[str]:
        from database.models import LLMTurn

        turns = await LLMTurn.filter(psid=psid)
        return [f"{t.user_message!r}: {t.fidelity_flags}" for t in turns if t.fidelity_flags]

    assert not wrong
    assert run(flagged()) == []
