"""The SQL of one metrics question, composed with SQLAlchemy Core from reviewed definitions.

The builder only composes column expressions from `definitions` (through `sources`); every
value a caller gives (dates, ids, names, amounts, the time zone) is a bound parameter.
Statements are compiled for asyncpg (`$1 … $n`) and run on the one read-only, time-limited
path. Shape: a `facts` CTE from the cheapest exact source, then one aggregate over it with
GROUPING SETS — the grouped rows and the totals in one scan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement

from tools.metrics.definitions import COMPLETED, METRICS
from tools.metrics.question import Compiled, Question, base_metrics, compile_statement
from tools.metrics.sources import choose_source, table_source
from tools.metrics.tables import customers, orders


@dataclass(frozen=True)
class Top:
    """Rank the groups in the database and keep the first `limit` (with their ties)."""

    metric: str
    descending: bool
    limit: int


def _rank_value(metric: str, columns: Any) -> ColumnElement[Any]:
    parts = METRICS[metric].parts
    if parts is None:
        return columns[metric]
    top, bottom = (columns[part] for part in parts)
    return sa.func.coalesce(sa.cast(top, sa.Numeric) / sa.func.nullif(bottom, 0), 0)


def grouped(question: Question) -> Compiled:
    """The grouped rows and the totals row (all groupings NULL, `is_total` true) in one scan."""
    source = choose_source(question)
    dims = [source.dimension(name).label(f"g_{name}") for name in question.group_by]
    measures = [source.aggregate(name).label(name) for name in base_metrics(question.metrics)]
    if not dims:
        statement = sa.select(sa.literal_column("true").label("is_total"), *measures)
        return compile_statement(statement.select_from(source.rows), source.name)
    is_total = sa.func.grouping(*dims) == (2 ** len(dims) - 1)
    statement = (
        sa.select(is_total.label("is_total"), *dims, *measures)
        .select_from(source.rows)
        .group_by(sa.func.grouping_sets(sa.tuple_(*dims), sa.tuple_()))
    )
    return compile_statement(statement, source.name)


def ranked(question: Question, top: Top) -> Compiled:
    """Only the best groups (the first `top.limit` with their ties, best first), each with
    `n_groups`: how many groups there are. The totals are asked apart (see the engine)."""
    source = choose_source(question)
    dims = [source.dimension(name).label(f"g_{name}") for name in question.group_by]
    measures = [source.aggregate(name).label(name) for name in base_metrics(question.metrics)]
    groups = (
        sa.select(sa.literal_column("false").label("is_total"), *dims, *measures)
        .select_from(source.rows)
        .group_by(*dims)
        .cte("groups")
    )
    value = _rank_value(top.metric, groups.c)
    statement = (
        sa.select(groups, sa.func.count().over().label("n_groups"))
        .order_by(value.desc() if top.descending else value.asc())
        .fetch(sa.bindparam("top", top.limit), with_ties=True)
    )
    return compile_statement(statement, source.name)


def counts_customers_apart(question: Question) -> bool:
    """Whether the customers count of an ungrouped question is read customer by customer (an
    index probe each: as fast for a year as for a day) instead of over the period's orders."""
    f = question.filters
    return (
        question.use_rollups
        and not question.group_by
        and "customers" in question.metrics
        and not f.item_level
        and f.employees is None
        and f.payment is None
        and f.min_amount is None
        and f.max_amount is None
    )


def active_customers(question: Question) -> Compiled:
    """How many customers have a completed order in the period (the `customers` metric)."""
    f = question.filters
    ordered = (
        sa.select(sa.literal_column("1"))
        .where(
            orders.c.customer_id == customers.c.id,
            orders.c.status == COMPLETED,
            orders.c.created_at >= sa.bindparam("lower", question.lower),
            orders.c.created_at < sa.bindparam("upper", question.upper),
        )
        .correlate(customers)
        .exists()
    )
    conditions: list[ColumnElement[Any]] = [ordered]
    if f.customers is not None:
        conditions.append(customers.c.id.in_(f.customers))
    if f.premium is not None:
        conditions.append(
            sa.func.coalesce(customers.c.premium, False) == sa.bindparam("premium", f.premium)
        )
    statement: Any = (
        sa.select(sa.literal_column("true").label("is_total"), sa.func.count().label("customers"))
        .select_from(customers)
        .where(*conditions)
    )
    return compile_statement(statement, "customers")


def new_customers(question: Question) -> Compiled:
    """Customers whose first completed order ever falls in the period, grouped and filtered
    by that first order."""
    firsts = Question(
        ["new_customers"], question.group_by, question.filters, question.start, question.end,
        question.lower, question.upper, question.timezone, use_rollups=question.use_rollups,
        first_orders=True,
    )  # fmt: skip
    source = table_source(firsts)
    dims = [source.dimension(name).label(f"g_{name}") for name in question.group_by]
    count = source.aggregate("new_customers").label("new_customers")
    if not dims:
        total: Any = sa.select(sa.literal_column("true").label("is_total"), count)
        return compile_statement(total.select_from(source.rows))
    is_total = sa.func.grouping(*dims) == (2 ** len(dims) - 1)
    statement = (
        sa.select(is_total.label("is_total"), *dims, count)
        .select_from(source.rows)
        .group_by(sa.func.grouping_sets(sa.tuple_(*dims), sa.tuple_()))
    )
    return compile_statement(statement)
