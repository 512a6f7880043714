"""Analytics benchmark: the eight owner methods against a naive baseline, at 1M orders.

Run with `python -m bench.analytics` (or `make bench-analytics`). It creates a
throwaway database `bench_analytics_<hex>` on the embedded server (or on the
server of TEST_DATABASE_URL / DATABASE_URL), applies sql/schema.sql, loads the
demo shop (1M orders, ~3M items) and VACUUM ANALYZEs it; applies the optional
pg_trgm indexes where the server has the extension; then times each method on
typical owner questions (warm-up once, then up to --repeat runs within --budget
seconds) and prints median and p95 per case, the speed-up over the baseline, and
the one-month targets (PASS/MISS). Results also go to bench/results/*.json.

The baseline is bench/naive_analytics.sql, written the way the original blog
post did, run through the same read-only path on a copy of the same data
(`CREATE DATABASE ... TEMPLATE`) that has only single-column indexes: no
composite, covering, partial or trigram ones. The copy is made before the
trigram indexes are created, and its own indexes are rebuilt, so the project's
database never loses any index.

--keep keeps both databases and prints how to reuse them: a database named with
--database (on the default server) or given with --database-url that already has
the requested number of orders is not reloaded, so reruns take a minute or two.

Over 300 lines on purpose: one benchmark per script, runnable alone, with its set-up,
loads and report together.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import psycopg
from loguru import logger
from psycopg import sql

from bench.common import Timing, ratio, time_calls
from bench.metrics import (
    MetricsCase,
    measure_insert,
    measure_metrics,
    metrics_cases,
    metrics_json,
    print_metrics,
)
from config import Settings
from core.periods import local_today, period_range
from database import close_database, connection, fetch_readonly, init_database
from database.connection import describe_url, libpq_url
from database.demo import SHOP_TABLES, apply_schema, has_shop_data, load_demo_data
from database.extensions import apply_optional_extensions
from database.queries import parse_named_queries
from database.rollups import ROLLUP_TABLES
from testing.databases import server_url, with_database
from tools.rag_analytics import (
    NEEDS_RESTOCK,
    RAGShopAnalytics,
    Rows,
    like_pattern,
    payment_spellings,
)

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
NAIVE_SQL = parse_named_queries((BENCH_DIR / "naive_analytics.sql").read_text(encoding="utf-8"))
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"  # the demo shop's
ONE_MONTH_MS = 100.0  # the targets: every method on a one-month range...
SLOW_METHOD_MS = 300.0  # ...except insights and text search
# What the naive copy keeps: one plain index per foreign key and on created_at, as a
# blog's schema would have; the project's composite/covering/partial/trigram ones are dropped.
NAIVE_INDEXES = (
    ("naive_orders_created_idx", "orders", "created_at"),
    ("naive_orders_customer_idx", "orders", "customer_id"),
    ("naive_orders_creator_idx", "orders", "creator_id"),
    ("naive_order_items_order_idx", "order_items", "order_id"),
    ("naive_order_items_inventory_idx", "order_items", "inventory_id"),
    ("naive_order_items_product_idx", "order_items", "product_id"),
    ("naive_product_inventory_product_idx", "product_inventory", "product_id"),
)
TEMPLATE_RETRIES = 20  # CREATE DATABASE ... TEMPLATE fails while autovacuum is connected


# ------------------------------------------------------------------- cases


@dataclass
class Case:
    """One typical question: the method call, the naive queries answering it, its target."""

    method: str
    label: str
    kwargs: dict[str, Any]
    baseline: list[tuple[str, list[Any]]]
    target_ms: float | None = None  # None: not a one-month question (quarter, year, history)


def build_cases(today: date) -> list[Case]:
    """The benchmark's questions, dated relative to the shop's `today`."""
    m0, m1 = period_range("month", 0, today), period_range("month", 1, today)
    days30 = (today - timedelta(days=29), today)
    history = (date(2000, 1, 1), today)  # the naive queries need both dates
    restock = list(NEEDS_RESTOCK)

    def revenue(
        label: str, span: tuple[date, date] | None, target: float | None, **kw: Any
    ) -> Case:
        start, end = span or (None, None)
        spellings = payment_spellings(kw.get("payment_method"))
        params = [start, end, None, None, spellings, None, None, 20]
        kwargs = {"start_date": start, "end_date": end, **kw}
        return Case(
            "get_revenue_by_filters", label, kwargs, [("revenue_by_filters", params)], target
        )

    def summary(label: str, period: str, back: int, target: float | None) -> Case:
        start, end = period_range(period, back, today)
        return Case(
            "get_sales_summary_by_period",
            label,
            {"period": period, "periods_back": back},
            [("sales_summary", [start, end, None])],
            target,
        )

    def best_sellers(span: tuple[date, date], limit: int) -> tuple[str, list[Any]]:
        return ("products_with_sales", [None, None, None, None, None, False, *span, limit])

    def customers(span: tuple[date, date] | None, name: str | None) -> tuple[str, list[Any]]:
        start, end = span or (None, None)
        return (
            "customers_by_criteria",
            [like_pattern(name), None, None, None, None, start, end, 20],
        )

    def search(text: str) -> Case:
        return Case(
            "search_orders_by_text",
            f'"{text}"',
            {"search_text": text},
            [("search_orders_by_text", [like_pattern(text), 20])],
            SLOW_METHOD_MS,
        )

    return [
        revenue("this month", m0, ONE_MONTH_MS),
        revenue("last month", m1, ONE_MONTH_MS),
        revenue("last month, bank", m1, ONE_MONTH_MS, payment_method="bank"),
        revenue("whole history", None, None),
        summary("this month", "month", 0, ONE_MONTH_MS),
        summary("last month", "month", 1, ONE_MONTH_MS),
        summary("this week", "week", 0, ONE_MONTH_MS),
        summary("this quarter", "quarter", 0, None),
        summary("this year", "year", 0, None),
        Case(
            "find_products_by_criteria",
            'name "matcha"',
            {"product_name": "matcha"},
            [("products_by_criteria", [like_pattern("matcha"), None, None, None, None, False, 20])],
            ONE_MONTH_MS,
        ),
        Case(
            "find_products_by_criteria",
            "best sellers last month",
            {"include_sales_data": True, "date_range_start": m1[0], "date_range_end": m1[1]},
            [best_sellers(m1, 20)],
            ONE_MONTH_MS,
        ),
        Case(
            "find_products_by_criteria",
            "best sellers, whole history",
            {"include_sales_data": True},
            [best_sellers(history, 20)],
            None,
        ),
        Case(
            "find_customers_by_criteria",
            "top spenders last month",
            {"date_range_start": m1[0], "date_range_end": m1[1]},
            [customers(m1, None)],
            ONE_MONTH_MS,
        ),
        Case(
            "find_customers_by_criteria",
            'name "Lan Nguyen"',
            {"customer_name": "Lan Nguyen"},
            [customers(None, "Lan Nguyen")],
            ONE_MONTH_MS,
        ),
        Case(
            "find_customers_by_criteria",
            "top spenders, whole history",
            {},
            [customers(None, None)],
            None,
        ),
        Case(
            "get_inventory_status",
            "needs restock",
            {"stock_level": "needs_restock"},
            [("inventory_status", [None, None, restock, 50])],
            ONE_MONTH_MS,
        ),
        Case(
            "get_employee_metrics",
            "last month",
            {"start_date": m1[0], "end_date": m1[1]},
            [("employee_metrics", [None, *m1])],
            ONE_MONTH_MS,
        ),
        Case(
            "get_employee_metrics",
            "whole history",
            {},
            [("employee_metrics", [None, *history])],
            None,
        ),
        search("birthday"),
        search("Lan Nguyen"),
        search("matcha"),
        Case(
            "get_business_insights",
            "last 30 days",
            {"days_back": 30},
            [
                ("sales_summary", [*days30, None]),
                best_sellers(days30, 5),
                ("inventory_status", [None, None, restock, 5]),
            ],
            SLOW_METHOD_MS,
        ),
    ]


def matched(result: Any) -> int | None:
    """How many rows a method's answer covers (orders counted, or rows matched)."""
    if isinstance(result, Rows):
        return result.total_count
    if isinstance(result, dict):
        if "total_orders" in result:
            return int(result["total_orders"])
        if "revenue_summary" in result:
            return int(result["revenue_summary"]["total_orders"])
    return None


# ---------------------------------------------------------------- databases


@dataclass
class Target:
    """The benchmark's database, its naive copy, and which of them this run created."""

    url: str
    admin_url: str
    created: bool
    embedded: bool = False
    naive_url: str = ""
    naive_created: bool = False
    loaded: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return database_name(self.url)


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def count_rows(url: str, table: str) -> int | None:
    """Rows in `table` (None when the table does not exist)."""
    with psycopg.connect(url) as conn:
        try:
            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table)))
            value = row.fetchone()
        except psycopg.errors.UndefinedTable:
            return None
    return int(value[0]) if value else 0


def database_exists(admin_url: str, name: str) -> bool:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        row = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def drop_database(admin_url: str, name: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    logger.info("Dropped database {}", name)


def vacuum_analyze(url: str) -> None:
    """VACUUM ANALYZE the shop tables: statistics, and the visibility map index-only scans need."""
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        tables = sql.SQL(", ").join(sql.Identifier(table) for table in SHOP_TABLES + ROLLUP_TABLES)
        conn.execute(sql.SQL("VACUUM (ANALYZE) {}").format(tables))
    logger.info("VACUUM ANALYZE done in {:.1f}s", time.perf_counter() - started)


def prepare_target(args: argparse.Namespace) -> Target:
    """The database to benchmark, created and loaded unless it can be reused."""
    if args.database_url:
        url = libpq_url(args.database_url)
        target = Target(url, with_database(url, args.admin_database), created=False)
    else:
        admin_url, embedded = server_url()
        name = args.database or f"bench_analytics_{uuid.uuid4().hex[:12]}"
        created = not database_exists(admin_url, name)
        if created:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            logger.info("Created database {}", name)
        target = Target(with_database(admin_url, name), admin_url, created, embedded)
    orders = count_rows(target.url, "orders")
    if orders is not None and orders >= args.orders:
        print(
            f"Note: reusing {target.name}, which already has {orders:,} orders"
            f" (>= {args.orders:,}); not reloading the demo shop."
        )
        target.loaded = {"reused": True}
    else:
        if not target.created and not target.name.startswith("bench_"):
            if asyncio.run(has_shop_data(target.url)):
                raise SystemExit(
                    f"{target.name} has shop data but fewer than {args.orders:,} orders; the"
                    " benchmark replaces shop data only in bench_* databases it may own."
                )
        logger.info("Loading {:,} demo orders into {}", args.orders, describe_url(target.url))
        summary = asyncio.run(load(target.url, args))
        logger.info("Demo shop loaded: {}", summary)
        target.loaded = {"reused": False, "load_seconds": summary.seconds}
    vacuum_analyze(target.url)
    return target


async def load(url: str, args: argparse.Namespace) -> Any:
    await apply_schema(url)
    # Register the shop's zone first, as a serving process would have: the load then
    # includes building its metrics rollups.
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT metrics_build_zone(%s)", [args.timezone])
    return await load_demo_data(
        url,
        orders=args.orders,
        products_scale=args.products_scale,
        timezone=args.timezone,
        replace=True,
    )


def prepare_naive(target: Target) -> None:
    """A copy of the benchmark database with only single-column indexes (reused when kept)."""
    name = f"{target.name}_naive"
    target.naive_url = with_database(target.url, name)
    if database_exists(target.admin_url, name):
        if count_rows(target.naive_url, "orders") == count_rows(target.url, "orders") and (
            _has_index(target.naive_url, NAIVE_INDEXES[0][0])
        ):
            print(f"Note: reusing the baseline copy {name}.")
            return
        drop_database(target.admin_url, name)
    started = time.perf_counter()
    statement = sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY file_copy").format(
        sql.Identifier(name), sql.Identifier(target.name)
    )
    for attempt in range(TEMPLATE_RETRIES):
        try:
            with psycopg.connect(target.admin_url, autocommit=True) as admin:
                admin.execute(statement)
            break
        except psycopg.errors.ObjectInUse:  # someone (autovacuum) is connected to the source
            if attempt == TEMPLATE_RETRIES - 1:
                raise
            time.sleep(1)
    target.naive_created = True
    with psycopg.connect(target.naive_url, autocommit=True) as conn:
        rows = conn.execute(
            """
            SELECT i.indexrelid::regclass::text
              FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
             WHERE t.relname = ANY (%s) AND NOT i.indisprimary AND NOT i.indisunique
            """,
            [list(SHOP_TABLES)],
        ).fetchall()
        for (index,) in rows:
            conn.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(index)))
        for index, table, column in NAIVE_INDEXES:
            conn.execute(
                sql.SQL("CREATE INDEX {} ON {} ({})").format(
                    sql.Identifier(index), sql.Identifier(table), sql.Identifier(column)
                )
            )
    vacuum_analyze(target.naive_url)
    logger.info(
        "Baseline copy {} ready in {:.1f}s (dropped {} indexes)",
        name,
        time.perf_counter() - started,
        len(rows),
    )


def _has_index(url: str, index: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT to_regclass(%s) IS NOT NULL", [index]).fetchone() == (True,)


def data_sizes(url: str) -> dict[str, int | None]:
    tables = ("orders", "order_items", "products", "product_inventory", "customers")
    return {table: count_rows(url, table) for table in tables}


# ------------------------------------------------------------------ timing


@dataclass
class Result:
    case: Case
    timing: Timing | None = None
    baseline: Timing | None = None
    error: str | None = None
    baseline_error: str | None = None

    @property
    def speedup(self) -> float | None:
        if self.timing is None or self.baseline is None:
            return None
        return ratio(self.baseline.median_ms, self.timing.median_ms)

    @property
    def passed(self) -> bool | None:
        if self.case.target_ms is None:
            return None
        return self.timing is not None and self.timing.median_ms <= self.case.target_ms


def bench_settings(url: str, args: argparse.Namespace) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        DATABASE_URL=url,
        SHOP_TIMEZONE=args.timezone,
        ANALYTICS_STATEMENT_TIMEOUT_MS=args.timeout_ms,
        LOAD_DEMO_DATA=False,
    )


async def measure(
    target: Target,
    cases: list[Case],
    args: argparse.Namespace,
    metrics_cases: list[MetricsCase] | None = None,
) -> dict[str, Any]:
    """Time every case on the project's database, then its baseline on the naive copy."""
    results = [Result(case) for case in cases]
    insert: dict[str, Any] | None = None
    started = time.perf_counter()
    await init_database(bench_settings(target.url, args))
    try:
        # init_database applies schema.sql and the optional extensions; applying them
        # again is a no-op that reports which ones this server has.
        extensions = await apply_optional_extensions()
        init_seconds = time.perf_counter() - started
        rows = await connection().execute_query_dict("SELECT version() AS v")
        server = str(rows[0]["v"])
        analytics = RAGShopAnalytics()
        if metrics_cases:
            await measure_metrics(metrics_cases, args.repeat, args.budget, args.baseline_budget)
            insert = await measure_insert()
        for result in results:
            call = functools.partial(getattr(analytics, result.case.method), **result.case.kwargs)
            try:
                result.timing = await time_calls(
                    call, args.repeat, budget_s=args.budget, min_samples=5
                )
            except Exception as exc:  # record it and go on with the others
                result.error = f"{type(exc).__name__}: {exc}"
                logger.error("{} {}: {}", result.case.method, result.case.label, result.error)
            else:
                logger.info(
                    "{} / {}: median {:.1f} ms",
                    result.case.method,
                    result.case.label,
                    result.timing.median_ms,
                )
    finally:
        await close_database()
    if target.naive_url:
        await init_database(bench_settings(target.naive_url, args), apply_schema=False)
        try:
            for result in results:
                try:
                    result.baseline = await time_calls(
                        functools.partial(run_naive, result.case, args.timeout_ms),
                        args.baseline_repeat,
                        budget_s=args.baseline_budget,
                        min_samples=2,
                    )
                except Exception as exc:
                    result.baseline_error = f"{type(exc).__name__}: {exc}"
                    logger.error("baseline {}: {}", result.case.label, result.baseline_error)
                else:
                    logger.info(
                        "baseline {} / {}: median {:.1f} ms",
                        result.case.method,
                        result.case.label,
                        result.baseline.median_ms,
                    )
        finally:
            await close_database()
    return {
        "results": results,
        "server": server,
        "extensions": extensions,
        "init_seconds": init_seconds,
        "insert": insert,
    }


async def run_naive(case: Case, timeout_ms: int) -> list[list[dict[str, Any]]]:
    """The case's naive queries, concurrently (as the method runs its own), read-only."""
    return list(
        await asyncio.gather(
            *(
                fetch_readonly(NAIVE_SQL[name], params, timeout_ms=timeout_ms)
                for name, params in case.baseline
            )
        )
    )


# ------------------------------------------------------------------ report


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def print_report(results: list[Result], header: str) -> None:
    print()
    print(header)
    columns = f"{'method':<28} {'case':<28} {'rows':>8} {'median':>8} {'p95':>8}"
    columns += f" {'base med':>9} {'base p95':>9} {'speed-up':>9} {'runs':>6}"
    print(columns)
    print("-" * len(columns))
    for r in results:
        rows = matched(r.timing.result) if r.timing else None
        line = f"{r.case.method:<28} {r.case.label:<28} {'-' if rows is None else rows:>8}"
        line += f" {_ms(r.timing.median_ms if r.timing else None):>8}"
        line += f" {_ms(r.timing.p95_ms if r.timing else None):>8}"
        line += f" {_ms(r.baseline.median_ms if r.baseline else None):>9}"
        line += f" {_ms(r.baseline.p95_ms if r.baseline else None):>9}"
        speedup = r.speedup
        line += f" {'-' if speedup is None else f'{speedup:,.1f}x':>9}"
        runs = f"{len(r.timing.samples_ms) if r.timing else 0}"
        runs += f"/{len(r.baseline.samples_ms)}" if r.baseline else ""
        line += f" {runs:>6}"
        if r.error or r.baseline_error:
            line += f"  ERROR {r.error or r.baseline_error}"
        print(line)
    print()
    print("Targets (median; one-month ranges <= 100 ms, insights and text search <= 300 ms):")
    for r in results:
        if r.case.target_ms is None:
            continue
        verdict = "PASS" if r.passed else "MISS"
        median = _ms(r.timing.median_ms if r.timing else None)
        print(
            f"  {verdict}  {r.case.method:<28} {r.case.label:<28}"
            f" {median:>8} ms <= {r.case.target_ms:.0f} ms"
        )
    misses = sum(1 for r in results if r.passed is False)
    print(f"  {'all targets met' if not misses else f'{misses} target(s) missed'}")


def write_json(results: list[Result], meta: dict[str, Any], tag: str) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"analytics-{meta['today']}-{tag}.json"
    cases = []
    for r in results:
        cases.append(
            {
                "method": r.case.method,
                "case": r.case.label,
                "kwargs": {
                    k: str(v) if isinstance(v, date) else v for k, v in r.case.kwargs.items()
                },
                "rows": matched(r.timing.result) if r.timing else None,
                "timing": r.timing.summary() if r.timing else None,
                "baseline": r.baseline.summary() if r.baseline else None,
                "speedup": round(r.speedup, 2) if r.speedup is not None else None,
                "target_ms": r.case.target_ms,
                "passed": r.passed,
                "error": r.error or r.baseline_error,
            }
        )
    path.write_text(json.dumps({**meta, "cases": cases}, indent=2, default=str) + "\n")
    return path


def server_tag(version: str, embedded: bool) -> str:
    major = version.split()[1].split(".")[0] if len(version.split()) > 1 else "x"
    return f"pg{major}-{'embedded' if embedded else 'server'}"


# -------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.analytics",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--products-scale", type=int, default=100, help="~40*N products")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per case")
    parser.add_argument(
        "--baseline-repeat", type=int, default=5, help="timed runs per naive case (they are slow)"
    )
    parser.add_argument(
        "--budget", type=float, default=20.0, help="seconds of timed runs per case (min 5 runs)"
    )
    parser.add_argument(
        "--baseline-budget", type=float, default=15.0, help="the same per naive case (min 2)"
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the naive baseline")
    parser.add_argument(
        "--only", action="append", default=[], help="only cases whose method or label has this"
    )
    parser.add_argument(
        "--database-url",
        help="benchmark this database (reused if it has --orders orders); default: a"
        " throwaway one on the embedded server, or TEST_DATABASE_URL / DATABASE_URL's",
    )
    parser.add_argument(
        "--database",
        help="a database on that default server instead of a throwaway one: created if"
        " missing, reused if it has --orders orders (bench_* names only are reloaded)",
    )
    parser.add_argument(
        "--admin-database", default="postgres", help="with --database-url: where to CREATE DATABASE"
    )
    parser.add_argument("--keep", action="store_true", help="keep the databases for reruns")
    parser.add_argument("--timezone", default=DEFAULT_TIMEZONE, help="the shop's time zone")
    parser.add_argument("--timeout-ms", type=int, default=120_000, help="statement timeout")
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logger.remove()
    logger.add(sys.stderr, level=args.log_level.upper())
    started = time.perf_counter()
    target = prepare_target(args)
    embedded = target.embedded
    try:
        if not args.no_baseline:
            prepare_naive(target)
        sizes = data_sizes(target.url)
        today = local_today(ZoneInfo(args.timezone))
        cases = [
            case
            for case in build_cases(today)
            if not args.only or any(word in f"{case.method} {case.label}" for word in args.only)
        ]
        metrics = [
            case
            for case in metrics_cases(today)
            if not args.only or any(word in f"query_metrics {case.label}" for word in args.only)
        ]
        measured = asyncio.run(measure(target, cases, args, metrics))
    finally:
        if not args.keep:
            if target.naive_created:
                drop_database(target.admin_url, database_name(target.naive_url))
            if target.created:
                drop_database(target.admin_url, target.name)
    results: list[Result] = measured["results"]
    server: str = measured["server"]
    header = (
        f"{server.split(' on ')[0]}{' (embedded)' if embedded else ''}; pg_trgm indexes:"
        f" {'yes' if 'pg_trgm' in measured['extensions'] else 'no (not available)'};"
        f" {sizes['orders']:,} orders, {sizes['order_items']:,} items,"
        f" {sizes['products']:,} products, {sizes['customers']:,} customers;"
        f" today {today} ({args.timezone}). Times in ms after one warm-up; runs = timed"
        f" runs (up to {args.repeat}, {args.budget:.0f} s a case) / baseline runs (up to"
        f" {args.baseline_repeat}, {args.baseline_budget:.0f} s a case)"
    )
    print_report(results, header)
    print_metrics(metrics, measured["insert"])
    meta = {
        "run_at": datetime.now().isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.analytics", *(argv or sys.argv[1:])]),
        "server": server,
        "database": describe_url(target.url),
        "embedded": embedded,
        "extensions": measured["extensions"],
        "schema_and_extensions_seconds": round(measured["init_seconds"], 1),
        "data": sizes,
        "load": target.loaded,
        "today": today.isoformat(),
        "timezone": args.timezone,
        "repeat": args.repeat,
        "baseline_repeat": args.baseline_repeat,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    meta["query_metrics"] = metrics_json(metrics)
    meta["insert_one_order"] = measured["insert"]
    path = write_json(results, meta, server_tag(server, embedded))
    print(f"\nResults written to {path}; whole run {meta['total_seconds']:.0f}s.")
    if args.keep:
        again = f"--database {target.name}" if not args.database_url else "the same arguments"
        print(f"Kept {describe_url(target.url)} (and its _naive copy): rerun with {again}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
