"""One metrics question as the SQL builders read it, and its compiled statement."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import asyncpg

from tools.metrics.definitions import COMPLETED, ITEM_DIMENSIONS, METRICS


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

    @property
    def per_order(self) -> bool:
        """Whether a filter reads what only an order row holds (customer, amount)."""
        return any(
            getattr(self, name) is not None
            for name in ("customers", "premium", "min_amount", "max_amount")
        )


@dataclass
class Question:
    """What to compute: metrics, groupings, filters, the local days and their instants."""

    metrics: list[str]
    group_by: list[str]
    filters: Filters
    start: date
    end: date
    lower: datetime
    upper: datetime
    timezone: str
    use_rollups: bool = True
    first_orders: bool = False  # only each customer's first completed order ever (new ones)
    per_item: bool = False  # facts are order items even without a product in the question
    item_grain: bool = field(init=False)

    def __post_init__(self) -> None:
        self.item_grain = (
            self.per_item
            or self.filters.item_level
            or any(dim in ITEM_DIMENSIONS for dim in self.group_by)
        )


@dataclass(frozen=True)
class Compiled:
    """A statement ready for asyncpg: its text and its values in `$n` order."""

    sql: str
    params: list[Any]
    source: str = "tables"


def compile_statement(statement: sa.sql.ClauseElement, source: str = "tables") -> Compiled:
    """`$n` SQL and its values, for Tortoise/asyncpg's execute_query_dict."""
    compiled: Any = statement.compile(
        dialect=asyncpg.dialect(), compile_kwargs={"render_postcompile": True}
    )
    names = compiled.positiontup or []
    return Compiled(str(compiled), [compiled.params[name] for name in names], source)


def statuses_needed(metrics: list[str]) -> list[int]:
    """The order statuses the metrics read (fewer rows scanned when only sales are asked)."""
    needed: set[int] = set()
    for name in metrics:
        for part in METRICS[name].parts or (name,):
            status = METRICS[part].status
            if status is not None:
                needed.add(status)
    return sorted(needed or {COMPLETED})


def base_metrics(metrics: list[str]) -> list[str]:
    """The summable metrics the requested ones need (ratios need their parts)."""
    needed: list[str] = []
    for name in metrics:
        for part in METRICS[name].parts or (name,):
            if METRICS[part].kind != "new" and part not in needed:
                needed.append(part)
    return needed
