"""`get_inventory_status`: the owner analytics contract of one tool."""

from __future__ import annotations

import pytest

from tests import analytics_data as ad
from tests.rag_analytics.support import (
    D,
    ask,
    money,
    total_count,
)

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
