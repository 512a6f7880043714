"""`get_revenue_by_filters`: the owner analytics contract of one tool."""

from __future__ import annotations

from typing import Any

import pytest

from tests.rag_analytics.support import (
    D,
    ask,
    labels,
    money,
)

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
