"""`query_metrics` pinned against hand-computed numbers (the main dataset of analytics_data).

T is today in the shop's zone (Asia/Ho_Chi_Minh, UTC+7); O1..O11 are the dataset's orders.
Completed: O1 100 (Ann, Alice, cash), O2 250 (Ben, Bob, Banking), O3 400 (Ann, Dave, bank),
O4 1000 (Ben, Alice, BANK), O8 50 (Ben, Bob, card), O9 20 (Ben, Bob, cash), O10 80 (Ben,
Alice, card), O11 30 (Ben, Bob, cash, no items) = 1930 over 8 orders. O5 pending 3000, O6
cancelled 5000, O7 refunded 7000 (all T-10).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import analytics_data as ad
from tests.analytics_data import Dataset
from tools.args import ToolArgumentError

D = Decimal


@pytest.fixture
def shop(run: Any) -> Dataset:
    return ad.load(run, ("main", ad.shop_today()), ad.build_main)


def metrics(run: Any, **kwargs: Any) -> dict[str, Any]:
    async def call() -> dict[str, Any]:
        from tools.metrics.engine import MetricsQueries

        return await MetricsQueries().query_metrics(**kwargs)

    return run(call())


def by(result: dict[str, Any], dim: str, metric: str) -> dict[Any, Any]:
    return {row[dim]: row[metric] for row in result["rows"]}


def whole(shop: Dataset, **kwargs: Any) -> dict[str, Any]:
    return {"start_date": shop.iso(100), "end_date": shop.iso(0), **kwargs}


def test_totals_of_every_order_metric(run, shop) -> None:
    result = metrics(
        run,
        metrics=[
            "revenue", "orders", "average_order_value", "units_sold", "customers",
            "cancelled_orders", "cancelled_value", "refunded_orders", "refunded_value",
            "pending_orders", "discounts", "tax", "items_per_order",
        ],
        **whole(shop),
    )  # fmt: skip
    assert result["totals"] == {
        "revenue": D("1930.00"),
        "orders": 8,
        "average_order_value": D("241.25"),
        "units_sold": 18,  # 1 + 3 + 2 + 5 + 2 + 1 + 4 + 0
        "customers": 2,
        "cancelled_orders": 1,
        "cancelled_value": D("5000.00"),
        "refunded_orders": 1,
        "refunded_value": D("7000.00"),
        "pending_orders": 1,
        "discounts": D("55.00"),
        "tax": D("193.00"),
        "items_per_order": D("2.25"),
    }
    assert result["rows"] == [] and result["total_rows"] == 0


def test_payment_spellings_group_as_one_method(run, shop) -> None:
    result = metrics(run, metrics=["revenue", "orders"], group_by=["payment_method"], **whole(shop))
    assert by(result, "payment_method", "revenue") == {
        "bank": D("1650.00"),  # Banking 250 + bank 400 + BANK 1000
        "cash": D("150.00"),
        "card": D("130.00"),
    }
    assert [row["payment_method"] for row in result["rows"]] == ["bank", "cash", "card"]
    only = metrics(run, metrics=["revenue"], payment_method="chuyển khoản", **whole(shop))
    assert only["totals"]["revenue"] == D("1650.00")


def test_by_employee_and_a_staff_filter_by_one_word(run, shop) -> None:
    result = metrics(run, metrics=["revenue"], group_by=["employee"], **whole(shop))
    assert by(result, "employee", "revenue") == {
        "Alice Nguyen": D("1180.00"),
        "Bob Tran": D("350.00"),
        "Dave Former": D("400.00"),
    }
    alice = metrics(run, metrics=["revenue", "orders"], employee="chị alice", **whole(shop))
    assert alice["totals"] == {"revenue": D("1180.00"), "orders": 3}
    assert alice["filters"]["employee"] == ["Alice Nguyen"]


def test_item_grain_sums_item_totals_and_sums_variants_per_product(run, shop) -> None:
    result = metrics(
        run, metrics=["revenue", "units_sold", "orders"], group_by=["product"], **whole(shop)
    )
    assert by(result, "product", "revenue") == {
        "Coffee Beans": D("1200.00"),  # O2 200 + O4 1000
        "Jasmine Tea": D("500.00"),  # 250g: O1 100 + O3 400 (the 100g only in refunded O7)
        "Green_Tea Bags": D("190.00"),  # O2 50 + O8 40 + O9 20 + O10 80
    }
    assert by(result, "product", "units_sold") == {
        "Coffee Beans": 6,
        "Jasmine Tea": 3,
        "Green_Tea Bags": 9,
    }
    # Totals at item grain: item totals (1890), orders with an item (O11 has none).
    assert result["totals"] == {"revenue": D("1890.00"), "units_sold": 18, "orders": 7}


def test_discounts_and_tax_cannot_be_split_by_product(run, shop) -> None:
    with pytest.raises(ToolArgumentError) as refused:
        metrics(run, metrics=["revenue", "tax"], group_by=["product"], **whole(shop))
    assert refused.value.field == "metrics" and "tax" in refused.value.message


def test_days_include_empty_buckets_in_shop_time(run, shop) -> None:
    result = metrics(
        run, metrics=["revenue"], group_by=["day"], start_date=shop.iso(10), end_date=shop.iso(5)
    )
    assert [row["day"] for row in result["rows"]] == [shop.iso(n) for n in range(10, 4, -1)]
    assert [row["revenue"] for row in result["rows"]] == [
        D("1000.00"), D("0.00"), D("0.00"), D("0.00"), D("0.00"), D("30.00"),
    ]  # fmt: skip


def test_an_order_after_midnight_local_is_the_next_day(run, shop) -> None:
    # O3 is T-99 00:30 in the shop (T-100 17:30 UTC); O2 is T-100 23:30 in the shop.
    result = metrics(
        run, metrics=["revenue"], group_by=["day"], start_date=shop.iso(100), end_date=shop.iso(99)
    )
    assert by(result, "day", "revenue") == {
        shop.iso(100): D("350.00"),
        shop.iso(99): D("400.00"),
    }


def test_compare_with_the_previous_day(run, shop) -> None:
    result = metrics(
        run, metrics=["revenue"], start_date=shop.iso(0), end_date=shop.iso(0), compare_to="previous_period"
    )  # fmt: skip
    assert result["totals"]["revenue"] == D("80.00")
    assert result["previous_period"]["start"] == shop.iso(1)
    assert result["previous_totals"]["revenue"] == D("0.00")
    assert result["changes"]["revenue"] == {"absolute": D("80.00"), "percent": None}


def test_busiest_weekday_lists_all_seven(run, shop) -> None:
    result = metrics(
        run, metrics=["orders"], group_by=["weekday"], order_by="orders", limit=7, **whole(shop)
    )
    assert result["total_rows"] == 7 and len(result["rows"]) == 7
    assert sum(row["orders"] for row in result["rows"]) == 8
    counts = [row["orders"] for row in result["rows"]]
    assert counts == sorted(counts, reverse=True)


def test_new_customers_first_completed_order_in_the_period(run, shop) -> None:
    assert metrics(run, metrics=["new_customers"], **whole(shop))["totals"] == {"new_customers": 2}
    recent = metrics(run, metrics=["new_customers"], start_date=shop.iso(30), end_date=shop.iso(0))
    assert recent["totals"] == {"new_customers": 0}


def test_a_filter_that_matches_nothing_is_an_error_naming_it(run, shop) -> None:
    with pytest.raises(ToolArgumentError) as refused:
        metrics(run, metrics=["revenue"], employee="Zed", **whole(shop))
    assert refused.value.field == "employee" and "Alice Nguyen" in refused.value.message


def test_the_best_groups_with_the_count_of_all(run, shop) -> None:
    result = metrics(run, metrics=["revenue"], group_by=["product"], limit=2, **whole(shop))
    assert [(row["product"], row["revenue"]) for row in result["rows"]] == [
        ("Coffee Beans", D("1200.00")),
        ("Jasmine Tea", D("500.00")),
    ]
    assert result["total_rows"] == 3 and result["truncated"] is True
    smallest = metrics(
        run, metrics=["revenue"], group_by=["employee"], limit=1, descending=False, **whole(shop)
    )
    assert [row["employee"] for row in smallest["rows"]] == ["Bob Tran"]
    # By customer: Ben has 6 completed orders, Ann 2 (Cat's are not completed).
    ranked = metrics(run, metrics=["orders"], group_by=["customer"], **whole(shop))
    assert [(row["customer"], row["orders"]) for row in ranked["rows"]] == [
        ("Ben Pham", 6),
        ("Ann Le", 2),
    ]


# ----------------------------------------------------------------------- properties

ADDITIVE = ["revenue", "orders", "units_sold", "cancelled_value", "refunded_orders", "tax"]
PLAIN_SQL = """
SELECT coalesce(sum(final_total_price) FILTER (WHERE status = 1), 0) AS revenue,
       count(*) FILTER (WHERE status = 1) AS orders,
       coalesce((SELECT sum(i.quantity) FROM order_items i JOIN orders o2 ON o2.id = i.order_id
                  WHERE o2.status = 1 AND o2.created_at >= $1 AND o2.created_at < $2), 0)
           AS units_sold,
       coalesce(sum(final_total_price) FILTER (WHERE status = 2), 0) AS cancelled_value,
       count(*) FILTER (WHERE status = 3) AS refunded_orders,
       coalesce(sum(tax) FILTER (WHERE status = 1), 0) AS tax
  FROM orders WHERE created_at >= $1 AND created_at < $2
"""


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    first=st.integers(0, 120),
    days=st.integers(0, 99),  # at most 100 days: one row a day fits the limit of 100
    grouping=st.sampled_from(
        ["day", "week", "month", "weekday", "hour", "employee", "payment_method", "customer"]
    ),  # fmt: skip
)
def test_totals_are_the_plain_sql_and_the_sum_of_the_rows(run, shop, first, days, grouping) -> None:
    from core.periods import day_bounds
    from database import connection

    start, end = shop.day(first), shop.day(max(first - days, 0))
    result = metrics(
        run, metrics=ADDITIVE, group_by=[grouping], limit=100,
        start_date=start.isoformat(), end_date=end.isoformat(),
    )  # fmt: skip
    lower, upper = day_bounds(start, end, ad.SHOP_TZ)

    async def plain() -> dict[str, Any]:
        rows = await connection().execute_query_dict(PLAIN_SQL, [lower, upper])
        return rows[0]

    expected = run(plain())
    for name in ADDITIVE:
        assert result["totals"][name] == expected[name], name
        assert sum(row[name] for row in result["rows"]) == result["totals"][name], name
    assert not result["truncated"]


def test_customers_who_have_not_ordered_since(run, shop) -> None:
    async def call() -> Any:
        from tools.rag_analytics import RAGShopAnalytics

        return await RAGShopAnalytics().find_customers_by_criteria(inactive_since=shop.iso(20))

    rows = run(call())
    # Ann's last completed order is O3 (T-99; O7 at T-10 was refunded); Ben ordered today
    # (O10); Cat has no completed order, Dan none at all.
    assert [(r["customer_name"], r["total_orders"], r["total_spent"]) for r in rows] == [
        ("Ann Le", 2, D("500.00"))
    ]
    assert rows.total_count == 1


def test_names_as_the_catalog_writes_them_plurals_and_vietnamese(run, shop) -> None:
    by_category = metrics(run, metrics=["revenue"], group_by=["category"], **whole(shop))
    assert by_category["rows"][0]["category"] == "Coffee"  # not "coffee"
    assert {row["category"] for row in by_category["rows"]} == {"Coffee", "Tea", "Tea Bags"}
    plural = metrics(run, metrics=["units_sold"], product="jasmine teas", **whole(shop))
    assert plural["filters"]["product"] == ["Jasmine Tea"] and plural["totals"]["units_sold"] == 3
    vietnamese = metrics(run, metrics=["revenue"], category="cà phê", **whole(shop))
    assert vietnamese["filters"]["category"] == ["Coffee"]
    staff = metrics(run, metrics=["revenue"], employee="nv Bob", **whole(shop))
    assert staff["filters"]["employee"] == ["Bob Tran"]
