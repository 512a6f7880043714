"""The metrics layer in the analytics benchmark: `query_metrics` over a month and a year for
every grouping, against the same question read straight from the tables (no rollups) in the
same run; and what the rollups cost a writer: one order with its items inserted, with and
without the triggers' work.

Used by `python -m bench.analytics` (its `--only query_metrics` runs just these).
"""

from __future__ import annotations

import functools
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from loguru import logger
from tortoise.transactions import in_transaction

from bench.common import Timing, percentile, time_calls
from tools.metrics.engine import MetricsQueries

MONTH_TARGET_MS = 100.0
YEAR_TARGET_MS = 300.0
GROUPINGS = (
    None, "day", "week", "month", "weekday", "hour", "product", "variant", "category", "brand",
    "employee", "payment_method", "customer",
)  # fmt: skip


@dataclass
class MetricsCase:
    """One question over a span, timed through the rollups and from the tables."""

    label: str
    kwargs: dict[str, Any]
    target_ms: float
    timing: Timing | None = None
    baseline: Timing | None = None
    error: str | None = None

    @property
    def passed(self) -> bool:
        return self.timing is not None and percentile(self.timing.samples_ms, 95) <= self.target_ms


def metrics_cases(today: date) -> list[MetricsCase]:
    """Every grouping over last month and over the last twelve whole months, plus the
    comparisons, the customer counts and two filters."""
    first = today.replace(day=1)
    month = ((first - timedelta(days=1)).replace(day=1), first - timedelta(days=1))
    start = month[0]
    year_start = (
        date(start.year - 1, start.month + 1, 1) if start.month < 12 else date(start.year, 1, 1)
    )
    year = (year_start, month[1])
    spans = (("month", month, MONTH_TARGET_MS), ("year", year, YEAR_TARGET_MS))
    cases: list[MetricsCase] = []
    for span, (start, end), target in spans:
        base = {"start_date": start.isoformat(), "end_date": end.isoformat()}
        for grouping in GROUPINGS:
            metrics = ["revenue", "orders"]
            if grouping in ("product", "variant", "category", "brand"):
                metrics = ["revenue", "units_sold"]
            kwargs: dict[str, Any] = {**base, "metrics": metrics}
            if grouping:
                kwargs["group_by"] = [grouping]
            cases.append(MetricsCase(f"{span}, by {grouping or 'nothing'}", kwargs, target))
        extra: list[tuple[str, dict[str, Any]]] = [
            ("vs previous", {"metrics": ["revenue", "orders"], "compare_to": "previous_period"}),
            ("customers, new", {"metrics": ["customers", "new_customers"]}),
            (
                "cash, by staff",
                {"metrics": ["revenue"], "group_by": ["employee"], "payment_method": "cash"},
            ),  # fmt: skip
            (
                "busiest weekday",
                {"metrics": ["orders"], "group_by": ["weekday"], "order_by": "orders", "limit": 7},
            ),  # fmt: skip
        ]
        for label, kwargs in extra:
            cases.append(MetricsCase(f"{span}, {label}", {**base, **kwargs}, target))
    return cases


async def measure_metrics(
    cases: list[MetricsCase], repeat: int, budget: float, baseline_budget: float
) -> None:
    """Time every case through the rollups, then from the tables (the baseline)."""
    rolled, tables = MetricsQueries(), MetricsQueries()
    tables.use_rollups = False
    for case in cases:
        try:
            call = functools.partial(rolled.query_metrics, **case.kwargs)
            case.timing = await time_calls(call, repeat, budget_s=budget, min_samples=5)
            plain = functools.partial(tables.query_metrics, **case.kwargs)
            case.baseline = await time_calls(plain, 3, budget_s=baseline_budget, min_samples=2)
        except Exception as exc:
            case.error = f"{type(exc).__name__}: {exc}"
            logger.error("query_metrics {}: {}", case.label, case.error)
            continue
        if case.timing.result != case.baseline.result:
            case.error = "the rollups and the tables disagree"
            logger.error("query_metrics {}: {}", case.label, case.error)
        logger.info(
            "query_metrics / {}: median {:.1f} ms (tables {:.1f} ms)",
            case.label,
            case.timing.median_ms,
            case.baseline.median_ms,
        )


INSERT_ORDER = """
INSERT INTO orders (customer_id, creator_id, status, final_total_price, tax, discount,
                    payment_method, created_at)
SELECT (SELECT id FROM customers ORDER BY id LIMIT 1), (SELECT id FROM employees LIMIT 1), 1,
       135000, 0, 0, 'cash', now()
RETURNING id
"""
INSERT_ITEMS = """
INSERT INTO order_items (order_id, product_id, inventory_id, quantity, total_price)
SELECT $1, product_id, id, 1, price FROM product_inventory ORDER BY id LIMIT 3
"""


async def _insert_once(with_rollups: bool) -> float:
    """One order and its three items, as a point of sale writes them; rolled back."""
    async with in_transaction() as tx:
        if not with_rollups:  # no zone registered: the triggers return at once
            await tx.execute_query("DELETE FROM metrics_zones")
        started = time.perf_counter()
        rows = await tx.execute_query_dict(INSERT_ORDER)
        await tx.execute_query(INSERT_ITEMS, [rows[0]["id"]])
        elapsed = (time.perf_counter() - started) * 1000
        await tx.rollback()
    return elapsed


async def measure_insert(samples: int = 50) -> dict[str, Any]:
    """Median and p95 of one order insert, with the rollups' triggers and without (ms)."""
    figures: dict[str, Any] = {}
    for label, with_rollups in (("without rollups", False), ("with rollups", True)):
        times = [await _insert_once(with_rollups) for _ in range(samples + 3)][3:]
        figures[label] = {
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(percentile(times, 95), 2),
        }
    return figures


def print_metrics(cases: list[MetricsCase], insert: dict[str, Any] | None) -> None:
    print()
    print("query_metrics through the rollups vs the same question from the tables (ms):")
    header = f"{'case':<32} {'median':>8} {'p95':>8} {'tables':>9} {'ratio':>8}  target"
    print(header)
    print("-" * len(header))
    for case in cases:
        if case.timing is None or case.baseline is None:
            print(f"{case.label:<32} ERROR {case.error}")
            continue
        med, p95 = case.timing.median_ms, percentile(case.timing.samples_ms, 95)
        base = case.baseline.median_ms
        verdict = "PASS" if case.passed else "MISS"
        line = f"{case.label:<32} {med:>8.1f} {p95:>8.1f} {base:>9.1f} {base / med:>7.1f}x"
        line += f"  {verdict} p95 <= {case.target_ms:.0f}"
        if case.error:
            line += f"  ERROR {case.error}"
        print(line)
    if insert:
        print()
        print("One order with 3 items inserted (ms):", insert)


def metrics_json(cases: list[MetricsCase]) -> list[dict[str, Any]]:
    return [
        {
            "case": case.label,
            "kwargs": case.kwargs,
            "timing": case.timing.summary() if case.timing else None,
            "tables": case.baseline.summary() if case.baseline else None,
            "target_p95_ms": case.target_ms,
            "passed": case.passed,
            "error": case.error,
        }
        for case in cases
    ]
