"""The metrics rollups of this process's time zone: built when missing, rebuilt when stale.

The triggers in sql/schema.sql keep every registered zone exact as rows are written. A zone
is registered the first time a process with that SHOP_TIMEZONE starts; at every start the
rollup's sums are checked against the tables (per order status, and over all items), so rows
written with triggers off (a bulk load as `session_replication_role = replica`) are caught
and the zone is rebuilt before the first question.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from loguru import logger
from tortoise import connections
from tortoise.transactions import in_transaction

from database.locks import ROLLUP_BUILD_LOCK_KEY
from database.queries import load_sql

SQL = load_sql("rollups.sql")
# The tables sql/schema.sql keeps for the metrics layer (analysed after a build: a freshly
# filled table without statistics gets plans a hundred times too slow).
ROLLUP_TABLES = (
    "metrics_order_days",
    "metrics_order_hours",
    "metrics_item_days",
    "metrics_item_months",
    "metrics_customer_months",
    "metrics_customer_first",
)


def _sums(rows: list[dict[str, Any]]) -> dict[Any, tuple[int, Decimal]]:
    return {
        row["key"]: (int(row["n"]), Decimal(row["total"] or 0))
        for row in rows
        if row["n"] or row["total"]
    }


async def stale(zone: str) -> str | None:
    """Why the zone's rollups do not match the tables (None when they do)."""
    conn = connections.get("default")
    registered = await conn.execute_query_dict(SQL["zone_registered"], [zone])
    if not registered:
        return "not built yet"
    checks = (("orders", "orders_by_status", "rolled_orders_by_status"),
              ("order items", "items_total", "rolled_items_total"),
              ("units per order", "order_units", "rolled_order_units"))  # fmt: skip
    for what, base, rolled in checks:
        tables = _sums(await conn.execute_query_dict(SQL[base], []))
        rollup = _sums(await conn.execute_query_dict(SQL[rolled], [zone]))
        if tables != rollup:
            return f"{what} differ from the tables"
    return None


async def ensure_zone(zone: str) -> None:
    """Make this zone's rollups exact: build them when missing or stale."""
    reason = await stale(zone)
    if reason is None:
        return
    async with in_transaction("default") as tx:
        await tx.execute_query("SELECT pg_advisory_xact_lock($1)", [ROLLUP_BUILD_LOCK_KEY])
        reason = await stale(zone)  # another process may have built it meanwhile
        if reason is None:
            return
        started = time.perf_counter()
        # Writers wait (briefly) so that no row lands between the build and the registration.
        await tx.execute_query("LOCK TABLE orders, order_items IN SHARE MODE")
        await tx.execute_query("SELECT metrics_build_zone($1)", [zone])
    await connections.get("default").execute_query(SQL["analyze_rollups"])
    logger.info(
        "Metrics rollups for {} built ({}) in {:.1f} s", zone, reason, time.perf_counter() - started
    )
