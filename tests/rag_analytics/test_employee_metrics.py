"""`get_employee_metrics`: the owner analytics contract of one tool."""

from __future__ import annotations

from typing import Any

import pytest

from tests.rag_analytics.support import (
    D,
    ask,
    money,
)

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
