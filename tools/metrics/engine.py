"""`query_metrics`: measures × groupings × periods × comparisons, computed by PostgreSQL.

The model never does arithmetic: totals, grouped rows, the other period's figures and the
changes (absolute and in percent) all come from here. Ratios (average order, items per
order) are divided from their exact sums; money keeps two decimals.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from core.periods import day_bounds, local_today
from database import load_sql
from tools.args import ToolArgumentError, validate_args
from tools.metrics.args import MetricsArgs
from tools.metrics.definitions import METRICS, TIME_DIMENSIONS, WEEKDAYS
from tools.metrics.periods import Period, buckets, classify, compared
from tools.metrics.query import (
    Top,
    active_customers,
    counts_customers_apart,
    grouped,
    new_customers,
    ranked,
)
from tools.metrics.question import Compiled, Question
from tools.metrics.resolve import Resolved, resolve
from tools.readonly import ReadOnlyQueries

SQL = load_sql("metrics.sql")
CENT = Decimal("0.01")
WORK_MEM = "64MB"
NAMES_AS_WRITTEN = {"category": "metrics_categories", "brand": "metrics_brands"}
Key = tuple[Any, ...]


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT, ROUND_HALF_UP)


def _ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    if not denominator:
        return Decimal("0.00")
    return (Decimal(numerator) / Decimal(denominator)).quantize(CENT, ROUND_HALF_UP)


def finish(values: dict[str, Any], metrics: list[str]) -> dict[str, Any]:
    """The requested metrics of one row from its base sums (ratios divided, money rounded)."""
    out: dict[str, Any] = {}
    for name in metrics:
        metric = METRICS[name]
        if metric.parts is not None:
            top, bottom = (Decimal(values.get(part) or 0) for part in metric.parts)
            out[name] = _ratio(top, bottom)
        elif metric.money:
            out[name] = _money(values.get(name))
        else:
            out[name] = int(values.get(name) or 0)
    return out


def change(current: Any, previous: Any) -> dict[str, Any]:
    """The absolute change and the change in percent (None when there was nothing before)."""
    delta = current - previous
    percent = (
        (Decimal(delta) * 100 / Decimal(previous)).quantize(Decimal("0.1"), ROUND_HALF_UP)
        if previous
        else None
    )
    return {"absolute": delta, "percent": percent}


class MetricsQueries(ReadOnlyQueries):
    """The metrics layer over the shop's tables; build with no arguments after init_database()."""

    SQL = SQL
    # Tests turn it off to compare the rollups with the tables they summarise.
    use_rollups = True

    async def query_metrics(self, **arguments: Any) -> dict[str, Any]:
        """Measures over a period, grouped and compared as asked (see MetricsArgs)."""
        args = validate_args(MetricsArgs, arguments)
        today = local_today(self.tz)
        # Each bound defaults to today: "since Monday" runs to today, "until the 5th" is one
        # day when only the end is given.
        start = args.start_date or args.end_date or today
        end = args.end_date or max(start, today)
        period = classify(start, end)
        resolved = await resolve(self._fetch, args)
        rollups = self.use_rollups and await self._rollups_built()
        group_by: list[str] = list(args.group_by)
        metrics: list[str] = list(args.metrics)
        if args.order_by and args.order_by not in metrics:
            metrics.append(args.order_by)
        other = compared(period, args.compare_to) if args.compare_to else None
        time_first = bool(group_by) and group_by[0] in TIME_DIMENSIONS
        ranked = bool(group_by) and (args.order_by is not None or not time_first)
        metric = args.order_by or args.metrics[0]
        # Many groups (every customer, every product) are ranked by the database, which sends
        # back only the best ones; empty time buckets and comparisons need every group.
        top = None
        if ranked and other is None and metric != "new_customers":
            if not any(name in TIME_DIMENSIONS for name in group_by):
                top = Top(metric, args.descending, args.limit)
        runs = [self._measure(metrics, group_by, resolved, period, rollups, top)]
        if other is not None:
            runs.append(self._measure(metrics, group_by, resolved, other, rollups))
        results = await asyncio.gather(*runs)
        current, groups = results[0]
        previous = results[1][0] if other is not None else None
        rows = self._rows(group_by, metrics, period, other, current, previous)
        total_rows = groups if top is not None else len(rows)
        if ranked:
            rows.sort(key=lambda row: row[metric], reverse=args.descending)
            # Rows tied with the last one shown are named before ties are broken by name.
            cut = rows[min(args.limit, len(rows)) - 1][metric] if rows else None
            rows = [row for i, row in enumerate(rows) if i < args.limit or row[metric] == cut]
        else:
            rows = rows[: args.limit]
        labels = await self._labels(group_by, rows)
        rows = [self._present(row, group_by, labels) for row in rows]
        if ranked:
            # Ties go by name, so the same question lists the same way every time.
            rows.sort(key=lambda row: tuple(str(row[d]) for d in group_by))
            rows.sort(key=lambda row: row[metric], reverse=args.descending)
        shown = rows[: args.limit]
        result: dict[str, Any] = {
            "period": period.describe(),
            "metrics": list(args.metrics),
            "group_by": group_by,
            "filters": resolved.matched,
            "totals": finish(current[()], metrics),
        }
        if other is not None and previous is not None:
            result["compare_to"] = args.compare_to
            result["previous_period"] = other.describe()
            result["previous_totals"] = finish(previous[()], metrics)
            result["changes"] = {
                name: change(result["totals"][name], result["previous_totals"][name])
                for name in metrics
            }
        result["rows"] = shown
        result["total_rows"] = total_rows
        result["truncated"] = total_rows > len(shown)
        return result

    async def _measure(
        self,
        metrics: list[str],
        group_by: list[str],
        resolved: Resolved,
        period: Period,
        rollups: bool,
        top: Top | None = None,
    ) -> tuple[dict[Key, dict[str, Any]], int]:
        """Base sums keyed by the grouping values, the totals under the key (); and how many
        groups there are."""
        lower, upper = day_bounds(period.start, period.end, self.tz)
        assert lower is not None and upper is not None
        question = Question(
            metrics,
            list(group_by),
            resolved.filters,
            period.start,
            period.end,
            lower,
            upper,
            self.settings.SHOP_TIMEZONE,
            use_rollups=rollups,
        )
        if top is None:
            statements = self._statements(question)
            leaders = len(statements)
        else:  # the totals apart (from the cheapest source), then only the best groups
            totals = replace(question, group_by=[], per_item=question.item_grain)
            statements = self._statements(totals)
            statements.append(ranked(question, top))
            leaders = len(statements)
            if "new_customers" in metrics:
                statements.append(new_customers(question))
        answers = await asyncio.gather(*(self._run(s) for s in statements))
        out: dict[Key, dict[str, Any]] = {(): {}}
        groups = 0
        for index, rows in enumerate(answers):
            for row in rows:
                key: Key = () if row["is_total"] else tuple(row[f"g_{d}"] for d in group_by)
                if index >= leaders and key not in out:
                    continue  # a group the ranking left out
                values = out.setdefault(key, {})
                values.update({k: v for k, v in row.items() if k in METRICS})
                if key and "n_groups" in row:
                    groups = int(row["n_groups"])
        return out, groups if top is not None else len(out) - 1

    @staticmethod
    def _statements(question: Question) -> list[Compiled]:
        """The statements of one question (customers and new customers counted apart)."""
        statements: list[Compiled] = []
        metrics = question.metrics
        if counts_customers_apart(question):
            statements.append(active_customers(question))
            question = replace(question, metrics=[m for m in metrics if m != "customers"])
        if question.metrics and question.metrics != ["new_customers"]:
            statements.append(grouped(question))
        if "new_customers" in metrics:
            statements.append(new_customers(question))
        return statements

    async def _rollups_built(self) -> bool:
        """Whether this zone's rollups exist (init_database builds the process's own zone; a
        caller asking in another zone reads the tables)."""
        rows = await self._fetch("metrics_zone_built", [self.settings.SHOP_TIMEZONE])
        return bool(rows)

    async def _run(self, statement: Compiled) -> list[dict[str, Any]]:
        from database import fetch_readonly

        return await fetch_readonly(
            statement.sql,
            statement.params,
            timeout_ms=self.timeout_ms,
            connection_name=self.connection_name,
            # Grouping a year by customer hashes ~50k groups: in memory, not on disk.
            local_settings={"work_mem": WORK_MEM},
        )

    def _rows(
        self,
        group_by: list[str],
        metrics: list[str],
        period: Period,
        other: Period | None,
        current: dict[Key, dict[str, Any]],
        previous: dict[Key, dict[str, Any]] | None,
    ) -> list[dict[str, Any]]:
        if not group_by:
            return []
        keys = self._keys(group_by, period, current)
        aligned = self._aligner(group_by, period, other)
        rows: list[dict[str, Any]] = []
        for key in keys:
            row: dict[str, Any] = {"key": key, **finish(current.get(key, {}), metrics)}
            if previous is not None:
                before = finish(previous.get(aligned(key), {}), metrics)
                for name in metrics:
                    row[f"previous_{name}"] = before[name]
                    delta = change(row[name], before[name])
                    row[f"change_{name}"] = delta["absolute"]
                    row[f"change_{name}_percent"] = delta["percent"]
            rows.append(row)
        return rows

    @staticmethod
    def _keys(group_by: list[str], period: Period, seen: dict[Key, Any]) -> list[Key]:
        """Every row's key in order: time buckets complete (empty ones too), the rest as found."""
        found = [key for key in seen if key != ()]
        values: list[list[Any]] = []
        for index, name in enumerate(group_by):
            if name in TIME_DIMENSIONS:
                values.append(list(buckets(name, period)))
            else:
                present = {key[index] for key in found}
                values.append(sorted(present, key=lambda v: (v is None, str(v))))
        if len(group_by) == 1:
            return [(value,) for value in values[0]]
        if not any(name in TIME_DIMENSIONS for name in group_by):
            return sorted(found, key=lambda key: tuple((v is None, str(v)) for v in key))
        # A time grouping with another: every bucket for every value that occurs.
        return [(a, b) for a in values[0] for b in values[1]]

    @staticmethod
    def _aligner(group_by: list[str], period: Period, other: Period | None) -> Any:
        """Maps a key of the period to the comparable key of the other period: the n-th day,
        week or month matches the n-th; weekdays, hours and names match themselves."""
        if other is None:
            return lambda key: key

        def shift(value: Any, name: str) -> Any:
            if name == "day" and isinstance(value, date):
                return other.start + (value - period.start)
            if name == "week" and isinstance(value, date):
                monday = period.start - timedelta(days=period.start.weekday())
                other_monday = other.start - timedelta(days=other.start.weekday())
                return other_monday + (value - monday)
            if name == "month" and isinstance(value, date):
                months = (value.year - period.start.year) * 12 + value.month - period.start.month
                index = other.start.year * 12 + other.start.month - 1 + months
                return date(index // 12, index % 12 + 1, 1)
            return value

        return lambda key: tuple(shift(v, n) for v, n in zip(key, group_by, strict=True))

    async def _labels(self, group_by: list[str], rows: list[dict[str, Any]]) -> dict[str, dict]:
        """Display names of the ids in the rows (products, variants, staff, customers)."""
        queries = {
            "product": "metrics_product_labels",
            "variant": "metrics_variant_labels",
            "employee": "metrics_employee_labels",
            "customer": "metrics_customer_labels",
        }
        labels: dict[str, dict[Any, str]] = {}
        for index, name in enumerate(group_by):
            if name in NAMES_AS_WRITTEN:  # as the catalog writes them, not lower-cased
                found = await self._fetch(NAMES_AS_WRITTEN[name], [])
                labels[name] = {str(r["key"]): str(r["name"]) for r in found}
                continue
            if name not in queries:
                continue
            ids = sorted({str(row["key"][index]) for row in rows if row["key"][index] is not None})
            found = await self._fetch(queries[name], [ids]) if ids else []
            labels[name] = {
                str(r["id"]): (
                    f"{r['name']} ({r['classification']})"
                    if r.get("classification")
                    else str(r["name"])
                )
                for r in found
            }
        return labels

    @staticmethod
    def _present(row: dict[str, Any], group_by: list[str], labels: dict[str, dict]) -> dict:
        out: dict[str, Any] = {}
        for value, name in zip(row["key"], group_by, strict=True):
            out[name] = _label(name, value, labels)
        out.update({k: v for k, v in row.items() if k != "key"})
        return out


def _label(name: str, value: Any, labels: dict[str, dict]) -> Any:
    if value is None:
        return {"employee": "(no staff member)", "payment_method": "(not recorded)"}.get(
            name, "(none)"
        )
    if name == "weekday":
        return WEEKDAYS[int(value)]
    if name == "hour":
        return f"{int(value):02d}:00"
    if name == "month" and isinstance(value, date):
        return value.strftime("%Y-%m")
    if isinstance(value, date | datetime):
        return value.isoformat()
    if name in labels:
        return labels[name].get(str(value), str(value))
    return value


__all__ = ["MetricsQueries", "ToolArgumentError"]
