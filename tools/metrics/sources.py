"""Where a question's facts come from: the shop's tables, or a rollup that answers exactly.

- the order days rollup: order metrics by day, week, month, weekday, staff and payment;
- the order hours rollup: the same by hour (not split by staff or payment);
- the item rollups (days, and months for whole months): product, variant, category and brand
  sums (category and brand are read from `products` as they are now);
- the customer months rollup (whole months, the days around them from the orders): customers
  and their counts;
- otherwise the tables: orders, or order items joined to their orders.
The triggers in sql/schema.sql keep the rollups exact, so every source gives the same
numbers (tests/test_metrics_rollups.py compares them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement

from tools.metrics.definitions import (
    COMPLETED,
    ITEM_DIMENSIONS,
    METRICS,
    PAYMENT_GROUPS,
    TIME_DIMENSIONS,
)
from tools.metrics.periods import next_month, whole_months
from tools.metrics.question import Filters, Question, base_metrics, statuses_needed
from tools.metrics.tables import (
    customer_first,
    customer_months,
    customers,
    item_days,
    item_months,
    order_days,
    order_hours,
    order_items,
    orders,
    products,
)

ZERO: ColumnElement[Any] = sa.literal_column("0")
# The facts' column each grouping that is not time reads.
FACT_COLUMNS = {
    "product": "product_id",
    "variant": "inventory_id",
    "category": "category",
    "brand": "brand",
    "employee": "employee_id",
    "payment_method": "payment_method",
    "customer": "customer_id",
}
# What the order hours rollup keeps of an order, by the column the definitions name.
ORDER_HOUR_SUMS = {"final_total_price": "total", "tax": "tax", "discount": "discount"}
ORDER_DAY_DIMENSIONS = frozenset({"day", "week", "month", "weekday", "employee", "payment_method"})
ITEM_ROLLUP_DIMENSIONS = frozenset({"day", "week", "month", "weekday", *ITEM_DIMENSIONS})
ITEM_ROLLUP_METRICS = frozenset({"revenue", "units_sold", "cancelled_value", "refunded_value"})
CUSTOMER_MONTH_DIMENSIONS = frozenset({"month", "customer"})


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


def spelled(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """A free-text value as it is compared (the database's metrics_spelling)."""
    return sa.func.metrics_spelling(column)


@dataclass
class Source:
    """Where the facts come from: the CTE, how each grouping and measure reads it."""

    name: str
    rows: sa.CTE
    dimension: Callable[[str], ColumnElement[Any]]
    aggregate: Callable[[str], ColumnElement[Any]]


def _time(name: str, day: ColumnElement[Any], hour: ColumnElement[Any]) -> ColumnElement[Any]:
    if name == "day":
        return sa.cast(day, sa.Date)
    if name in ("week", "month"):
        return sa.cast(sa.func.date_trunc(sa.literal_column(f"'{name}'"), day), sa.Date)
    if name == "weekday":
        return sa.cast(sa.extract("isodow", day), sa.Integer) - 1
    return sa.cast(hour, sa.Integer)


def _payment_filtered(source: Any, spelling: ColumnElement[Any], f: Filters) -> tuple[Any, Any]:
    pay = _payment_map()
    source = source.outerjoin(pay, pay.c.spelling == spelling)
    return source, sa.func.coalesce(pay.c.key, spelling)


def _item_facts(question: Question, source: Any) -> tuple[Any, list[ColumnElement[Any]]]:
    """Order items joined to their orders (and products when a name is grouped or filtered)."""
    f = question.filters
    source = source.join(order_items, order_items.c.order_id == orders.c.id)
    columns: list[ColumnElement[Any]] = [
        order_items.c.product_id,
        order_items.c.inventory_id,
        order_items.c.quantity,
        order_items.c.total_price.label("item_total"),
    ]
    if {"category", "brand"} & set(question.group_by) or f.categories or f.brands:
        source = source.join(products, products.c.id == order_items.c.product_id)
        columns += [
            spelled(products.c.category).label("category"),
            spelled(products.c.brand).label("brand"),
        ]
    return source, columns


def _order_units() -> ColumnElement[Any]:
    """An order's units: the sum of its items' quantities."""
    return (
        sa.select(sa.func.coalesce(sa.func.sum(order_items.c.quantity), 0))
        .where(order_items.c.order_id == orders.c.id)
        .scalar_subquery()
    )


def table_source(question: Question) -> Source:
    """The tables themselves: orders, or order items with their order's columns."""
    f = question.filters
    local_ts = sa.func.timezone(sa.bindparam("tz", question.timezone), orders.c.created_at)
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
    if question.first_orders and question.use_rollups:
        # New customers: from their first orders (by index), not the period's every order.
        source = customer_first.join(orders, orders.c.id == customer_first.c.first_order)
    if question.item_grain:
        source, more = _item_facts(question, source)
        columns += more
    elif needs_units:
        columns.append(_order_units().label("units"))
    conditions: list[ColumnElement[Any]] = [
        orders.c.created_at >= sa.bindparam("lower", question.lower),
        orders.c.created_at < sa.bindparam("upper", question.upper),
        orders.c.status.in_(statuses_needed(question.metrics)),
    ]
    if "payment_method" in question.group_by or f.payment is not None:
        source, payment = _payment_filtered(source, spelled(orders.c.payment_method), f)
        columns.append(payment.label("payment_method"))
        if f.payment is not None:
            conditions.append(payment == sa.bindparam("payment", f.payment))
    if f.premium is not None:
        source = source.join(customers, customers.c.id == orders.c.customer_id)
        conditions.append(
            sa.func.coalesce(customers.c.premium, False) == sa.bindparam("premium", f.premium)
        )
    conditions += _order_conditions(f)
    conditions += _item_conditions(f, order_items.c.product_id)
    if question.first_orders:
        conditions.append(_first_order_condition(question))
    rows = sa.select(*columns).select_from(source).where(*conditions).cte("facts")
    c = rows.c

    def dimension(name: str) -> ColumnElement[Any]:
        if name in TIME_DIMENSIONS:
            return _time(name, c.local_ts, sa.extract("hour", c.local_ts))
        return sa.cast(c[FACT_COLUMNS[name]], sa.Text)

    return Source("tables", rows, dimension, _fact_aggregate(c, question.item_grain))


def _fact_aggregate(c: Any, item_grain: bool) -> Callable[[str], ColumnElement[Any]]:
    """How a metric aggregates the tables' facts (orders counted once at item grain)."""

    def aggregate(name: str) -> ColumnElement[Any]:
        metric = METRICS[name]
        when = c.status == metric.status
        if metric.kind == "count":
            counted = sa.func.count(sa.distinct(c.order_id)) if item_grain else sa.func.count()
            return counted.filter(when)
        if metric.kind in ("distinct", "new"):
            return sa.func.count(sa.distinct(c.customer_id)).filter(when)
        column = metric.item_column if item_grain else metric.column
        assert column is not None
        return sa.func.coalesce(sa.func.sum(c[column]).filter(when), ZERO)

    return aggregate


def _first_order_condition(question: Question) -> ColumnElement[Any]:
    """The order is its customer's first completed order ever: from the table the triggers
    keep, or — reading the tables alone — no completed order of theirs comes before it."""
    if question.use_rollups:  # the facts start from metrics_customer_first (see the source)
        return sa.and_(
            customer_first.c.first_at >= sa.bindparam("lower", question.lower),
            customer_first.c.first_at < sa.bindparam("upper", question.upper),
        )
    earlier = orders.alias("earlier")
    before = (
        sa.select(sa.literal_column("1"))
        .where(
            earlier.c.customer_id == orders.c.customer_id,
            earlier.c.status == COMPLETED,
            sa.tuple_(earlier.c.created_at, earlier.c.id)
            < sa.tuple_(orders.c.created_at, orders.c.id),
        )
        .exists()
    )
    return sa.and_(orders.c.status == COMPLETED, sa.not_(before))


def _order_conditions(f: Filters) -> list[ColumnElement[Any]]:
    out: list[ColumnElement[Any]] = []
    if f.employees is not None:
        out.append(sa.cast(orders.c.creator_id, sa.Text).in_(f.employees))
    if f.customers is not None:
        out.append(orders.c.customer_id.in_(f.customers))
    if f.min_amount is not None:
        out.append(orders.c.final_total_price >= sa.bindparam("min_amount", f.min_amount))
    if f.max_amount is not None:
        out.append(orders.c.final_total_price <= sa.bindparam("max_amount", f.max_amount))
    return out


def _item_conditions(f: Filters, product: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    out: list[ColumnElement[Any]] = []
    if f.products is not None:
        out.append(sa.cast(product, sa.Text).in_(f.products))
    if f.categories is not None:
        out.append(spelled(products.c.category).in_(f.categories))
    if f.brands is not None:
        out.append(spelled(products.c.brand).in_(f.brands))
    return out


def _order_rollup_source(question: Question, by_hour: bool) -> Source:
    """The order days rollup (by staff and payment too), or the order hours one."""
    f = question.filters
    table = order_hours if by_hour else order_days
    zone: ColumnElement[str] = sa.bindparam("zone", question.timezone)
    source: Any = table
    columns: list[ColumnElement[Any]] = [
        table.c[name] for name in ("day", "status", "orders", "total", "tax", "discount", "units")
    ]
    columns.append(table.c.hour if by_hour else table.c.employee_id)
    conditions: list[ColumnElement[Any]] = [
        table.c.zone == zone,
        table.c.day >= sa.bindparam("start", question.start),
        table.c.day <= sa.bindparam("end", question.end),
        table.c.status.in_(statuses_needed(question.metrics)),
        table.c.orders != 0,  # a bucket every order has left (moved, deleted)
    ]
    if "payment_method" in question.group_by or f.payment is not None:
        source, payment = _payment_filtered(source, table.c.payment, f)
        columns.append(payment.label("payment_method"))
        if f.payment is not None:
            conditions.append(payment == sa.bindparam("payment", f.payment))
    if f.employees is not None:
        conditions.append(sa.cast(table.c.employee_id, sa.Text).in_(f.employees))
    rows = sa.select(*columns).select_from(source).where(*conditions).cte("facts")
    c = rows.c

    def dimension(name: str) -> ColumnElement[Any]:
        if name in TIME_DIMENSIONS:
            return _time(name, c.day, c.hour if by_hour else ZERO)
        column = {"employee": "employee_id", "payment_method": "payment_method"}[name]
        return sa.cast(c[column], sa.Text)

    def aggregate(name: str) -> ColumnElement[Any]:
        metric = METRICS[name]
        when = c.status == metric.status
        column = "orders" if metric.kind == "count" else ORDER_HOUR_SUMS.get(metric.column or "")
        column = column or str(metric.column)
        return sa.func.coalesce(sa.func.sum(c[column]).filter(when), ZERO)

    return Source("order_hours" if by_hour else "order_days", rows, dimension, aggregate)


def _customer_months_source(question: Question, months: tuple[date, date]) -> Source:
    """Whole months from the customer months rollup, the days around them from the orders."""
    f = question.filters
    zone: ColumnElement[str] = sa.bindparam("zone", question.timezone)
    statuses = statuses_needed(question.metrics)
    first, last = months
    after_last = next_month(last)
    rolled = sa.select(
        customer_months.c.month,
        customer_months.c.status,
        customer_months.c.customer_id,
        customer_months.c.orders,
        customer_months.c.total,
        customer_months.c.tax,
        customer_months.c.discount,
        customer_months.c.units,
    ).where(
        customer_months.c.zone == zone,
        customer_months.c.month >= first,
        customer_months.c.month <= last,
        customer_months.c.status.in_(statuses),
        customer_months.c.orders != 0,
    )
    local = sa.func.timezone(zone, orders.c.created_at)
    lower, upper = question.lower, question.upper
    first_at = sa.func.timezone(zone, sa.cast(first, sa.DateTime))
    after_at = sa.func.timezone(zone, sa.cast(after_last, sa.DateTime))
    units = _order_units()
    edges = (
        sa.select(
            sa.cast(sa.func.date_trunc(sa.literal_column("'month'"), local), sa.Date).label(
                "month"
            ),
            orders.c.status,
            orders.c.customer_id,
            sa.func.count().label("orders"),
            sa.func.sum(orders.c.final_total_price).label("total"),
            sa.func.sum(sa.func.coalesce(orders.c.tax, 0)).label("tax"),
            sa.func.sum(sa.func.coalesce(orders.c.discount, 0)).label("discount"),
            sa.func.sum(units).label("units"),
        )
        .where(
            sa.or_(
                sa.and_(orders.c.created_at >= lower, orders.c.created_at < first_at),
                sa.and_(orders.c.created_at >= after_at, orders.c.created_at < upper),
            ),
            orders.c.status.in_(statuses),
        )
        .group_by(sa.literal_column("1"), orders.c.status, orders.c.customer_id)
    )
    # Whole months only: the rollup alone, so the database can read it in customer order.
    whole = first == question.start and after_last == question.end + timedelta(days=1)
    union = (rolled if whole else sa.union_all(rolled, edges)).subquery("months")
    source: Any = union
    conditions: list[ColumnElement[Any]] = []
    if f.customers is not None:
        conditions.append(union.c.customer_id.in_(f.customers))
    if f.premium is not None:
        source = source.join(customers, customers.c.id == union.c.customer_id)
        conditions.append(
            sa.func.coalesce(customers.c.premium, False) == sa.bindparam("premium", f.premium)
        )
    rows = sa.select(union).select_from(source).where(*conditions).cte("facts")
    c = rows.c

    def dimension(name: str) -> ColumnElement[Any]:
        return c.month if name == "month" else sa.cast(c.customer_id, sa.Text)

    def aggregate(name: str) -> ColumnElement[Any]:
        metric = METRICS[name]
        when = c.status == metric.status
        if metric.kind == "distinct":
            return sa.func.count(sa.distinct(c.customer_id)).filter(when)
        column = "orders" if metric.kind == "count" else ORDER_HOUR_SUMS.get(metric.column or "")
        column = column or str(metric.column)
        return sa.func.coalesce(sa.func.sum(c[column]).filter(when), ZERO)

    return Source("customer_months", rows, dimension, aggregate)


def _item_rollup_source(question: Question) -> Source:
    """The item rollups: whole months from the month table, the days around them from the
    day table (days only when a grouping needs them)."""
    f = question.filters
    zone: ColumnElement[str] = sa.bindparam("zone", question.timezone)
    statuses = statuses_needed(question.metrics)
    by_day = bool({"day", "week", "weekday"} & set(question.group_by))
    months = None if by_day else whole_months(question.start, question.end)

    def part(table: sa.Table, when: ColumnElement[Any], day: ColumnElement[Any]) -> sa.Select:
        source: Any = table
        conditions = [table.c.zone == zone, table.c.status.in_(statuses), table.c.lines != 0, when]
        wants_names = {"category", "brand"} & set(question.group_by)
        if wants_names or f.categories or f.brands:
            source = source.join(products, products.c.id == table.c.product_id)
        conditions += _item_conditions(f, table.c.product_id)
        columns = [
            day.label("day"),
            table.c.status,
            table.c.product_id,
            table.c.inventory_id,
            table.c.units,
            table.c.total,
        ]
        if wants_names:
            columns += [
                spelled(products.c.category).label("category"),
                spelled(products.c.brand).label("brand"),
            ]
        return sa.select(*columns).select_from(source).where(*conditions)

    start, end = question.start, question.end
    days = item_days.c.day
    rows_sql: Any
    if months is None:
        rows_sql = part(item_days, sa.and_(days >= start, days <= end), days)
    else:
        first, last = months
        month_part = part(
            item_months,
            sa.and_(item_months.c.month >= first, item_months.c.month <= last),
            item_months.c.month,
        )
        edges = sa.or_(
            sa.and_(days >= start, days < first),
            sa.and_(days > (last.replace(day=28) + timedelta(days=4)).replace(day=1)
                    - timedelta(days=1), days <= end),
        )  # fmt: skip
        rows_sql = sa.union_all(month_part, part(item_days, edges, days))
    rows = rows_sql.cte("facts")
    c = rows.c

    def dimension(name: str) -> ColumnElement[Any]:
        if name in TIME_DIMENSIONS:
            return _time(name, c.day, ZERO)
        return sa.cast(c[FACT_COLUMNS[name]], sa.Text)

    def aggregate(name: str) -> ColumnElement[Any]:
        metric = METRICS[name]
        column = "units" if metric.item_column == "quantity" else "total"
        return sa.func.coalesce(sa.func.sum(c[column]).filter(c.status == metric.status), ZERO)

    return Source("item_rollups", rows, dimension, aggregate)


def choose_source(question: Question) -> Source:
    """The cheapest source that answers the question exactly."""
    dims = set(question.group_by)
    needed = set(base_metrics(question.metrics))
    f = question.filters
    whole = whole_months(question.start, question.end)
    if (
        question.use_rollups
        and whole is not None
        and not question.item_grain
        and dims <= CUSTOMER_MONTH_DIMENSIONS
        and ("customer" in dims or f.customers is not None or "customers" in needed)
        and f.employees is None
        and f.payment is None
        and f.min_amount is None
        and f.max_amount is None
    ):
        return _customer_months_source(question, whole)
    if question.use_rollups and not f.per_order:
        if not question.item_grain and "customers" not in needed:
            if dims <= ORDER_DAY_DIMENSIONS:
                return _order_rollup_source(question, by_hour=False)
            by_staff = f.employees is not None or f.payment is not None
            if dims <= set(TIME_DIMENSIONS) and not by_staff:
                return _order_rollup_source(question, by_hour=True)
        if (
            question.item_grain
            and dims <= ITEM_ROLLUP_DIMENSIONS
            and needed <= ITEM_ROLLUP_METRICS
            and f.employees is None
            and f.payment is None
        ):
            return _item_rollup_source(question)
    return table_source(question)
