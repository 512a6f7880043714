"""The built-in offline model answers through the same loop, with figures equal to the tools'."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from config import Settings
from core.periods import local_today
from llm_api import ask_assistant
from tests.conftest import make_settings
from tools.formatting import money
from tools.rag_analytics import RAGShopAnalytics

OWNER = "6100000000000001"
SHOPPER = "7100000000000001"


@pytest.fixture(scope="module")
def offline(database_url: str) -> Settings:
    return make_settings(database_url)  # no LLM_MODEL: the offline model


def ask(run: Any, settings: Settings, psid: str, message: str) -> Any:
    return run(ask_assistant(psid, message, settings=settings), 60)


def analytics(run: Any, method: str, **kwargs: Any) -> Any:
    async def go() -> Any:
        return await getattr(RAGShopAnalytics(), method)(**kwargs)

    return run(go())


def metrics(run: Any, **kwargs: Any) -> Any:
    async def go() -> Any:
        from tools.metrics.engine import MetricsQueries

        return await MetricsQueries().query_metrics(**kwargs)

    return run(go())


# Owner figures go to query_metrics (issue 16); its revenue equals the period summary's.
@pytest.mark.parametrize(
    ("question", "tool", "method", "kwargs", "key"),
    [
        (
            "what was our revenue last month?",
            "query_metrics",
            "get_sales_summary_by_period",
            {"period": "month", "periods_back": 1},
            "total_revenue",
        ),
        (
            "sales this week",
            "query_metrics",
            "get_sales_summary_by_period",
            {"period": "week"},
            "total_revenue",
        ),
        (
            "how much did we make yesterday?",
            "query_metrics",
            "get_sales_summary_by_period",
            {"period": "day", "periods_back": 1},
            "total_revenue",
        ),
        (
            "doanh thu tháng trước",
            "query_metrics",
            "get_sales_summary_by_period",
            {"period": "month", "periods_back": 1},
            "total_revenue",
        ),
        (
            "takings this year",
            "query_metrics",
            "get_sales_summary_by_period",
            {"period": "year"},
            "total_revenue",
        ),
    ],
)
def test_owner_revenue_questions_get_the_exact_figure(
    run,
    demo_shop,
    offline,
    question,
    tool,
    method,
    kwargs,
    key,
) -> None:
    reply = ask(run, offline, OWNER, question)
    assert [c["name"] for c in reply.tool_calls] == [tool]
    expected = money(analytics(run, method, **kwargs)[key], "VND")
    assert expected in reply.text


def test_revenue_over_the_last_7_days_uses_an_explicit_range(run, demo_shop, offline) -> None:
    today = local_today(offline.tz)
    reply = ask(run, offline, OWNER, "revenue in the last 7 days")
    call = reply.tool_calls[0]
    assert call["name"] == "query_metrics"
    start = (today - timedelta(days=6)).isoformat()
    assert call["arguments"] == {
        "metrics": ["revenue"],
        "start_date": start,
        "end_date": today.isoformat(),
    }
    figure = analytics(run, "get_revenue_by_filters", start_date=start, end_date=today.isoformat())
    assert money(figure["total_revenue"], "VND") in reply.text


@pytest.mark.parametrize(
    ("question", "tool", "fragment_from"),
    [
        ("what's low on stock?", "get_inventory_status", "product_name"),
        ("best sellers this month", "query_metrics", "product"),
        ("who sold most this week?", "query_metrics", "employee"),
        ("top customers", "query_metrics", "customer"),
        ("which customers haven't ordered recently?", "find_customers_by_criteria", None),
        ("business overview", "get_business_insights", None),
    ],
)
def test_owner_questions_route_to_the_right_tool(
    run,
    demo_shop,
    offline,
    question,
    tool,
    fragment_from,
) -> None:
    reply = ask(run, offline, OWNER, question)
    assert [c["name"] for c in reply.tool_calls] == [tool]
    assert reply.tool_calls[0]["ok"]
    assert not reply.failed and reply.text


def test_low_stock_answer_lists_the_most_urgent_line(run, demo_shop, offline) -> None:
    rows = analytics(run, "get_inventory_status", stock_level="needs_restock")
    reply = ask(run, offline, OWNER, "what needs restocking?")
    assert rows[0]["product_name"] in reply.text


def test_shopper_asking_for_matcha_gets_the_catalog_and_no_internals(
    run, demo_shop, offline
) -> None:
    reply = ask(run, offline, SHOPPER, "do you have matcha?")
    assert [c["name"] for c in reply.tool_calls] == ["search_products"]
    assert "Matcha Latte" in reply.text
    for word in ("stock", "left", "revenue", "sold"):
        assert word not in reply.text.lower()


def test_shopper_sees_their_own_pending_order(run, demo_shop, offline) -> None:
    reply = ask(run, offline, SHOPPER, "where is my order?")
    assert [c["name"] for c in reply.tool_calls] == ["get_my_orders"]
    assert "pending" in reply.text


def test_shopper_asking_owner_questions_gets_no_data(run, demo_shop, offline) -> None:
    for question in ("what was your revenue last month?", "list all customers' emails"):
        reply = ask(run, offline, SHOPPER, question)
        assert all(
            c["name"] in {"search_products", "get_product_details", "get_my_orders"}
            for c in reply.tool_calls
        )
        assert "VND" not in reply.text or "revenue" not in reply.text.lower()


def test_greeting_and_unknown_questions_get_help(run, demo_shop, offline) -> None:
    assert "assistant" in ask(run, offline, OWNER, "hello").text
    reply = ask(run, offline, OWNER, "what is the meaning of life")
    assert not reply.failed and "revenue" in reply.text.lower()


def test_follow_up_changes_only_the_period(run, demo_shop, offline) -> None:
    psid = "owner-offline-followup"
    settings = offline.model_copy(update={"OWNER_PSIDS": [psid]})
    ask(run, settings, psid, "revenue last month")
    reply = ask(run, settings, psid, "and this month?")
    today = local_today(offline.tz)
    assert reply.tool_calls[0]["arguments"] == {
        "metrics": ["revenue"],
        "start_date": today.replace(day=1).isoformat(),
        "end_date": today.isoformat(),
    }
    expected = analytics(run, "get_sales_summary_by_period", period="month")
    assert money(expected["total_revenue"], "VND") in reply.text


@pytest.mark.parametrize(
    ("question", "tool", "method", "kwargs", "field"),
    [
        (  # per product, variants summed (issue 16), as the metrics layer ranks them
            "best sellers this month",
            "query_metrics",
            "query_metrics",
            {"metrics": ["revenue"], "group_by": ["product"], "this_month": True},
            "product",
        ),
        (  # the staff ranking agrees with get_employee_metrics' first row
            "who sold most last month?",
            "query_metrics",
            "get_employee_metrics",
            {"last_month": True},
            "employee_name",
        ),
        (
            "find orders mentioning birthday",
            "search_orders_by_text",
            "search_orders_by_text",
            {"search_text": "birthday"},
            "order_date",
        ),
        (
            "find customer mai.pham@example.com",
            "find_customers_by_criteria",
            "find_customers_by_criteria",
            {"customer_email": "mai.pham@example.com"},
            "customer_name",
        ),
        (
            "show products from brand Highlands",
            "find_products_by_criteria",
            "find_products_by_criteria",
            {"brand": "highlands"},
            "product_name",
        ),
    ],
)
def test_owner_lists_match_the_analytics_first_row(
    run,
    demo_shop,
    offline,
    question,
    tool,
    method,
    kwargs,
    field,
) -> None:
    reply = ask(run, offline, OWNER, question)
    assert [c["name"] for c in reply.tool_calls] == [tool]
    today = local_today(offline.tz)
    args = dict(kwargs)
    if args.pop("this_month", False):
        args |= {"start_date": today.replace(day=1).isoformat(), "end_date": today.isoformat()}
    if args.pop("last_month", False):
        end = today.replace(day=1) - timedelta(days=1)
        args |= {"start_date": end.replace(day=1).isoformat(), "end_date": end.isoformat()}
    if method == "query_metrics":
        rows = metrics(run, **args)["rows"]
    else:
        rows = analytics(run, method, **args)
    assert rows, "the demo shop should have an answer"
    assert str(rows[0][field]) in reply.text


def test_shopper_asking_for_a_picture_gets_the_image(run, demo_shop, offline) -> None:
    reply = ask(run, offline, SHOPPER, "can I see a picture of the matcha latte?")
    assert [c["name"] for c in reply.tool_calls] == ["get_product_details"]
    assert reply.images and reply.images[0].startswith("https://cdn.lotusteahouse.vn/")


def test_vietnamese_shopper_gets_a_vietnamese_catalog_answer(run, demo_shop, offline) -> None:
    reply = ask(run, offline, "vi-shopper", "có trà sữa không?")
    assert [c["name"] for c in reply.tool_calls] == ["search_products"]
    assert "Trà Sữa" in reply.text and reply.language == "vi"


def test_offline_model_answers_a_correction_request_from_the_turns_tool_results(
    run, demo_shop
) -> None:
    from assistant.offline.model import OfflineLLM
    from assistant.prompts import CORRECTION

    tool_text = 'get_sales_summary_by_period: {"period_start":"2026-11-01","period_end":"2026-11-30","total_orders":3,"total_revenue":"300 VND"}'
    messages: list[dict[str, Any]] = [
        {
            "role": "system",
            "content": "You are the Messenger assistant of X.\nToday is Tuesday, 2026-12-01",
        },
        {"role": "user", "content": "revenue last month"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "get_sales_summary_by_period", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": tool_text},
        {"role": "assistant", "content": "Revenue was 999 VND"},
        {"role": "user", "content": CORRECTION.format(numbers="999")},
    ]
    decision = run(OfflineLLM()._decide(messages, set(), today=date(2026, 12, 1), shop="X"))
    assert "300 VND" in decision["content"] and "999" not in decision["content"]
