"""`get_sales_summary_by_period`: the owner analytics contract of one tool."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests import analytics_data as ad
from tests.rag_analytics.support import (
    D,
    ask,
    money,
)

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
