"""Build the SQL of one metrics question from the definitions, with SQLAlchemy Core.

The builder only ever composes reviewed column expressions from `definitions`; every value a
caller gives (dates, ids, names, amounts, the time zone) is a bound parameter. The statement is
compiled for asyncpg (`$1 … $n`) and runs on the one read-only, time-limited path.

Shape: a `facts` CTE (orders, or order items joined to their orders) with the dimension
columns computed once, then one aggregate over it with GROUPING SETS — the grouped rows and
the totals in one scan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, asyncpg
from sqlalchemy.sql.elements import ColumnElement

from tools.metrics.definitions import (
    COMPLETED,
    ITEM_DIMENSIONS,
    ITEM_FILTERS,
    METRICS,
    PAYMENT_GROUPS,
)

_meta = sa.MetaData()
orders = sa.Table(
    "orders",
    _meta,
    sa.Column("id", sa.Uuid),
    sa.Column("status", sa.Integer),
    sa.Column("created_at", sa.DateTime(timezone=True)),
    sa.Column("customer_id", sa.Text),
    sa.Column("creator_id", sa.Uuid),
    sa.Column("final_total_price", sa.Numeric),
    sa.Column("tax", sa.Numeric),
    sa.Column("discount", sa.Numeric),
    sa.Column("payment_method", sa.Text),
)
order_items = sa.Table(
    "order_items",
    _meta,
    sa.Column("order_id", sa.Uuid),
    sa.Column("product_id", sa.Uuid),
    sa.Column("inventory_id", sa.Uuid),
    sa.Column("quantity", sa.Integer),
    sa.Column("total_price", sa.Numeric),
)
products = sa.Table(
    "products",
    _meta,
    sa.Column("id", sa.Uuid),
    sa.Column("name", sa.Text),
    sa.Column("category", sa.Text),
    sa.Column("brand", sa.Text),
)
customers = sa.Table("customers", _meta, sa.Column("id", sa.Text), sa.Column("premium", sa.Boolean))

ZERO = sa.literal_column("0")


@dataclass(frozen=True)
class Filters:
    """Resolved filters: ids and keys the SQL compares with (None: not filtered)."""

    products: tuple[str, ...] | None = None
    categories: tuple[str, ...] | None = None  # lower-case, trimmed
    brands: tuple[str, ...] | None = None
    employees: tuple[str, ...] | None = None
    customers: tuple[str, ...] | None = None
    payment: str | None = None
    premium: bool | None = None
    min_amount: Any = None
    max_amount: Any = None

    @property
    def item_level(self) -> bool:
        """Whether a filter names products (so facts are order items)."""
        return any(getattr(self, name) is not None for name in ("products", "categories", "brands"))


@dataclass
class Question:
    """What to compute: metrics, groupings, filters, and the instants of the period."""

    metrics: list[str]
    group_by: list[str]
    filters: Filters
    lower: datetime
    upper: datetime
    timezone: str
    item_grain: bool = field(init=False)

    def __post_init__(self) -> None:
        self.item_grain = self.filters.item_level or any(
            dim in ITEM_DIMENSIONS for dim in self.group_by
        )


@dataclass(frozen=True)
class Compiled:
    """A statement ready for asyncpg: its text and its values in `$n` order."""

    sql: str
    params: list[Any]


def compile_statement(statement: sa.sql.Executable) -> Compiled:
    """`$n` SQL and its values, for Tortoise/asyncpg's execute_query_dict."""
    compiled = statement.compile(
        dialect=asyncpg.dialect(), compile_kwargs={"render_postcompile": True}
    )
    names = compiled.positiontup or []
    return Compiled(str(compiled), [compiled.params[name] for name in names])


def _payment_map() -> sa.CTE:
    spellings = [s for group in PAYMENT_GROUPS.values() for s in group]
    keys = [key for key, group in PAYMENT_GROUPS.items() for _ in group]
    pairs = sa.select(
        sa.func.unnest(sa.bindparam("pay_spellings", spellings, type_=ARRAY(sa.Text))).label(
            "spelling"
        ),
        sa.func.unnest(sa.bindparam("pay_keys", keys, type_=ARRAY(sa.Text))).label("key"),
    )
    return pairs.cte("payment_map")


def _spelled(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A free-text value as it is compared: lower case, single spaces, trimmed."""
    collapsed = sa.func.regexp_replace(sa.func.btrim(column), r"\s+", " ", "g")
    return sa.func.lower(collapsed)


def statuses_needed(metrics: list[str]) -> list[int]:
    """The order statuses the metrics read (fewer rows scanned when only sales are asked)."""
    needed: set[int] = set()
    for name in metrics:
        metric = METRICS[name]
        for part in metric.parts or (name,):
            status = METRICS[part].status
            if status is not None:
                needed.add(status)
    return sorted(needed or {COMPLETED})


def facts(question: Question) -> sa.CTE:
    """The rows measured: orders, or order items with their order's columns."""
    f = question.filters
    local_ts = sa.func.timezone(sa.bindparam("tz", question.timezone), orders.c.created_at)
    needs_payment = "payment_method" in question.group_by or f.payment is not None
    needs_units = not question.item_grain and any(
        "units_sold" in (METRICS[m].parts or (m,)) for m in question.metrics
    )
    columns: list[ColumnElement[Any]] = [
        orders.c.id.label("order_id"),
        orders.c.status,
        orders.c.customer_id,
        orders.c.creator_id.label("employee_id"),
        orders.c.final_total_price,
        orders.c.tax,
        orders.c.discount,
        local_ts.label("local_ts"),
    ]
    source: Any = orders
    if question.item_grain:
        source = source.join(order_items, order_items.c.order_id == orders.c.id)
        columns += [
            order_items.c.product_id,
            order_items.c.inventory_id,
            order_items.c.quantity,
            order_items.c.total_price.label("item_total"),
        ]
        if {"category", "brand"} & set(question.group_by) or f.categories or f.brands:
            source = source.join(products, products.c.id == order_items.c.product_id)
            columns += [
                _spelled(products.c.category).label("category"),
                _spelled(products.c.brand).label("brand"),
            ]
    elif needs_units:
        units = (
            sa.select(sa.func.coalesce(sa.func.sum(order_items.c.quantity), 0))
            .where(order_items.c.order_id == orders.c.id)
            .scalar_subquery()
        )
        columns.append(units.label("units"))
    conditions: list[ColumnElement[Any]] = [
        orders.c.created_at >= sa.bindparam("lower", question.lower),
        orders.c.created_at < sa.bindparam("upper", question.upper),
        orders.c.status.in_(statuses_needed(question.metrics)),
    ]
    if needs_payment:
        pay = _payment_map()
        spelled = _spelled(orders.c.payment_method)
        source = source.outerjoin(pay, pay.c.spelling == spelled)
        payment = sa.func.coalesce(pay.c.key, spelled)
        columns.append(payment.label("payment_method"))
        if f.payment is not None:
            conditions.append(payment == sa.bindparam("payment", f.payment))
    if f.premium is not None:
        source = source.join(customers, customers.c.id == orders.c.customer_id)
        conditions.append(
            sa.func.coalesce(customers.c.premium, False) == sa.bindparam("premium", f.premium)
        )
    if f.employees is not None:
        conditions.append(sa.cast(orders.c.creator_id, sa.Text).in_(f.employees))
    if f.customers is not None:
        conditions.append(orders.c.customer_id.in_(f.customers))
    if f.min_amount is not None:
        conditions.append(orders.c.final_total_price >= sa.bindparam("min_amount", f.min_amount))
    if f.max_amount is not None:
        conditions.append(orders.c.final_total_price <= sa.bindparam("max_amount", f.max_amount))
    if f.products is not None:
        conditions.append(sa.cast(order_items.c.product_id, sa.Text).in_(f.products))
    if f.categories is not None:
        conditions.append(_spelled(products.c.category).in_(f.categories))
    if f.brands is not None:
        conditions.append(_spelled(products.c.brand).in_(f.brands))
    return sa.select(*columns).select_from(source).where(*conditions).cte("facts")


def dimension(name: str, rows: sa.CTE) -> ColumnElement[Any]:
    """The column a grouping reads from the facts."""
    c = rows.c
    if name == "day":
        return sa.cast(c.local_ts, sa.Date)
    if name in ("week", "month"):
        return sa.cast(sa.func.date_trunc(sa.literal_column(f"'{name}'"), c.local_ts), sa.Date)
    if name == "weekday":
        return sa.cast(sa.extract("isodow", c.local_ts), sa.Integer) - 1
    if name == "hour":
        return sa.cast(sa.extract("hour", c.local_ts), sa.Integer)
    column = {
        "product": "product_id",
        "variant": "inventory_id",
        "category": "category",
        "brand": "brand",
        "employee": "employee_id",
        "payment_method": "payment_method",
        "customer": "customer_id",
    }[name]
    return sa.cast(c[column], sa.Text)


def aggregate(name: str, rows: sa.CTE, item_grain: bool) -> ColumnElement[Any]:
    """One base metric's aggregate over the facts (ratios are computed from their parts)."""
    metric = METRICS[name]
    c = rows.c
    when = c.status == metric.status
    if metric.kind == "count":
        counted = sa.func.count(sa.distinct(c.order_id)) if item_grain else sa.func.count()
        return counted.filter(when)
    if metric.kind == "distinct":
        return sa.func.count(sa.distinct(c.customer_id)).filter(when)
    column = metric.item_column if item_grain else metric.column
    assert column is not None
    return sa.func.coalesce(sa.func.sum(c[column]).filter(when), ZERO)


def base_metrics(metrics: list[str]) -> list[str]:
    """The summable metrics the requested ones need (ratios need their parts)."""
    needed: list[str] = []
    for name in metrics:
        for part in METRICS[name].parts or (name,):
            if METRICS[part].kind != "new" and part not in needed:
                needed.append(part)
    return needed


def grouped(question: Question) -> Compiled:
    """The grouped rows and the totals row (all groupings NULL, `is_total` true) in one scan."""
    rows = facts(question)
    dims = [dimension(name, rows).label(f"g_{name}") for name in question.group_by]
    measures = [
        aggregate(name, rows, question.item_grain).label(name)
        for name in base_metrics(question.metrics)
    ]
    if not dims:
        statement = sa.select(sa.literal_column("true").label("is_total"), *measures)
        return compile_statement(statement)
    is_total = sa.func.grouping(*dims) == (2 ** len(dims) - 1)
    statement = sa.select(is_total.label("is_total"), *dims, *measures).group_by(
        sa.func.grouping_sets(sa.tuple_(*dims), sa.tuple_())
    )
    return compile_statement(statement)


def new_customers(question: Question) -> Compiled:
    """Customers whose first completed order ever is in the period, grouped by that order."""
    first_question = Question(
        ["orders"], question.group_by, question.filters, question.lower, question.upper,
        question.timezone,
    )  # fmt: skip
    rows = facts(first_question)
    firsts = (
        sa.select(rows)
        .where(rows.c.status == COMPLETED)
        .distinct(rows.c.customer_id)
        .order_by(rows.c.customer_id, rows.c.local_ts, rows.c.order_id)
        .cte("firsts")
    )
    earlier = orders.alias("earlier")
    before = (
        sa.select(sa.literal_column("1"))
        .where(
            earlier.c.customer_id == firsts.c.customer_id,
            earlier.c.status == COMPLETED,
            earlier.c.created_at < sa.bindparam("lower", question.lower),
        )
        .exists()
    )
    dims = [dimension(name, firsts).label(f"g_{name}") for name in question.group_by]
    count = sa.func.count().label("new_customers")
    where = sa.not_(before)
    if not dims:
        statement = sa.select(sa.literal_column("true").label("is_total"), count).where(where)
        return compile_statement(statement.select_from(firsts))
    is_total = sa.func.grouping(*dims) == (2 ** len(dims) - 1)
    statement = (
        sa.select(is_total.label("is_total"), *dims, count)
        .select_from(firsts)
        .where(where)
        .group_by(sa.func.grouping_sets(sa.tuple_(*dims), sa.tuple_()))
    )
    return compile_statement(statement)


__all__ = ["ITEM_FILTERS", "Compiled", "Filters", "Question", "grouped", "new_customers"]
