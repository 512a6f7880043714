"""What every analytics method keeps: arguments validated by name, limits capped with totals
counting all, no value ever in the SQL text, plain JSON results, local dates across DST."""

from __future__ import annotations

import ast
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests import analytics_data as ad
from tests.conftest import make_settings
from tests.rag_analytics.support import (
    INJECTION,
    ISO_DATE,
    D,
    ask,
    count_rows,
    labels,
    money,
    total_count,
)

# ============================================================== validation errors

VALIDATION_CASES = [
    ("get_revenue_by_filters", {"start_date": "2025-13-01"}, {"start_date"}),
    ("get_revenue_by_filters", {"start_date": "yesterday"}, {"start_date"}),
    ("get_revenue_by_filters", {"end_date": "2025-02-30"}, {"end_date"}),
    (
        "get_revenue_by_filters",
        {"start_date": "2025-03-02", "end_date": "2025-03-01"},
        {"start_date", "end_date"},
    ),
    ("get_revenue_by_filters", {"limit": 0}, {"limit"}),
    ("get_revenue_by_filters", {"limit": -1}, {"limit"}),
    ("get_sales_summary_by_period", {"period": "fortnight"}, {"period"}),
    ("get_sales_summary_by_period", {"period": "month", "periods_back": -1}, {"periods_back"}),
    ("find_products_by_criteria", {"limit": 0}, {"limit"}),
    ("find_products_by_criteria", {"limit": -1}, {"limit"}),
    (
        "find_products_by_criteria",
        {"include_sales_data": True, "date_range_start": "2025-13-01"},
        {"date_range_start"},
    ),
    (
        "find_products_by_criteria",
        {"date_range_start": "2025-03-02", "date_range_end": "2025-03-01"},
        {"date_range_start", "date_range_end"},
    ),
    ("find_customers_by_criteria", {"limit": 0}, {"limit"}),
    ("find_customers_by_criteria", {"limit": -1}, {"limit"}),
    ("find_customers_by_criteria", {"date_range_end": "yesterday"}, {"date_range_end"}),
    (
        "find_customers_by_criteria",
        {"date_range_start": "2025-03-02", "date_range_end": "2025-03-01"},
        {"date_range_start", "date_range_end"},
    ),
    ("get_inventory_status", {"stock_level": "very_low"}, {"stock_level"}),
    ("get_inventory_status", {"limit": 0}, {"limit"}),
    ("get_inventory_status", {"limit": -1}, {"limit"}),
    ("get_employee_metrics", {"metric_type": "revenue"}, {"metric_type"}),
    ("get_employee_metrics", {"start_date": "2025-13-01"}, {"start_date"}),
    (
        "get_employee_metrics",
        {"start_date": "2025-03-02", "end_date": "2025-03-01"},
        {"start_date", "end_date"},
    ),
    ("search_orders_by_text", {"search_text": "tea", "limit": 0}, {"limit"}),
    ("search_orders_by_text", {"search_text": "tea", "limit": -1}, {"limit"}),
    ("get_business_insights", {"days_back": 0}, {"days_back"}),
]


@pytest.mark.parametrize(
    ("method", "kwargs", "fields"),
    VALIDATION_CASES,
    ids=[f"{m}-{'-'.join(map(str, k.values()))}" for m, k, _ in VALIDATION_CASES],  # type: ignore[attr-defined]
)
def test_invalid_arguments_raise_a_validation_error_naming_the_field(
    run, shop, method, kwargs, fields
) -> None:
    from tools.args import ToolArgumentError

    with pytest.raises(ToolArgumentError) as caught:
        ask(run, method, **kwargs)
    assert isinstance(caught.value, ValueError)
    assert caught.value.field in fields
    assert caught.value.field in str(caught.value)


# ======================================================== limits over 100 rows

BULK_CASES = [
    ("get_revenue_by_filters", {"limit": 500}, 100),
    ("get_revenue_by_filters", {"limit": 100}, 100),
    ("get_revenue_by_filters", {}, 20),
    ("search_orders_by_text", {"search_text": "bulk", "limit": 500}, 100),
    ("search_orders_by_text", {"search_text": "bulk"}, 20),
    ("find_products_by_criteria", {"product_name": "bulk", "limit": 500}, 100),
    ("find_products_by_criteria", {"include_sales_data": True, "limit": 500}, 100),
    ("find_products_by_criteria", {}, 20),
    ("find_customers_by_criteria", {"customer_name": "bulk", "limit": 500}, 100),
    ("find_customers_by_criteria", {}, 20),
    ("get_inventory_status", {"limit": 500}, 100),
    ("get_inventory_status", {}, 50),
]


@pytest.mark.parametrize(("method", "kwargs", "listed"), BULK_CASES)
def test_limits_are_capped_at_100_and_totals_count_all(run, bulk, method, kwargs, listed) -> None:
    result = ask(run, method, **kwargs)
    if method == "get_revenue_by_filters":
        assert len(result["orders"]) == listed
        assert result["total_orders"] == ad.BULK
        assert money(result["total_revenue"]) == D("105.00")  # 105 x 1.00
    else:
        assert len(result) == listed
        # every bulk order matches "bulk" through its note, customer, clerk and product:
        # still 105 orders, not one per reason
        assert total_count(result) == ad.BULK


def test_bulk_products_sales_and_business_insights(run, bulk) -> None:
    rows = ask(run, "find_products_by_criteria", include_sales_data=True, limit=500)
    assert {(row["total_sold"], money(row["total_revenue"])) for row in rows} == {(1, D("1.00"))}
    insights = ask(run, "get_business_insights", days_back=7)
    summary = insights["revenue_summary"]
    assert (summary["total_orders"], money(summary["total_revenue"])) == (105, D("105.00"))
    assert len(insights["top_products"]) == 5
    assert insights["inventory_alerts"] == 0  # stock 100 > 2 x 1 -> high


# ============================================================ SQL injection / text

INJECTION_CASES = [
    ("get_revenue_by_filters", {"employee_name": INJECTION}),
    ("get_revenue_by_filters", {"customer_email": INJECTION}),
    ("get_revenue_by_filters", {"payment_method": INJECTION}),
    ("get_sales_summary_by_period", {"period": "year", "employee_name": INJECTION}),
    ("search_orders_by_text", {"search_text": INJECTION}),
    ("search_orders_by_text", {"search_text": "x' OR '1'='1"}),
    ("find_products_by_criteria", {"product_name": INJECTION}),
    ("find_products_by_criteria", {"category": INJECTION, "include_sales_data": True}),
    ("find_customers_by_criteria", {"customer_name": INJECTION}),
    ("get_inventory_status", {"brand": INJECTION}),
    ("get_employee_metrics", {"employee_name": INJECTION}),
]


@pytest.mark.parametrize(("method", "kwargs"), INJECTION_CASES)
def test_argument_values_never_change_the_sql(run, shop, method, kwargs) -> None:
    result = ask(run, method, **kwargs)
    if method == "get_revenue_by_filters":
        assert (result["total_orders"], result["orders"]) == (0, [])
        assert money(result["total_revenue"]) == D("0.00")
    elif method == "get_sales_summary_by_period":
        assert result["total_orders"] == 0
        assert money(result["total_revenue"]) == D("0.00")
    else:
        assert list(result) == []
    assert count_rows(run, "orders") == 11
    assert count_rows(run, "employees") == 5


def analytics_source() -> tuple[str, ast.Module]:
    import tools.rag_analytics as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    return source, ast.parse(source)


def sql_queries() -> dict[str, str]:
    from tools.rag_analytics import SQL

    names = SQL.names()
    return {name: SQL[name] for name in names}


def test_sql_texts_have_no_python_placeholders_and_use_parameters() -> None:
    queries = sql_queries()
    assert len(queries) >= 7
    for name, text in queries.items():
        assert not re.search(r"%\(\w+\)s|%[sdrf]\b|\{\w*\}", text), name
        assert "$1" in text, name


SQL_WORDS = re.compile(r"\b(select|insert|update|delete|where|from|join|limit|order by)\b", re.I)
DB_CALLS = {
    "execute_query",
    "execute_query_dict",
    "execute_script",
    "execute_many",
    "execute",
    "fetch",
    "fetchrow",
    "fetchval",
    "fetch_readonly",
    "_fetch",
}


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return None


def _sql_text_nodes(tree: ast.Module) -> list[str]:
    """Places where the module formats text that looks like SQL."""
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            text = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
            if SQL_WORDS.search(text):
                problems.append(f"f-string with SQL at line {node.lineno}")
        elif isinstance(node, ast.Call) and _call_name(node) == "format":
            problems.append(f".format() at line {node.lineno}")
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
            parts = [node.left, node.right]
            if any(
                isinstance(p, ast.Constant)
                and isinstance(p.value, str)
                and SQL_WORDS.search(p.value)
                for p in parts
            ):
                problems.append(f"string arithmetic with SQL at line {node.lineno}")
    return problems


def test_methods_never_build_sql() -> None:
    _, tree = analytics_source()
    problems = _sql_text_nodes(tree)
    names = set(sql_queries())
    used: set[str] = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _call_name(node) in DB_CALLS and node.args):
            continue
        used.add(_call_name(node) or "")
        first = node.args[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            if first.value not in names:  # a query name, never SQL text
                problems.append(f"line {node.lineno}: {first.value!r} is not a named query")
        elif not (
            isinstance(first, ast.Subscript)
            and isinstance(first.value, ast.Name)
            and first.value.id == "SQL"
        ):
            problems.append(f"line {node.lineno}: query text is computed ({ast.dump(first)[:60]})")
    assert problems == []
    # every query goes through the read-only, time-limited path
    assert used <= {"fetch_readonly", "_fetch"}, used
    assert "_fetch" in used
    import inspect

    from tools.rag_analytics import RAGShopAnalytics
    from tools.readonly import ReadOnlyQueries

    # _fetch is the shared read-only, time-limited path, and takes only named queries.
    source = inspect.getsource(ReadOnlyQueries._fetch)
    assert "fetch_readonly(" in source and "self.SQL[name]" in source
    assert issubclass(RAGShopAnalytics, ReadOnlyQueries)


# ============================================================= JSON-serialisable

JSON_CASES = [  # (method, arguments, whether the result holds dates)
    ("get_revenue_by_filters", {}, True),
    ("get_sales_summary_by_period", {"period": "month"}, True),
    ("find_products_by_criteria", {"include_sales_data": True}, False),
    ("find_customers_by_criteria", {}, True),
    ("get_inventory_status", {}, False),
    ("get_employee_metrics", {}, True),
    ("search_orders_by_text", {"search_text": "tea"}, True),
    ("get_business_insights", {}, True),
]


def _decimal_only(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable: {value!r}")


def _date_fields(value: Any) -> list[str]:
    keys = {
        "order_date",
        "last_order_date",
        "last_sale_date",
        "customer_since",
        "period_start",
        "period_end",
    }
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and item is not None:
                found.append(item)
            found.extend(_date_fields(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_date_fields(item))
    return found


@pytest.mark.parametrize(("method", "kwargs", "has_dates"), JSON_CASES)
def test_results_are_plain_json_with_iso_dates(run, shop, method, kwargs, has_dates) -> None:
    result = ask(run, method, **kwargs)
    assert result  # the main dataset gives every method something to return
    json.dumps(result, default=_decimal_only)
    dates = _date_fields(result if isinstance(result, dict) else list(result))
    assert bool(dates) == has_dates, dates
    assert all(isinstance(d, str) and ISO_DATE.match(d) for d in dates), dates


# ================================================================ DST (New York)


def test_new_york_spring_forward_day_counts_by_local_date(run, database_url) -> None:
    data = ad.load(run, "new-york-dst", ad.build_new_york_dst)
    ny = make_settings(database_url, SHOP_TIMEZONE="America/New_York")
    day = ask(
        run, "get_revenue_by_filters", start_date="2026-03-08", end_date="2026-03-08", settings=ny
    )
    # N2 00:30 EST (100.00) + N3 23:30 EDT (250.00, 03:30 UTC on 03-09)
    assert labels(data, day["orders"]) == ["N3", "N2"]
    assert money(day["total_revenue"]) == D("350.00")
    assert [row["order_date"] for row in day["orders"]] == ["2026-03-08", "2026-03-08"]
    before = ask(
        run, "get_revenue_by_filters", start_date="2026-03-07", end_date="2026-03-07", settings=ny
    )
    after = ask(
        run, "get_revenue_by_filters", start_date="2026-03-09", end_date="2026-03-09", settings=ny
    )
    assert labels(data, before["orders"]) == ["N1"]
    assert labels(data, after["orders"]) == ["N4"]
