"""The low-stock check (sql/reports.sql `stock_crossings`) on large catalogs.

    python -m bench.stock_alerts [--lines 10000 100000] [--repeat 20]     (make bench-alerts)

The check runs every ALERT_CHECK_SECONDS over every inventory line. For each catalog size,
in a fresh database: the first check (every line new: recorded, no alert), the steady check
(nothing changed), and a check after 1% of the lines fell below their threshold (each time
a different 1%, raised back between runs). The baseline in the same run is one plain scan
of the lines' stock against their threshold (what any check must read).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import psycopg

from bench.common import percentile
from database import load_sql
from database.connection import libpq_url
from database.demo import apply_schema
from testing.databases import fresh_database

SQL = load_sql("reports.sql")
BASELINE = "SELECT count(*) FROM product_inventory WHERE stock <= low_stock_threshold"


def _fill(conn: psycopg.Connection[Any], lines: int) -> None:
    conn.execute(
        "INSERT INTO products (id, name, category, brand)"
        " SELECT md5(i::text)::uuid, 'Product ' || i, 'Category ' || (i %% 40), 'Brand'"
        " FROM generate_series(1, %s) AS i",
        [lines],
    )
    # Every line starts above its threshold of 10 (stock 11–60).
    conn.execute(
        "INSERT INTO product_inventory (product_id, classification, price, stock,"
        " low_stock_threshold) SELECT md5(i::text)::uuid, 'M', 30000, 11 + (i * 7919) %% 50, 10"
        " FROM generate_series(1, %s) AS i",
        [lines],
    )
    conn.execute("ANALYZE product_inventory")
    conn.execute("ANALYZE products")


def _timed(conn: psycopg.Connection[Any], sql: str) -> tuple[float, int]:
    started = time.perf_counter()
    rows = conn.execute(sql).fetchall()
    return (time.perf_counter() - started) * 1000, len(rows)


def _line(name: str, samples: list[float], baseline: float | None, found: str = "") -> None:
    median = statistics.median(samples)
    ratio = f"{median / baseline:>6.1f}×" if baseline else "      —"
    print(
        f"{name:<44}{median:>9.1f}{percentile(samples, 95):>9.1f}{percentile(samples, 99):>9.1f}"
        f"  {ratio}  {found}"
    )


def run(lines: int, repeat: int) -> None:
    with fresh_database("bench_alerts") as url:
        asyncio.run(apply_schema(libpq_url(url)))
        with psycopg.connect(libpq_url(url), autocommit=True) as conn:
            _fill(conn, lines)
            print(f"\n{lines:,} inventory lines (ms)        median      p95      p99   × scan")
            base = [_timed(conn, BASELINE)[0] for _ in range(repeat)]
            baseline = statistics.median(base)
            _line("baseline: one scan of stock vs threshold", base, None)
            first, found = _timed(conn, SQL["stock_crossings"])
            _line("first check (every line new, recorded)", [first], baseline, f"{found} alerts")
            steady = [_timed(conn, SQL["stock_crossings"])[0] for _ in range(repeat)]
            _line("steady check (nothing changed)", steady, baseline)
            fell, alerts = [], 0
            share = max(1, lines // 100)
            for round_ in range(repeat):
                chosen = f"(SELECT id FROM product_inventory ORDER BY md5(id::text || {round_}) LIMIT {share})"
                conn.execute(f"UPDATE product_inventory SET stock = 3 WHERE id IN {chosen}")
                ms, found = _timed(conn, SQL["stock_crossings"])
                fell.append(ms)
                alerts += found
                conn.execute("UPDATE product_inventory SET stock = 40 WHERE stock = 3")
                _timed(conn, SQL["stock_crossings"])  # re-armed
            _line(
                f"check after {share:,} lines fell (1%)",
                fell,
                baseline,
                f"{alerts // repeat} alerts/run",
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    for lines in args.lines:
        run(lines, args.repeat)


if __name__ == "__main__":
    main()
