"""The owner analytics contract, pinned against a real PostgreSQL with hand-computed numbers.

The datasets and their arithmetic are documented in tests/analytics_data.py. In
comments below, T is today in the shop's zone (Asia/Ho_Chi_Minh, UTC+7) and
T-n is n days before it; O1..O11 are the main dataset's orders.
"""

from __future__ import annotations

import ast
import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests import analytics_data as ad
from tests.analytics_data import Dataset
from tests.conftest import make_settings

D = Decimal
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INJECTION = "'; DROP TABLE orders; --"


# --------------------------------------------------------------------- helpers


def money(value: Any) -> Decimal:
    """A money value (Decimal or number, never None or text, at most 2 decimals) as a Decimal."""
    assert value is not None, "money must not be null"
    assert isinstance(value, Decimal | int | float) and not isinstance(value, bool), repr(value)
    exact = Decimal(str(value))
    rounded = exact.quantize(Decimal("0.01"))
    assert exact == rounded, f"{value!r} has more than 2 decimals"
    return rounded


def ask(run: Any, method: str, *args: Any, settings: Any = None, **kwargs: Any) -> Any:
    async def call() -> Any:
        from tools.rag_analytics import RAGShopAnalytics

        analytics = RAGShopAnalytics(settings=settings) if settings else RAGShopAnalytics()
        return await getattr(analytics, method)(*args, **kwargs)

    return run(call())


def count_rows(run: Any, table: str) -> int:
    async def query() -> int:
        from database import connection

        rows = await connection().execute_query_dict(f"SELECT count(*) AS n FROM {table}")
        return int(rows[0]["n"])

    return run(query())


def labels(data: Dataset, rows: list[dict[str, Any]]) -> list[str]:
    return [data.label_of(row["order_id"]) for row in rows]


def total_count(rows: Any) -> int:
    assert hasattr(rows, "total_count"), "list results must carry total_count"
    return int(rows.total_count)


@pytest.fixture
def shop(run: Any) -> Dataset:
    return ad.load(run, ("main", ad.shop_today()), ad.build_main)


@pytest.fixture
def boundaries(run: Any) -> Dataset:
    return ad.load(run, "stock-boundaries", ad.build_stock_boundaries)


@pytest.fixture
def bulk(run: Any) -> Dataset:
    return ad.load(run, "bulk", ad.build_bulk)


# ======================================================= 1 get_revenue_by_filters


def test_revenue_without_filters_counts_completed_orders_newest_first(run, shop) -> None:
    result = ask(run, "get_revenue_by_filters")
    # 100 + 250 + 400 + 1000 + 50 + 20 + 80 + 30 = 1930.00 over 8 completed orders
    assert result["total_orders"] == 8
    assert money(result["total_revenue"]) == D("1930.00")
    # O10 (T 00:30) > O11 (T-5) > O4 (T-10) > O9 (T-29 00:30) > O8 (T-30 23:30)
    # > O3 (T-99 00:30) > O2 (T-100 23:30) > O1 (T-100 10:00)
    assert labels(shop, result["orders"]) == [
        "O10",
        "O11",
        "O4",
        "O9",
        "O8",
        "O3",
        "O2",
        "O1",
    ]


def test_revenue_order_row_has_the_contract_fields_and_local_date(run, shop) -> None:
    result = ask(run, "get_revenue_by_filters", start_date=shop.iso(99), end_date=shop.iso(99))
    assert [
        set(row)
        >= {
            "order_id",
            "order_date",
            "revenue",
            "customer_name",
            "customer_email",
            "employee_name",
            "payment_method",
        }
        for row in result["orders"]
    ] == [True]
    row = result["orders"][0]
    assert row["order_id"] == shop.ids["O3"]
    # O3 is 00:30 local on T-99, which is 17:30 UTC on T-100: the local date wins.
    assert row["order_date"] == shop.iso(99)
    assert money(row["revenue"]) == D("400.00")
    assert (row["customer_name"], row["customer_email"]) == ("Ann Le", "Ann@Example.com")
    assert row["employee_name"] == "Dave Former"
    assert row["payment_method"] == "bank"


@pytest.mark.parametrize(
    ("start", "end", "expected", "revenue"),
    [
        (100, 100, ["O2", "O1"], "350.00"),  # 250 + 100; O3 is T-100 in UTC but T-99 locally
        (99, 99, ["O3"], "400.00"),  # 00:30 local belongs to T-99
        (30, 30, ["O8"], "50.00"),  # 23:30 local stays on T-30
        (29, 0, ["O10", "O11", "O4", "O9"], "1130.00"),  # 80 + 30 + 1000 + 20
        (0, 0, ["O10"], "80.00"),  # 00:30 local today (yesterday in UTC)
        (None, 99, ["O3", "O2", "O1"], "750.00"),  # open start: 400 + 250 + 100
        (29, None, ["O10", "O11", "O4", "O9"], "1130.00"),  # open end
        (98, 31, [], "0.00"),  # a range with no orders: zeros
    ],
    ids=["T-100", "T-99", "T-30", "last-30-days", "today", "open-start", "open-end", "empty"],
)
@pytest.mark.parametrize("as_date", [False, True], ids=["str", "date"])
def test_revenue_date_ranges_are_inclusive_local_days(
    run, shop, start, end, expected, revenue, as_date
) -> None:
    def arg(days_ago: int | None) -> Any:
        if days_ago is None:
            return None
        return shop.day(days_ago) if as_date else shop.iso(days_ago)

    result = ask(run, "get_revenue_by_filters", start_date=arg(start), end_date=arg(end))
    assert labels(shop, result["orders"]) == expected
    assert result["total_orders"] == len(expected)
    assert money(result["total_revenue"]) == D(revenue)


@pytest.mark.parametrize(
    ("spelling", "expected", "revenue"),
    [
        ("bank", ["O4", "O3", "O2"], "1650.00"),  # BANK 1000 + bank 400 + Banking 250
        ("banking", ["O4", "O3", "O2"], "1650.00"),
        ("Banking", ["O4", "O3", "O2"], "1650.00"),
        ("BANK", ["O4", "O3", "O2"], "1650.00"),
        ("cash", ["O11", "O9", "O1"], "150.00"),  # 30 + 20 + 100; O5 is pending
        ("CASH", ["O11", "O9", "O1"], "150.00"),
        ("card", ["O10", "O8"], "130.00"),  # 80 + 50; O6, O7 are not completed
        ("e-wallet", [], "0.00"),
    ],
)
def test_revenue_payment_method_is_case_insensitive_and_bank_is_banking(
    run, shop, spelling, expected, revenue
) -> None:
    result = ask(run, "get_revenue_by_filters", payment_method=spelling)
    assert labels(shop, result["orders"]) == expected
    assert result["total_orders"] == len(expected)
    assert money(result["total_revenue"]) == D(revenue)


@pytest.mark.parametrize(
    ("name", "expected", "revenue"),
    [
        ("alice", ["O10", "O4", "O1"], "1180.00"),  # 80 + 1000 + 100 (O7 refunded)
        ("BOB", ["O11", "O9", "O8", "O2"], "350.00"),  # 30 + 20 + 50 + 250 (O5, O6 excluded)
        ("former", ["O3"], "400.00"),  # an inactive employee's sales still count
        ("Idle", [], "0.00"),
        ("zed", [], "0.00"),
    ],
)
def test_revenue_employee_name_is_a_case_insensitive_substring(
    run, shop, name, expected, revenue
) -> None:
    result = ask(run, "get_revenue_by_filters", employee_name=name)
    assert labels(shop, result["orders"]) == expected
    assert result["total_orders"] == len(expected)
    assert money(result["total_revenue"]) == D(revenue)


@pytest.mark.parametrize(
    ("email", "expected", "revenue"),
    [
        ("ann@example.com", ["O3", "O1"], "500.00"),  # stored as Ann@Example.com
        ("ANN@EXAMPLE.COM", ["O3", "O1"], "500.00"),
        ("ben@example.com", ["O10", "O11", "O4", "O9", "O8", "O2"], "1430.00"),
        ("ann@example", [], "0.00"),  # exact, not a substring
        ("example.com", [], "0.00"),
        ("cat@example.com", [], "0.00"),  # only pending / cancelled orders
    ],
)
def test_revenue_customer_email_is_exact_and_case_insensitive(
    run, shop, email, expected, revenue
) -> None:
    result = ask(run, "get_revenue_by_filters", customer_email=email)
    assert labels(shop, result["orders"]) == expected
    assert result["total_orders"] == len(expected)
    assert money(result["total_revenue"]) == D(revenue)


@pytest.mark.parametrize(
    ("low", "high", "expected", "revenue"),
    [
        ("100", "400", ["O3", "O2", "O1"], "750.00"),  # both bounds inclusive
        ("1000", None, ["O4"], "1000.00"),
        (None, "50", ["O11", "O9", "O8"], "100.00"),  # 30 + 20 + 50
        ("250.00", "250.00", ["O2"], "250.00"),
        ("1000.01", None, [], "0.00"),  # the 3000+ orders are not completed
    ],
)
def test_revenue_amount_bounds_are_inclusive(run, shop, low, high, expected, revenue) -> None:
    result = ask(
        run,
        "get_revenue_by_filters",
        min_amount=None if low is None else D(low),
        max_amount=None if high is None else D(high),
    )
    assert labels(shop, result["orders"]) == expected
    assert result["total_orders"] == len(expected)
    assert money(result["total_revenue"]) == D(revenue)


def test_revenue_filters_combine(run, shop) -> None:
    result = ask(
        run,
        "get_revenue_by_filters",
        employee_name="bob",
        payment_method="Cash",
        start_date=shop.iso(29),
        end_date=shop.iso(0),
    )
    assert labels(shop, result["orders"]) == ["O11", "O9"]  # 30 + 20
    assert money(result["total_revenue"]) == D("50.00")


def test_revenue_limit_one_lists_one_but_totals_count_all(run, shop) -> None:
    result = ask(run, "get_revenue_by_filters", limit=1)
    assert labels(shop, result["orders"]) == ["O10"]
    assert result["total_orders"] == 8
    assert money(result["total_revenue"]) == D("1930.00")


@pytest.mark.parametrize(
    ("status", "label", "search"),
    [(0, "O5", "pending order"), (2, "O6", "cat vo"), (3, "O7", "jasmine")],
    ids=["pending", "cancelled", "refunded"],
)
def test_non_completed_statuses_never_count(run, shop, status, label, search) -> None:
    # T-10 holds O4 (completed 1000.00), O5 (pending), O6 (cancelled), O7 (refunded).
    day = shop.iso(10)
    revenue = ask(run, "get_revenue_by_filters", start_date=day, end_date=day)
    assert labels(shop, revenue["orders"]) == ["O4"]
    assert revenue["total_orders"] == 1
    assert money(revenue["total_revenue"]) == D("1000.00")
    summary = ask(run, "get_sales_summary_by_period", "day", periods_back=10)
    assert (summary["total_orders"], money(summary["total_revenue"])) == (1, D("1000.00"))
    # ... while the order search finds orders of any status.
    found = {row["order_id"]: row for row in ask(run, "search_orders_by_text", search)}
    assert shop.ids[label] in found
    assert found[shop.ids[label]]["status"] == status


# ================================================== 2 get_sales_summary_by_period


def expected_period(period: str, back: int, today: date) -> tuple[date, date]:
    """The contract's calendar periods, computed independently."""
    if period == "day":
        day = today - timedelta(days=back)
        return day, day
    if period == "week":
        monday = today - timedelta(days=today.weekday() + 7 * back)
        return monday, monday + timedelta(days=6)
    size = {"month": 1, "quarter": 3, "year": 12}[period]
    first_month = today.month - (today.month - 1) % size
    index = today.year * 12 + (first_month - 1) - size * back
    start = date(index // 12, index % 12 + 1, 1)
    after = index + size
    end = date(after // 12, after % 12 + 1, 1) - timedelta(days=1)
    return start, end


PERIOD_CASES = [
    ("day", 0),
    ("day", 1),
    ("week", 0),
    ("week", 1),
    ("month", 0),
    ("month", 1),
    ("month", 12),
    ("quarter", 0),
    ("quarter", 1),
    ("quarter", 4),
    ("year", 0),
    ("year", 1),
]


@pytest.mark.parametrize(("period", "back"), PERIOD_CASES)
def test_sales_summary_calendar_period_in_shop_time(run, period, back) -> None:
    start, end = expected_period(period, back, ad.shop_today())
    ad.load(run, ("period", start, end), ad.build_period, start, end)
    result = ask(run, "get_sales_summary_by_period", period, periods_back=back)
    assert result["period_type"] == period
    assert (result["period_start"], result["period_end"]) == (start.isoformat(), end.isoformat())
    # in: start 00:30 local (100.00, tax 10, disc 5) + end 23:30 local (250.00, tax 25).
    # out: start-1 23:30 local, end+1 00:30 local (previous day in UTC), statuses 0/2/3.
    assert result["total_orders"] == 2
    assert money(result["total_revenue"]) == D("350.00")
    assert money(result["avg_order_value"]) == D("175.00")  # 350 / 2
    assert money(result["total_tax"]) == D("35.00")  # 10 + 25
    assert money(result["total_discounts"]) == D("5.00")


@pytest.mark.parametrize(
    ("name", "orders", "revenue", "tax"),
    [
        ("alice", 1, "100.00", "10.00"),  # only the first-day order is Alice's inside the month
        ("BOB", 1, "250.00", "25.00"),
        ("nobody", 0, "0.00", "0.00"),
    ],
)
def test_sales_summary_employee_filter(run, name, orders, revenue, tax) -> None:
    start, end = expected_period("month", 1, ad.shop_today())
    ad.load(run, ("period", start, end), ad.build_period, start, end)
    result = ask(run, "get_sales_summary_by_period", "month", periods_back=1, employee_name=name)
    assert result["total_orders"] == orders
    assert money(result["total_revenue"]) == D(revenue)
    assert money(result["total_tax"]) == D(tax)


@pytest.mark.parametrize(
    ("period", "back", "orders", "revenue", "tax", "discounts", "avg"),
    [
        ("day", 0, 1, "80.00", "8.00", "0.00", "80.00"),  # O10 at 00:30 local today
        ("day", 1, 0, "0.00", "0.00", "0.00", "0.00"),  # nothing locally yesterday: zeros
        ("day", 10, 1, "1000.00", "100.00", "50.00", "1000.00"),  # O4; O5/O6/O7 not completed
        ("year", 10, 0, "0.00", "0.00", "0.00", "0.00"),
    ],
)
def test_sales_summary_on_main_dataset_and_zero_periods(
    run, shop, period, back, orders, revenue, tax, discounts, avg
) -> None:
    result = ask(run, "get_sales_summary_by_period", period, periods_back=back)
    assert result["total_orders"] == orders
    assert money(result["total_revenue"]) == D(revenue)
    assert money(result["total_tax"]) == D(tax)
    assert money(result["total_discounts"]) == D(discounts)
    assert money(result["avg_order_value"]) == D(avg)


@pytest.mark.parametrize(
    ("period", "back", "today", "start", "end"),
    [
        ("month", 1, date(2026, 1, 15), date(2025, 12, 1), date(2025, 12, 31)),  # Jan -> Dec
        ("month", 13, date(2026, 1, 31), date(2024, 12, 1), date(2024, 12, 31)),
        ("month", 0, date(2024, 2, 10), date(2024, 2, 1), date(2024, 2, 29)),  # leap February
        ("month", 1, date(2026, 3, 31), date(2026, 2, 1), date(2026, 2, 28)),
        ("quarter", 0, date(2026, 2, 10), date(2026, 1, 1), date(2026, 3, 31)),
        ("quarter", 1, date(2026, 2, 10), date(2025, 10, 1), date(2025, 12, 31)),  # Q1 -> Q4
        ("quarter", 1, date(2026, 7, 1), date(2026, 4, 1), date(2026, 6, 30)),
        ("quarter", 4, date(2026, 11, 30), date(2025, 10, 1), date(2025, 12, 31)),
        ("year", 0, date(2026, 6, 15), date(2026, 1, 1), date(2026, 12, 31)),
        ("year", 1, date(2026, 1, 1), date(2025, 1, 1), date(2025, 12, 31)),
        ("week", 0, date(2026, 3, 8), date(2026, 3, 2), date(2026, 3, 8)),  # Sunday ends the week
        ("week", 0, date(2026, 3, 2), date(2026, 3, 2), date(2026, 3, 8)),  # Monday starts it
        ("week", 1, date(2026, 1, 1), date(2025, 12, 22), date(2025, 12, 28)),  # across the year
        ("day", 1, date(2026, 1, 1), date(2025, 12, 31), date(2025, 12, 31)),
        ("day", 1, date(2024, 3, 1), date(2024, 2, 29), date(2024, 2, 29)),
    ],
)
def test_period_range_calendar_rules(period, back, today, start, end) -> None:
    from core.periods import period_range

    assert period_range(period, back, today) == (start, end)


# =================================================== 3 find_products_by_criteria

ALL_LINES_BY_NAME = [
    "Ceramic Cup",
    "Coffee Beans",
    "Green_Tea Bags",
    "Jasmine Tea",
    "Jasmine Tea",
    "Tea 100% Pure",
]


def test_products_list_active_lines_sorted_by_name(run, shop) -> None:
    rows = ask(run, "find_products_by_criteria")
    assert [row["product_name"] for row in rows] == ALL_LINES_BY_NAME  # Old Mug is inactive
    assert total_count(rows) == 6
    assert shop.ids["I6"] not in {row["inventory_id"] for row in rows}
    pure = next(row for row in rows if row["product_name"] == "Tea 100% Pure")
    assert pure["inventory_id"] == shop.ids["I3"]
    assert (pure["category"], pure["brand"], pure["classification"]) == ("Tea", "Highland", None)
    assert (money(pure["price"]), pure["stock"], pure["low_stock_threshold"]) == (D("50.00"), 5, 10)
    assert "total_sold" not in pure and "total_revenue" not in pure


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (
            {"product_name": "TEA"},
            ["Green_Tea Bags", "Jasmine Tea", "Jasmine Tea", "Tea 100% Pure"],
        ),
        ({"product_name": "mug"}, []),  # the only Mug line is inactive
        ({"category": "tea"}, ["Green_Tea Bags", "Jasmine Tea", "Jasmine Tea", "Tea 100% Pure"]),
        ({"category": "BAGS"}, ["Green_Tea Bags"]),
        ({"brand": "lotus"}, ["Green_Tea Bags", "Jasmine Tea", "Jasmine Tea"]),
        ({"brand": "HighLand"}, ["Coffee Beans", "Tea 100% Pure"]),
        (
            {"min_price": D("50"), "max_price": D("200")},  # inclusive: 50, 100, 200
            ["Coffee Beans", "Jasmine Tea", "Tea 100% Pure"],
        ),
        ({"max_price": D("40.00")}, ["Ceramic Cup", "Green_Tea Bags"]),
        ({"low_stock": True}, ["Green_Tea Bags", "Jasmine Tea", "Tea 100% Pure"]),  # 10<=10, 0, 5
        ({"category": "tea", "brand": "highland"}, ["Tea 100% Pure"]),
    ],
)
def test_products_filters(run, shop, filters, expected) -> None:
    rows = ask(run, "find_products_by_criteria", **filters)
    assert [row["product_name"] for row in rows] == expected
    assert total_count(rows) == len(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("%", ["Tea 100% Pure"]),
        ("_", ["Green_Tea Bags"]),
        ("100%", ["Tea 100% Pure"]),
        ("n_t", ["Green_Tea Bags"]),
        ("a%e", []),  # a wildcard would match "Jasmine Tea", "Tea 100% Pure", ...
        ("e_b", []),  # no name holds "e_b" (a wildcard would match "Coffee Beans")
    ],
)
def test_products_name_filter_is_literal(run, shop, text, expected) -> None:
    rows = ask(run, "find_products_by_criteria", product_name=text)
    assert [row["product_name"] for row in rows] == expected


def sales_view(rows: list[dict[str, Any]]) -> list[tuple[str, str | None, int, Decimal]]:
    return [
        (row["product_name"], row["classification"], row["total_sold"], money(row["total_revenue"]))
        for row in rows
    ]


def test_products_with_sales_data_over_whole_history(run, shop) -> None:
    rows = ask(run, "find_products_by_criteria", include_sales_data=True)
    assert sales_view(rows) == [
        ("Coffee Beans", "1kg", 6, D("1200.00")),  # O2 1 x 200 + O4 5 x 1000
        ("Jasmine Tea", "250g", 3, D("500.00")),  # O1 1 x 100 + O3 2 x 400
        ("Green_Tea Bags", "box", 9, D("190.00")),  # O2 2/50 + O8 2/40 + O9 1/20 + O10 4/80
        # no completed sales -> listed with 0, by name (O5/O6/O7 items do not count)
        ("Ceramic Cup", None, 0, D("0.00")),
        ("Jasmine Tea", "100g", 0, D("0.00")),
        ("Tea 100% Pure", None, 0, D("0.00")),
    ]
    assert total_count(rows) == 6


@pytest.mark.parametrize(
    ("start", "end", "top"),
    [
        # O4 (T-10) 5 x 1000; O9 (T-29 00:30) 1/20 + O10 (T 00:30) 4/80; O8 (T-30 23:30) is outside
        (
            29,
            0,
            [("Coffee Beans", "1kg", 5, D("1000.00")), ("Green_Tea Bags", "box", 5, D("100.00"))],
        ),
        (
            30,
            0,
            [("Coffee Beans", "1kg", 5, D("1000.00")), ("Green_Tea Bags", "box", 7, D("140.00"))],
        ),
        # O3 is 00:30 local on T-99 (T-100 in UTC)
        (99, 99, [("Jasmine Tea", "250g", 2, D("400.00"))]),
        (
            100,
            100,
            [
                ("Coffee Beans", "1kg", 1, D("200.00")),
                ("Jasmine Tea", "250g", 1, D("100.00")),
                ("Green_Tea Bags", "box", 2, D("50.00")),
            ],
        ),
    ],
)
def test_products_sales_data_in_a_local_date_range(run, shop, start, end, top) -> None:
    rows = ask(
        run,
        "find_products_by_criteria",
        include_sales_data=True,
        date_range_start=shop.iso(start),
        date_range_end=shop.iso(end),
    )
    view = sales_view(rows)
    assert view[: len(top)] == top
    assert all(sold == 0 and revenue == 0 for _, _, sold, revenue in view[len(top) :])
    assert len(view) == 6  # every active line, sold or not
    rest = [name for name, *_ in view[len(top) :]]
    assert rest == sorted(rest)


def test_products_limit_one_keeps_total(run, shop) -> None:
    rows = ask(run, "find_products_by_criteria", limit=1)
    assert [row["product_name"] for row in rows] == ["Ceramic Cup"]
    assert total_count(rows) == 6


# =================================================== 4 find_customers_by_criteria


def customer_view(rows: list[dict[str, Any]]) -> list[tuple[str, int, Decimal, str | None]]:
    return [
        (
            row["customer_name"],
            row["total_orders"],
            money(row["total_spent"]),
            row["last_order_date"],
        )
        for row in rows
    ]


def test_customers_whole_history(run, shop) -> None:
    rows = ask(run, "find_customers_by_criteria")
    view = customer_view(rows)
    # Ben: 250 + 1000 + 50 + 20 + 80 + 30 = 1430 over 6, last O10 today.
    # Ann: 100 + 400 = 500 over 2, last O3 on T-99 (O7 on T-10 is refunded, does not count).
    assert view[:2] == [
        ("Ben Pham", 6, D("1430.00"), shop.iso(0)),
        ("Ann Le", 2, D("500.00"), shop.iso(99)),
    ]
    assert sorted(view[2:]) == [("Cat Vo", 0, D("0.00"), None), ("Dan Ho", 0, D("0.00"), None)]
    assert total_count(rows) == 4
    ann = rows[1]
    assert (ann["customer_id"], ann["customer_email"], ann["premium"]) == (
        "cus-ann",
        "Ann@Example.com",
        True,
    )
    # created 00:30 local on T-200 (T-201 in UTC)
    assert ann["customer_since"] == shop.iso(200)
    assert rows[0]["premium"] is False


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"min_orders": 2}, ["Ben Pham", "Ann Le"]),  # at least 2: Ann has exactly 2
        ({"min_orders": 3}, ["Ben Pham"]),
        ({"min_orders": 7}, []),
        ({"min_spent": D("500")}, ["Ben Pham", "Ann Le"]),  # at least 500: Ann has exactly 500
        ({"min_spent": D("500.01")}, ["Ben Pham"]),
        ({"min_orders": 1, "min_spent": D("1430.00")}, ["Ben Pham"]),
        ({"is_premium": True}, ["Ann Le", "Cat Vo"]),
        ({"is_premium": False}, ["Ben Pham", "Dan Ho"]),
        ({"customer_name": "AN"}, ["Ann Le", "Dan Ho"]),
        ({"customer_email": "BEN@EXAMPLE.COM"}, ["Ben Pham"]),
    ],
)
def test_customers_filters(run, shop, filters, expected) -> None:
    rows = ask(run, "find_customers_by_criteria", **filters)
    assert [row["customer_name"] for row in rows] == expected
    assert total_count(rows) == len(expected)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Ben: O9 20 + O4 1000 + O11 30 + O10 80 = 1130 over 4; Ann has none in the window.
        (29, 0, {"Ben Pham": (4, D("1130.00"), 0), "Ann Le": (0, D("0.00"), None)}),
        # Ann: O1 100 + O3 400, last T-99; Ben: O2 250, last T-100 (not his overall last, today).
        (100, 99, {"Ann Le": (2, D("500.00"), 99), "Ben Pham": (1, D("250.00"), 100)}),
        (100, 100, {"Ben Pham": (1, D("250.00"), 100), "Ann Le": (1, D("100.00"), 100)}),
    ],
)
def test_customers_in_a_date_range(run, shop, start, end, expected) -> None:
    rows = ask(
        run,
        "find_customers_by_criteria",
        date_range_start=shop.iso(start),
        date_range_end=shop.iso(end),
    )
    view = {name: (orders, spent, last) for name, orders, spent, last in customer_view(rows)}
    for name, (orders, spent, last) in expected.items():
        assert view[name] == (orders, spent, None if last is None else shop.iso(last)), name
    assert view["Dan Ho"] == (0, D("0.00"), None)
    assert [row["customer_name"] for row in rows][0] == next(iter(expected))  # top spender
    assert total_count(rows) == 4


def test_customers_range_with_min_orders_excludes_idle(run, shop) -> None:
    rows = ask(
        run,
        "find_customers_by_criteria",
        min_orders=1,
        date_range_start=shop.iso(29),
        date_range_end=shop.iso(0),
    )
    assert customer_view(rows) == [("Ben Pham", 4, D("1130.00"), shop.iso(0))]


def test_customers_limit_one_keeps_total(run, shop) -> None:
    rows = ask(run, "find_customers_by_criteria", limit=1)
    assert [row["customer_name"] for row in rows] == ["Ben Pham"]
    assert total_count(rows) == 4


# ======================================================== 5 get_inventory_status


def test_inventory_status_sorted_by_severity_then_stock(run, shop) -> None:
    rows = ask(run, "get_inventory_status")
    view = [
        (
            row["product_name"],
            row["classification"],
            row["stock_status"],
            row["stock"],
            money(row["inventory_value"]),
        )
        for row in rows
    ]
    assert view == [
        ("Jasmine Tea", "100g", "out_of_stock", 0, D("0.00")),  # 0 x 100
        ("Tea 100% Pure", None, "critical", 5, D("250.00")),  # 5 <= 0.5 x 10; 5 x 50
        ("Green_Tea Bags", "box", "low", 10, D("200.00")),  # 10 <= 10; 10 x 20
        ("Coffee Beans", "1kg", "normal", 15, D("3000.00")),  # 15 x 200
        ("Ceramic Cup", None, "high", 3, D("120.00")),  # 3 > 2 x 0; 3 x 40
        ("Jasmine Tea", "250g", "high", 50, D("12500.00")),  # 50 > 20; 50 x 250
    ]
    assert total_count(rows) == 6  # the inactive Old Mug line is left out
    first = rows[0]
    assert (
        first["category"],
        first["brand"],
        money(first["price"]),
        first["low_stock_threshold"],
    ) == ("Tea", "Lotus", D("100.00"), 10)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"stock_level": "needs_restock"}, ["Jasmine Tea", "Tea 100% Pure", "Green_Tea Bags"]),
        ({"stock_level": "high"}, ["Ceramic Cup", "Jasmine Tea"]),
        ({"stock_level": "normal"}, ["Coffee Beans"]),
        ({"stock_level": "out_of_stock"}, ["Jasmine Tea"]),  # not the inactive Old Mug
        ({"category": "TEA"}, ["Jasmine Tea", "Tea 100% Pure", "Green_Tea Bags", "Jasmine Tea"]),
        ({"brand": "shop"}, ["Ceramic Cup"]),
        ({"brand": "lotus", "stock_level": "low"}, ["Green_Tea Bags"]),
    ],
)
def test_inventory_filters(run, shop, filters, expected) -> None:
    rows = ask(run, "get_inventory_status", **filters)
    assert [row["product_name"] for row in rows] == expected
    assert total_count(rows) == len(expected)


def test_inventory_limit_one_keeps_total(run, shop) -> None:
    rows = ask(run, "get_inventory_status", limit=1)
    assert [row["stock_status"] for row in rows] == ["out_of_stock"]
    assert total_count(rows) == 6


@pytest.mark.parametrize(("threshold", "stock", "status"), ad.STOCK_CASES)
def test_stock_status_boundaries(run, boundaries, threshold, stock, status) -> None:
    rows = ask(run, "get_inventory_status", category="boundary", limit=100)
    by_name = {row["product_name"]: row for row in rows}
    row = by_name[ad.stock_name(threshold, stock)]
    assert row["stock_status"] == status
    assert money(row["inventory_value"]) == D("12.50") * stock


SEVERITY = ["out_of_stock", "critical", "low", "normal", "high"]


def test_stock_status_order_and_needs_restock_on_boundaries(run, boundaries) -> None:
    rows = ask(run, "get_inventory_status", limit=100)
    expected = sorted(((SEVERITY.index(s), st) for _t, st, s in ad.STOCK_CASES))
    assert [(SEVERITY.index(r["stock_status"]), r["stock"]) for r in rows] == expected
    restock = ask(run, "get_inventory_status", stock_level="needs_restock", limit=100)
    wanted = {ad.stock_name(t, st) for t, st, s in ad.STOCK_CASES if SEVERITY.index(s) <= 2}
    assert {row["product_name"] for row in restock} == wanted
    assert total_count(restock) == len(wanted) == 11


@pytest.mark.parametrize("level", SEVERITY)
def test_stock_level_filters_exactly_one_status(run, boundaries, level) -> None:
    rows = ask(run, "get_inventory_status", stock_level=level, limit=100)
    wanted = {ad.stock_name(t, st) for t, st, s in ad.STOCK_CASES if s == level}
    assert {row["product_name"] for row in rows} == wanted
    assert {row["stock_status"] for row in rows} == {level}


def test_low_stock_products_are_stock_at_or_below_threshold(run, boundaries) -> None:
    rows = ask(run, "find_products_by_criteria", low_stock=True, limit=100)
    wanted = sorted(ad.stock_name(t, st) for t, st, _ in ad.STOCK_CASES if st <= t)
    assert [row["product_name"] for row in rows] == wanted
    assert len(wanted) == 11


# ======================================================== 6 get_employee_metrics


def metric_view(rows: list[dict[str, Any]]) -> list[tuple]:
    return [
        (
            row["employee_name"],
            row["total_orders"],
            money(row["total_sales"]),
            money(row["avg_order_value"]),
            row["unique_customers"],
            row["last_sale_date"],
        )
        for row in rows
    ]


def test_employee_metrics_whole_history(run, shop) -> None:
    rows = ask(run, "get_employee_metrics")
    assert metric_view(rows) == [
        # O1 100 (Ann) + O4 1000 (Ben) + O10 80 (Ben); 1180 / 3 = 393.33; O7 refunded
        ("Alice Nguyen", 3, D("1180.00"), D("393.33"), 2, shop.iso(0)),
        # inactive, but took O3 (400, Ann)
        ("Dave Former", 1, D("400.00"), D("400.00"), 1, shop.iso(99)),
        # O2 250 + O8 50 + O9 20 + O11 30, all Ben; 350 / 4 = 87.50; O5, O6 excluded
        ("Bob Tran", 4, D("350.00"), D("87.50"), 1, shop.iso(5)),
        ("Eve Idle", 0, D("0.00"), D("0.00"), 0, None),  # active, never sold
    ]  # Frank Gone (inactive, no orders) is not listed
    assert [row["role"] for row in rows] == ["manager", "cashier", "cashier", "barista"]


@pytest.mark.parametrize(
    ("metric", "head", "tail"),
    [
        ("sales", ["Alice Nguyen", "Dave Former", "Bob Tran"], "Eve Idle"),  # 1180 > 400 > 350
        ("orders", ["Bob Tran", "Alice Nguyen", "Dave Former"], "Eve Idle"),  # 4 > 3 > 1
        ("customers", ["Alice Nguyen"], "Eve Idle"),  # 2 > (Bob 1, Dave 1) > 0
    ],
)
def test_employee_metrics_sort_by_metric_type(run, shop, metric, head, tail) -> None:
    rows = ask(run, "get_employee_metrics", metric_type=metric)
    names = [row["employee_name"] for row in rows]
    assert names[: len(head)] == head
    assert names[-1] == tail
    assert sorted(names) == ["Alice Nguyen", "Bob Tran", "Dave Former", "Eve Idle"]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Alice: O4 1000 + O10 80 (Ben); Bob: O9 20 + O11 30; Dave took none -> not listed
        (
            29,
            0,
            [
                ("Alice Nguyen", 2, D("1080.00"), D("540.00"), 1, 0),
                ("Bob Tran", 2, D("50.00"), D("25.00"), 1, 5),
                ("Eve Idle", 0, D("0.00"), D("0.00"), 0, None),
            ],
        ),
        # Alice sold nothing here but still appears with zeros (no inner join)
        (
            30,
            29,
            [
                ("Bob Tran", 2, D("70.00"), D("35.00"), 1, 29),
                ("Alice Nguyen", 0, D("0.00"), D("0.00"), 0, None),
                ("Eve Idle", 0, D("0.00"), D("0.00"), 0, None),
            ],
        ),
        # O3 is 00:30 local on T-99: the former employee appears in this range
        (
            100,
            99,
            [
                ("Dave Former", 1, D("400.00"), D("400.00"), 1, 99),
                ("Bob Tran", 1, D("250.00"), D("250.00"), 1, 100),
                ("Alice Nguyen", 1, D("100.00"), D("100.00"), 1, 100),
                ("Eve Idle", 0, D("0.00"), D("0.00"), 0, None),
            ],
        ),
    ],
)
def test_employee_metrics_in_a_date_range(run, shop, start, end, expected) -> None:
    rows = ask(run, "get_employee_metrics", start_date=shop.iso(start), end_date=shop.iso(end))
    view = metric_view(rows)
    want = [(*row[:5], None if row[5] is None else shop.iso(row[5])) for row in expected]
    # zero rows tie on every metric: compare them as a set
    assert [r for r in view if r[1]] == [r for r in want if r[1]]
    assert sorted(r for r in view if not r[1]) == sorted(r for r in want if not r[1])


def test_employee_metrics_name_filter(run, shop) -> None:
    rows = ask(run, "get_employee_metrics", employee_name="ALICE")
    assert [row["employee_name"] for row in rows] == ["Alice Nguyen"]


# ======================================================= 7 search_orders_by_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gift wrap", ["O1"]),  # note
        ("DA NANG", ["O2"]),  # shipping
        ("le loi", ["O1"]),
        ("cat vo", ["O6", "O5"]),  # customer name; cancelled and pending are found too
        ("CAT@example", ["O6", "O5"]),  # customer e-mail
        ("dave", ["O3"]),  # employee
        ("jasmine", ["O7", "O3", "O1"]),  # an item's product; O7 is refunded
        ("green_tea", ["O10", "O9", "O8", "O2"]),
        ("%", ["O6", "O5"]),  # literal: only "Tea 100% Pure" holds a %
        ("_", ["O10", "O9", "O8", "O2"]),  # literal: only "Green_Tea Bags" holds a _
        ("ben pham", ["O10", "O11", "O4", "O9", "O8", "O2"]),
        ("ceramic", []),  # never ordered
    ],
)
def test_search_orders_by_text(run, shop, text, expected) -> None:
    rows = ask(run, "search_orders_by_text", text)
    assert labels(shop, rows) == expected
    assert total_count(rows) == len(expected)


def test_search_orders_row_fields(run, shop) -> None:
    rows = ask(run, "search_orders_by_text", "pending order")
    assert len(rows) == 1
    row = rows[0]
    assert row["order_id"] == shop.ids["O5"]
    assert row["order_date"] == shop.iso(10)
    assert row["status"] == 0
    assert money(row["final_total_price"]) == D("3000.00")
    assert (row["customer_name"], row["customer_email"]) == ("Cat Vo", "cat@example.com")
    assert (row["employee_name"], row["note"]) == ("Bob Tran", "pending order")


def test_search_orders_limit_one_keeps_total(run, shop) -> None:
    rows = ask(run, "search_orders_by_text", "jasmine", limit=1)
    assert labels(shop, rows) == ["O7"]
    assert total_count(rows) == 3


# ====================================================== 8 get_business_insights


@pytest.mark.parametrize(
    ("days", "orders", "revenue", "avg"),
    [
        # the last `days` local days, today included
        (30, 4, "1130.00", "282.50"),  # T-29..T: O4 1000 + O9 20 (T-29 00:30) + O11 30 + O10 80
        (31, 5, "1180.00", "236.00"),  # T-30..T: + O8 50 (T-30 23:30)
        (1, 1, "80.00", "80.00"),  # today: O10 at 00:30 local (yesterday in UTC)
    ],
)
def test_business_insights_revenue_window(run, shop, days, orders, revenue, avg) -> None:
    result = ask(run, "get_business_insights", days_back=days)
    assert (result["period_start"], result["period_end"]) == (shop.iso(days - 1), shop.iso(0))
    summary = result["revenue_summary"]
    assert (
        summary["total_orders"],
        money(summary["total_revenue"]),
        money(summary["avg_order_value"]),
    ) == (orders, D(revenue), D(avg))


def test_business_insights_products_and_alerts(run, shop) -> None:
    result = ask(run, "get_business_insights")  # overview, 30 days
    assert (result["period_start"], result["period_end"]) == (shop.iso(29), shop.iso(0))
    top = result["top_products"]
    assert 2 <= len(top) <= 5
    # T-29..T: Coffee O4 5 x 1000; Green_Tea O9 1/20 + O10 4/80
    assert sales_view(top[:2]) == [
        ("Coffee Beans", "1kg", 5, D("1000.00")),
        ("Green_Tea Bags", "box", 5, D("100.00")),
    ]
    revenues = [money(row["total_revenue"]) for row in top]
    assert revenues == sorted(revenues, reverse=True)
    # out_of_stock Jasmine 100g + critical Tea 100% Pure + low Green_Tea (not the inactive mug)
    assert result["inventory_alerts"] == 3
    assert [(row["product_name"], row["stock_status"]) for row in result["low_stock_items"]] == [
        ("Jasmine Tea", "out_of_stock"),
        ("Tea 100% Pure", "critical"),
        ("Green_Tea Bags", "low"),
    ]


def test_business_insights_alerts_count_all_lines_not_only_the_listed_five(run, boundaries) -> None:
    result = ask(run, "get_business_insights")
    # 11 boundary lines are out_of_stock, critical or low; at most 5 are listed
    assert result["inventory_alerts"] == 11
    items = result["low_stock_items"]
    assert [row["stock_status"] for row in items] == ["out_of_stock"] * 3 + ["critical"] * 2
    assert [row["stock"] for row in items] == [0, 0, 0, 1, 2]  # critical: t3 s1, t5 s2
    summary = result["revenue_summary"]
    assert (
        summary["total_orders"],
        money(summary["total_revenue"]),
        money(summary["avg_order_value"]),
    ) == (0, D("0.00"), D("0.00"))


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
