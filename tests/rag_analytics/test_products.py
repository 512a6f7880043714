"""`find_products_by_criteria`: the owner analytics contract of one tool."""

from __future__ import annotations

import pytest

from tests.rag_analytics.support import (
    D,
    ask,
    money,
    sales_view,
    total_count,
)

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
