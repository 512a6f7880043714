"""`search_orders_by_text`: the owner analytics contract of one tool."""

from __future__ import annotations

import pytest

from tests.rag_analytics.support import (
    D,
    ask,
    labels,
    money,
    total_count,
)

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
