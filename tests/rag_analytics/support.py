"""Helpers of the analytics tests: calling a method, reading money and row counts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from tests.analytics_data import Dataset

D = Decimal
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INJECTION = "'; DROP TABLE orders; --"


def money(value: Any) -> Decimal:
    """A money value (Decimal or number, never None or text, at most 2 decimals) as a Decimal."""
    assert value is not None, "money must not be null"
    assert isinstance(value, Decimal | int | float) and not isinstance(value, bool), repr(value)
    exact = Decimal(str(value))
    rounded = exact.quantize(Decimal("0.01"))
    assert exact == rounded, f"{value!r} has more than 2 decimals"
    return rounded


def ask(run: Any, method: str, *args: Any, settings: Any = None, **kwargs: Any) -> Any:
    async def call() -> Any:
        from tools.rag_analytics import RAGShopAnalytics

        analytics = RAGShopAnalytics(settings=settings) if settings else RAGShopAnalytics()
        return await getattr(analytics, method)(*args, **kwargs)

    return run(call())


def count_rows(run: Any, table: str) -> int:
    async def query() -> int:
        from database import connection

        rows = await connection().execute_query_dict(f"SELECT count(*) AS n FROM {table}")
        return int(rows[0]["n"])

    return run(query())


def labels(data: Dataset, rows: list[dict[str, Any]]) -> list[str]:
    return [data.label_of(row["order_id"]) for row in rows]


def total_count(rows: Any) -> int:
    assert hasattr(rows, "total_count"), "list results must carry total_count"
    return int(rows.total_count)


def sales_view(rows: list[dict[str, Any]]) -> list[tuple[str, str | None, int, Decimal]]:
    return [
        (row["product_name"], row["classification"], row["total_sold"], money(row["total_revenue"]))
        for row in rows
    ]
