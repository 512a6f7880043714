"""`find_customers_by_criteria`: the owner analytics contract of one tool."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.rag_analytics.support import (
    D,
    ask,
    money,
    total_count,
)

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
