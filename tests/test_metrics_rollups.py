"""The metrics rollups answer exactly what the tables answer, whoever writes the rows.

Every question is asked twice — through the rollups and straight from the tables — on the
main analytics dataset, then again after writes a point of sale would make (a new order, a
status turned refunded, a late edit of time and amount, items changed and deleted, an order
deleted), after a bulk load with triggers off, and in a second time zone.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from database import connection
from tests import analytics_data as ad
from tests.analytics_data import Dataset

QUESTIONS: list[dict[str, Any]] = [
    {"metrics": ["revenue", "orders", "average_order_value", "units_sold", "items_per_order"]},
    {
        "metrics": [
            "cancelled_orders",
            "cancelled_value",
            "refunded_orders",
            "refunded_value",
            "pending_orders",
            "discounts",
            "tax",
        ]
    },  # fmt: skip
    *(
        {"metrics": ["revenue", "orders", "units_sold"], "group_by": [dim], "limit": 100}
        for dim in ("day", "week", "month", "weekday", "hour", "employee", "payment_method")
    ),
    *(
        {"metrics": ["revenue", "units_sold", "refunded_value"], "group_by": [dim], "limit": 100}
        for dim in ("product", "variant", "category", "brand", "day", "week", "month")
    ),
    {"metrics": ["revenue"], "group_by": ["weekday", "hour"], "limit": 100},
    {"metrics": ["revenue"], "group_by": ["month", "product"], "limit": 100},
    {"metrics": ["revenue", "orders"], "employee": "Alice", "payment_method": "bank"},
    {"metrics": ["revenue", "units_sold"], "category": "tea", "group_by": ["brand"]},
    {"metrics": ["revenue"], "product": "jasmine", "compare_to": "previous_period"},
    {
        "metrics": ["revenue", "orders"],
        "group_by": ["day"],
        "compare_to": "previous_period",
        "limit": 100,
    },  # fmt: skip
    {"metrics": ["customers", "new_customers", "revenue"]},
    {
        "metrics": ["customers", "revenue", "orders", "units_sold"],
        "group_by": ["customer"],
        "limit": 100,
    },  # fmt: skip
    {"metrics": ["customers", "new_customers"], "group_by": ["month"], "limit": 100},
    {"metrics": ["revenue", "customers"], "premium": True, "group_by": ["customer"]},
    {"metrics": ["new_customers"], "group_by": ["employee"], "limit": 100},
    {"metrics": ["new_customers", "revenue"], "product": "coffee"},
]


def ask(run: Any, rollups: bool, zone: str | None = None, **kwargs: Any) -> dict[str, Any]:
    async def call() -> dict[str, Any]:
        from database import state
        from tools.metrics.engine import MetricsQueries

        settings = state().settings
        if zone is not None:
            settings = settings.model_copy(update={"SHOP_TIMEZONE": zone})
            settings.__dict__.pop("tz", None)
        engine = MetricsQueries(settings)
        engine.use_rollups = rollups
        return await engine.query_metrics(**kwargs)

    return run(call())


def sql(run: Any, statement: str, *params: Any) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        return await connection().execute_query_dict(statement, list(params))

    return run(go())


def assert_same(run: Any, data: Dataset, zone: str | None = None) -> None:
    # Whole months and their edges matter to the month rollups: from the 1st of a month.
    first = data.today.replace(day=1)
    spans = [(200, 0), (100, 99), (10, 10), (31, 0), ((data.today - first).days + 92, 0)]
    # Three whole months, nothing around them: read from the month rollups alone.
    month_end = first - timedelta(days=1)
    month_start = (month_end - timedelta(days=60)).replace(day=1)
    spans.append(((data.today - month_start).days, (data.today - month_end).days))
    for question, (first, last) in itertools.product(QUESTIONS, spans):
        args = {"start_date": data.iso(first), "end_date": data.iso(last), **question}
        rolled = ask(run, True, zone, **args)
        tables = ask(run, False, zone, **args)
        assert rolled == tables, args


@pytest.fixture
def fresh(run: Any) -> Iterator[Dataset]:
    """The main dataset, loaded for this test alone (tests here write to it)."""
    ad._current["key"] = None
    data = ad.load(run, ("rollups", uuid.uuid4()), ad.build_main)
    yield data
    ad._current["key"] = None


def test_rollups_answer_as_the_tables(run, fresh) -> None:
    assert_same(run, fresh)


def test_writes_of_a_point_of_sale_are_reflected_at_once(run, fresh) -> None:
    ids = fresh.ids
    new_order = str(uuid.uuid4())
    at = ad.at(fresh.day(3), 21, 45)
    sql(
        run,
        "INSERT INTO orders (id, creator_id, customer_id, status, final_total_price, tax,"
        " discount, payment_method, created_at) SELECT $1, id, 'cus-ann', 1, 333.33, 3, 1,"
        " ' Chuyển  khoản ', $2 FROM employees WHERE name = 'Alice Nguyen'",
        uuid.UUID(new_order), at,
    )  # fmt: skip
    sql(
        run,
        "INSERT INTO order_items (order_id, product_id, inventory_id, quantity, total_price)"
        " SELECT $1, product_id, id, 3, 300 FROM product_inventory WHERE id = $2",
        uuid.UUID(new_order), uuid.UUID(ids["I5"]),
    )  # fmt: skip
    assert_same(run, fresh)
    # A status turned refunded, a late edit of time and amount, an item changed.
    sql(run, "UPDATE orders SET status = 3 WHERE id = $1", uuid.UUID(ids["O4"]))
    sql(
        run,
        "UPDATE orders SET created_at = created_at - interval '2 days 3 hours',"
        " final_total_price = final_total_price + 7 WHERE id = $1",
        uuid.UUID(ids["O2"]),
    )
    sql(run, "UPDATE order_items SET quantity = quantity + 1 WHERE order_id = $1",
        uuid.UUID(new_order))  # fmt: skip
    assert_same(run, fresh)
    # An item deleted on its own, an order deleted with its items.
    sql(run, "DELETE FROM order_items WHERE order_id = $1", uuid.UUID(ids["O8"]))
    sql(run, "DELETE FROM orders WHERE id = $1", uuid.UUID(ids["O1"]))
    assert_same(run, fresh)
    revenue = ask(run, True, metrics=["revenue"], start_date=fresh.iso(200), end_date=fresh.iso(0))
    # 1930 - O4 1000 (refunded) + O2 7 - O1 100 + 333.33 = 1170.33
    assert revenue["totals"]["revenue"] == Decimal("1170.33")


def test_rows_written_with_triggers_off_are_caught_and_rebuilt(run, fresh) -> None:
    from database.rollups import ensure_zone, stale

    async def sneak() -> None:
        from tortoise.transactions import in_transaction

        async with in_transaction() as tx:
            await tx.execute_query("SET LOCAL session_replication_role = replica")
            await tx.execute_query(
                "UPDATE orders SET final_total_price = final_total_price + 1000 WHERE id = $1",
                [uuid.UUID(fresh.ids["O9"])],
            )

    run(sneak())
    zone = ad.SHOP_TZ.key
    assert run(stale(zone)) == "orders differ from the tables"
    run(ensure_zone(zone))
    assert run(stale(zone)) is None
    assert_same(run, fresh)


def test_another_time_zone_gets_its_own_days(run, fresh) -> None:
    from database.rollups import ensure_zone

    zone = "America/New_York"
    run(ensure_zone(zone))
    assert_same(run, fresh, zone)
    # O3 is T-99 00:30 in Ho Chi Minh City: the evening before in New York (12 h earlier).
    day = fresh.day(99) - timedelta(days=1)
    result = ask(
        run, True, zone, metrics=["revenue"], group_by=["day"],
        start_date=day.isoformat(), end_date=day.isoformat(),
    )  # fmt: skip
    assert result["rows"][0]["revenue"] >= Decimal("400.00")
    sql(run, "DELETE FROM metrics_zones WHERE zone = $1", zone)
    for table in ("metrics_order_hours", "metrics_item_days", "metrics_item_months"):
        sql(run, f"DELETE FROM {table} WHERE zone = $1", zone)


@pytest.mark.parametrize(
    ("question", "source"),
    [
        ({"metrics": ["revenue", "orders"], "group_by": ["day"]}, "order_days"),
        (
            {"metrics": ["revenue"], "group_by": ["employee"], "payment_method": "cash"},
            "order_days",
        ),
        ({"metrics": ["orders"], "group_by": ["weekday", "hour"]}, "order_hours"),
        ({"metrics": ["revenue", "units_sold"], "group_by": ["product"]}, "item_rollups"),
        ({"metrics": ["revenue"], "group_by": ["category"], "brand": "lotus"}, "item_rollups"),
        ({"metrics": ["customers"]}, "customer_months"),
        ({"metrics": ["revenue", "orders"], "group_by": ["customer"]}, "customer_months"),
        ({"metrics": ["customers"], "group_by": ["day"]}, "tables"),
        ({"metrics": ["orders"], "product": "coffee"}, "tables"),
    ],
)
def test_common_questions_read_the_rollups(question, source) -> None:
    from datetime import UTC, date, datetime

    from tools.metrics.question import Filters, Question
    from tools.metrics.sources import choose_source

    filters = Filters(
        products=("x",) if "product" in question else None,
        brands=("lotus",) if "brand" in question else None,
        payment=question.get("payment_method"),
    )
    asked = Question(
        question["metrics"], question.get("group_by", []), filters, date(2026, 11, 1),
        date(2026, 11, 30), datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC),
        "UTC",
    )  # fmt: skip
    assert choose_source(asked).name == source


def test_every_rollup_table_is_analysed_after_a_build() -> None:
    import re

    from config import PROJECT_ROOT
    from database.rollups import ROLLUP_TABLES, SQL

    schema = (PROJECT_ROOT / "sql" / "schema.sql").read_text(encoding="utf-8")
    # metrics_zones registers the zones; the others are the rollups themselves.
    made = set(re.findall(r"CREATE TABLE IF NOT EXISTS (metrics_\w+)", schema)) - {"metrics_zones"}
    analysed = set(re.findall(r"metrics_\w+", SQL["analyze_rollups"]))
    assert made == set(ROLLUP_TABLES) == analysed
