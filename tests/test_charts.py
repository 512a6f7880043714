"""Charts in Messenger: from a query_metrics result to a PNG, uploaded through the Send API's
attachment upload and sent by its attachment id, through the outbox exactly once.

The spec and caption tests use hand-made results (every figure checkable by eye); the
pipeline tests drive `process_event` with the demo shop, the offline model and the fake
Graph API, and compare the caption's figures with the metrics layer's own answer.
"""

from __future__ import annotations

import struct
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from database import connection
from messenger.graph_api import GraphClient
from messenger.pipeline import PipelineContext, process_event
from testing.fakes.graph import FakeGraph, graph_error
from tests.conftest import captured_logs, make_settings
from tests.test_ask_the_shop import Clock
from tools.charts.draw import render
from tools.charts.spec import chart_arguments, chart_of
from tools.metrics.engine import MetricsQueries

OWNER = "6100000000000001"
NOW = datetime(2026, 12, 6, 5, 0, tzinfo=UTC)  # 12:00 in the shop (UTC+7), Sunday
TODAY = date(2026, 12, 6)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


def days_result() -> dict[str, Any]:
    """Revenue by day over three days, compared with the three before."""
    rows = [
        {"day": "2026-12-04", "revenue": "1000000", "previous_revenue": "900000"},
        {"day": "2026-12-05", "revenue": "12245094", "previous_revenue": "0"},
        {"day": "2026-12-06", "revenue": "0", "previous_revenue": "100000"},
    ]
    return {
        "period": {"start": "2026-12-04", "end": "2026-12-06", "kind": "days"},
        "previous_period": {"start": "2026-12-01", "end": "2026-12-03", "kind": "days"},
        "metrics": ["revenue"],
        "group_by": ["day"],
        "totals": {"revenue": "13245094"},
        "previous_totals": {"revenue": "1000000"},
        "changes": {"revenue": {"absolute": "12245094", "percent": "1224.5"}},
        "rows": rows,
        "total_rows": 3,
        "truncated": False,
    }


def products_result(truncated: bool) -> dict[str, Any]:
    return {
        "period": {"start": "2026-12-06", "end": "2026-12-06", "kind": "day"},
        "metrics": ["units_sold"],
        "group_by": ["product"],
        "totals": {"units_sold": 40},
        "rows": [
            {"product": "Matcha Latte", "units_sold": 20},
            {"product": "Bạc Xỉu", "units_sold": 8},
        ],
        "total_rows": 5 if truncated else 2,
        "truncated": truncated,
    }


# ---------------------------------------------------------------- what is drawn and said


def test_a_time_series_is_a_line_with_the_previous_period_and_exact_figures() -> None:
    spec = chart_of(days_result(), "en", "VND")
    assert spec.kind == "line"
    assert spec.labels == ["4 Dec", "5 Dec", "6 Dec"]
    assert spec.values == [1000000.0, 12245094.0, 0.0]
    assert spec.previous == [900000.0, 0.0, 100000.0]
    assert spec.caption == (
        "Revenue, 4 Dec – 6 Dec 2026: 13,245,094 VND, up 1224.5% on 1 Dec – 3 Dec 2026 "
        "(1,000,000 VND). Best: Sat 5 Dec, 12,245,094 VND; lowest: Sun 6 Dec, 0 VND."
    )


def test_vietnamese_caption_and_labels() -> None:
    spec = chart_of(days_result(), "vi", "VND")
    assert spec.labels == ["04/12", "05/12", "06/12"]
    assert spec.caption == (
        "Doanh thu 04/12 – 06/12/2026: 13,245,094 VND, tăng 1224.5% so với 01/12 – 03/12/2026 "
        "(1,000,000 VND). Cao nhất: T7 05/12, 12,245,094 VND; thấp nhất: CN 06/12, 0 VND."
    )


def test_categories_are_bars_and_the_rest_is_others_from_the_total() -> None:
    spec = chart_of(products_result(truncated=True), "en", "VND")
    assert spec.kind == "bar"
    assert spec.labels == ["Matcha Latte", "Bạc Xỉu", "Others"]
    assert spec.values == [20.0, 8.0, 12.0]  # 40 − 20 − 8
    assert spec.caption == (
        "Units sold, Sun 6 Dec 2026: 40. Best: Matcha Latte, 20; lowest: Bạc Xỉu, 8."
    )
    whole = chart_of(products_result(truncated=False), "en", "VND")
    assert whole.labels == ["Matcha Latte", "Bạc Xỉu"]  # nothing left out: no "others"


def test_others_only_for_measures_that_add_up() -> None:
    result = products_result(truncated=True)
    result.update(
        metrics=["average_order_value"],
        totals={"average_order_value": "45000.00"},
        rows=[{"product": "Matcha Latte", "average_order_value": "50000.00"}],
    )
    assert "Others" not in chart_of(result, "en", "VND").labels


@pytest.mark.parametrize(
    ("args", "group", "start", "end"),
    [
        ({"metrics": ["revenue"], "start_date": "2026-12-05", "end_date": "2026-12-05"}, "hour", "2026-12-05", "2026-12-05"),
        ({"metrics": ["revenue"], "start_date": "2026-11-07", "end_date": "2026-12-06"}, "day", "2026-11-07", "2026-12-06"),
        ({"metrics": ["revenue"], "start_date": "2026-10-01", "end_date": "2026-12-06"}, "week", "2026-10-01", "2026-12-06"),
        ({"metrics": ["revenue"], "start_date": "2024-01-01", "end_date": "2026-12-06"}, "month", "2024-01-01", "2026-12-06"),
        ({"metrics": ["revenue"], "start_date": "2026-01-01", "end_date": "2026-12-06", "group_by": ["day"]}, "week", "2026-01-01", "2026-12-06"),
        ({"metrics": ["units_sold"], "group_by": ["product"]}, "product", "2026-12-06", "2026-12-06"),
        ({"metrics": ["orders"], "group_by": ["weekday"]}, "weekday", "2026-12-06", "2026-12-06"),
    ],
)  # fmt: skip
def test_chart_arguments_pick_a_grouping_that_fits(
    args: dict[str, Any], group: str, start: str, end: str
) -> None:
    out = chart_arguments(args, TODAY)
    assert out["group_by"] == [group]
    assert (out["start_date"], out["end_date"]) == (start, end)
    assert out["compare_to"] == "previous_period"
    assert out["limit"] == (11 if group == "product" else 100)


def test_a_chart_keeps_the_comparison_asked() -> None:
    args = {"metrics": ["revenue"], "compare_to": "same_period_last_year"}
    assert chart_arguments(args, TODAY)["compare_to"] == "same_period_last_year"


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("which", ["days", "products"])
def test_the_png_is_wide_enough_for_a_phone(language: str, which: str) -> None:
    result = days_result() if which == "days" else products_result(truncated=True)
    png = render(chart_of(result, language, "VND"))
    width, height = png_size(png)
    assert width >= 800 and height >= 500


# ---------------------------------------------------------------- through the pipeline


@pytest.fixture(scope="module")
def chart_settings(database_url: str, graph: FakeGraph, tmp_path_factory: Any) -> Settings:
    return make_settings(
        database_url,
        FB_PAGE_ACCESS_TOKEN="page-token",
        FB_APP_SECRET="chart-secret",
        GRAPH_API_BASE=graph.base_url,
        CHARTS_DIR=tmp_path_factory.mktemp("charts"),
    )


@pytest.fixture
def owner_chat(run: Any, demo_shop: Any, graph: FakeGraph, chart_settings: Settings) -> Any:
    async def clean() -> None:
        await connection().execute_query("TRUNCATE inbox_events, outbox_messages CASCADE")

    run(clean())
    graph.reset()
    return PipelineContext(chart_settings, GraphClient(chart_settings), clock=Clock(NOW))


_count = iter(range(1, 10_000))


def ask(run: Any, ctx: PipelineContext, text: str, psid: str = OWNER) -> str:
    mid = f"m_chart_{next(_count)}"
    raw = {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1,
           "message": {"mid": mid, "text": text}}  # fmt: skip
    run(process_event(ctx, f"mid:{mid}", raw, "messaging", "PAGE"))
    return f"mid:{mid}"


def test_owner_asks_for_a_chart_and_gets_an_uploaded_picture_and_the_figures(
    run: Any, owner_chat: PipelineContext, graph: FakeGraph, chart_settings: Settings
) -> None:
    ask(run, owner_chat, "chart revenue last 30 days")
    [upload] = graph.uploads
    assert upload["path"].endswith("/me/message_attachments")
    assert upload["message"] == {"attachment": {"type": "image", "payload": {"is_reusable": True}}}
    assert upload["fields"]["access_token"] == "page-token"
    assert upload["png"] and upload["content_type"] == "image/png"
    assert png_size(upload["content"])[0] >= 800
    picture, text = graph.messages
    assert picture["body"]["message"]["attachment"] == {
        "type": "image",
        "payload": {"attachment_id": upload["attachment_id"]},
    }
    assert picture["body"]["recipient"]["id"] == OWNER
    # The figures are the metrics layer's, to the dong.
    expected = run(
        MetricsQueries(chart_settings).query_metrics(
            metrics=["revenue"], start_date="2026-11-07", end_date="2026-12-06",
            compare_to="previous_period",
        )
    )  # fmt: skip
    total = f"{expected['totals']['revenue']:,.0f} VND"
    before = f"{expected['previous_totals']['revenue']:,.0f} VND"
    caption = text["body"]["message"]["text"]
    assert caption.startswith(f"Revenue, 7 Nov – 6 Dec 2026: {total}")
    assert f"({before})" in caption and "Best: " in caption


def test_vietnamese_chart_by_hour(
    run: Any, owner_chat: PipelineContext, graph: FakeGraph, chart_settings: Settings
) -> None:
    ask(run, owner_chat, "vẽ biểu đồ số ly theo giờ hôm qua")
    assert len(graph.uploads) == 1
    caption = graph.messages[-1]["body"]["message"]["text"]
    expected = run(
        MetricsQueries(chart_settings).query_metrics(
            metrics=["units_sold"], start_date="2026-12-05", end_date="2026-12-05"
        )
    )
    assert caption.startswith(
        f"Số lượng bán ra T7 05/12/2026: {expected['totals']['units_sold']:,}"
    )
    assert "Cao nhất: " in caption


def test_best_sellers_chart_is_bars_of_products(
    run: Any, owner_chat: PipelineContext, graph: FakeGraph, chart_settings: Settings
) -> None:
    ask(run, owner_chat, "best sellers chart this month")
    assert len(graph.uploads) == 1
    caption = graph.messages[-1]["body"]["message"]["text"]
    assert caption.startswith("Revenue, 1 Dec – 6 Dec 2026")
    top = run(
        MetricsQueries(chart_settings).query_metrics(
            metrics=["revenue"], group_by=["product"], start_date="2026-12-01",
            end_date="2026-12-06", limit=1,
        )
    )["rows"][0]  # fmt: skip
    assert f"Best: {top['product']}, {top['revenue']:,.0f} VND" in caption  # bars of products


def test_a_retried_job_sends_the_chart_once_and_uploads_once(
    run: Any, owner_chat: PipelineContext, graph: FakeGraph
) -> None:
    # The message carrying the picture fails transiently after the upload: the job's retry
    # reuses the uploaded attachment and sends each part once.
    graph.script(*[graph_error(2, message="temporarily unavailable")] * 4)
    with pytest.raises(Exception, match="temporarily|transient|part 0"):
        ask(run, owner_chat, "chart orders this week")
    assert len(graph.uploads) == 1 and graph.messages == []
    [row] = run(_outbox_rows())
    key = row["event_key"]
    raw = {"sender": {"id": OWNER}, "recipient": {"id": "PAGE"}, "timestamp": 1,
           "message": {"mid": key.removeprefix("mid:"), "text": "chart orders this week"}}  # fmt: skip
    run(process_event(owner_chat, key, raw, "messaging", "PAGE"))
    assert len(graph.uploads) == 1
    assert len(graph.messages) == 2  # the picture, then the caption
    run(process_event(owner_chat, key, raw, "messaging", "PAGE"))  # a re-delivery
    assert len(graph.uploads) == 1 and len(graph.messages) == 2


async def _outbox_rows() -> list[dict[str, Any]]:
    return await connection().execute_query_dict(
        "SELECT event_key FROM outbox_messages WHERE purpose = 'chart'"
    )


def test_a_dry_run_writes_the_png_and_logs_its_name(
    run: Any, demo_shop: Any, database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(database_url, CHARTS_DIR=tmp_path / "charts")
    ctx = PipelineContext(settings, GraphClient(settings), clock=Clock(NOW))
    with captured_logs("INFO") as lines:
        ask(run, ctx, "biểu đồ doanh thu tháng này")
    [written] = list((tmp_path / "charts").glob("*.png"))
    assert png_size(written.read_bytes())[0] >= 800
    assert any(str(written) in line for line in lines)


def test_a_shopper_cannot_get_a_chart(
    run: Any, owner_chat: PipelineContext, graph: FakeGraph
) -> None:
    ask(run, owner_chat, "chart revenue last 30 days", psid="7100000000000001")
    assert graph.uploads == []
    assert "revenue" not in graph.messages[-1]["body"]["message"].get("text", "").lower()[:20]


def test_a_chart_over_a_week_ago_has_every_day(run: Any, chart_settings: Settings) -> None:
    from tools.llm_tools import Caller, LLMShopTools

    result = run(
        LLMShopTools(chart_settings).execute_tool(
            "query_metrics",
            {"metrics": ["orders"], "start_date": "2026-11-23", "end_date": "2026-11-29",
             "chart": True},
            Caller(OWNER, "owner"),
        )
    )  # fmt: skip
    assert result.ok, result.error
    chart = result.data["chart"]
    assert chart["labels"] == [
        (date(2026, 11, 23) + timedelta(days=i)).strftime("%-d %b") for i in range(7)
    ]
    assert '"chart":' in result.content  # the hosted model reads the caption too


def test_a_hosted_model_asks_for_a_chart_with_the_chart_option(
    run: Any, demo_shop: Any, database_url: str, llm: Any
) -> None:
    from llm_api import ask_assistant
    from testing.fakes.llm import text, tool_calls

    hosted = make_settings(
        database_url, LLM_MODEL="openai/fake-charts", LLM_API_BASE=llm.base_url,
        LLM_API_KEY="sk-test",
    )  # fmt: skip
    arguments = {"metrics": ["orders"], "start_date": "2026-11-30", "end_date": "2026-12-06",
                 "chart": True}  # fmt: skip
    llm.script("fake-charts", tool_calls(("query_metrics", arguments)), text("Here is the chart."))
    reply = run(ask_assistant(OWNER, "orders this week as a chart", settings=hosted), 60)
    [chart] = reply.charts
    assert png_size(chart.png)[0] >= 800
    schema = next(t for t in llm.requests[0]["tools"] if t["function"]["name"] == "query_metrics")
    assert "chart" in schema["function"]["parameters"]["properties"]
    tool_message = [m for m in llm.requests[1]["messages"] if m["role"] == "tool"][-1]
    assert '"chart":"Orders, 30 Nov – 6 Dec 2026: ' in tool_message["content"]


def test_a_refused_upload_still_sends_the_figures(
    run: Any, owner_chat: PipelineContext, graph: FakeGraph
) -> None:
    graph.script_uploads(graph_error(100, message="(#100) Upload attachment failure."))
    ask(run, owner_chat, "chart revenue this month")
    assert graph.uploads == []
    [caption] = graph.messages  # the picture failed for good; the line of figures still went
    assert caption["body"]["message"]["text"].startswith("Revenue, 1 Dec – 6 Dec 2026: ")
    [failed] = run(_sql_rows("SELECT state, error FROM outbox_messages WHERE purpose = 'chart'"))
    assert failed["state"] == "failed" and "Upload attachment failure" in failed["error"]


async def _sql_rows(sql: str) -> list[dict[str, Any]]:
    return await connection().execute_query_dict(sql)


def test_orders_by_product_have_no_others_bar() -> None:
    # An order with two products counts once for each: the rest is not total − rows.
    result = products_result(truncated=True)
    result.update(
        metrics=["orders"],
        totals={"orders": 30},
        rows=[{"product": "Matcha Latte", "orders": 20}, {"product": "Bạc Xỉu", "orders": 15}],
    )
    assert "Others" not in chart_of(result, "en", "VND").labels
    by_staff = {**result, "group_by": ["employee"],
                "rows": [{"employee": "Alice", "orders": 20}, {"employee": "Bob", "orders": 6}]}  # fmt: skip
    assert chart_of(by_staff, "en", "VND").labels[-1] == "Others"  # orders are per staff member


def test_a_dollar_in_a_name_is_drawn_as_written() -> None:
    result = products_result(truncated=False)
    result["rows"] = [{"product": r"Combo $5 + $\frac{1}{2}", "units_sold": 3}]
    assert png_size(render(chart_of(result, "en", "VND")))[0] >= 800


def test_a_sent_pictures_bytes_are_not_kept(
    run: Any, owner_chat: PipelineContext, graph: FakeGraph
) -> None:
    ask(run, owner_chat, "chart revenue this week")
    [row] = run(_sql_rows("SELECT octet_length(content) AS n, attachment_id FROM outbox_files"))
    assert row["n"] == 0 and row["attachment_id"] == graph.uploads[0]["attachment_id"]


def test_the_lowest_hour_is_one_with_sales() -> None:
    rows = [{"hour": "03:00", "units_sold": 0}, {"hour": "08:00", "units_sold": 5},
            {"hour": "09:00", "units_sold": 2}]  # fmt: skip
    result = {"period": {"start": "2026-12-05", "end": "2026-12-05"}, "metrics": ["units_sold"],
              "group_by": ["hour"], "totals": {"units_sold": 7}, "rows": rows,
              "total_rows": 3, "truncated": False}  # fmt: skip
    assert chart_of(result, "en", "VND").caption == (
        "Units sold, Sat 5 Dec 2026: 7. Best: 08:00, 5; lowest: 09:00, 2."
    )
