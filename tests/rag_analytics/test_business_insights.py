"""`get_business_insights`: the owner analytics contract of one tool."""

from __future__ import annotations

import pytest

from tests.rag_analytics.support import (
    D,
    ask,
    money,
    sales_view,
)

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
