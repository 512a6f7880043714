"""Writing an import (importer/) into the shop's tables: staged with COPY, checked and
upserted with set-based SQL (sql/import.sql), one transaction per file, rolled back in a
dry run so it reports exactly what the real run would do and writes nothing.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import asyncpg
from loguru import logger

from database.demo import is_demo_shop, rebuild_rollups, remove_demo_shop
from database.locks import IMPORT_LOCK_KEY
from database.queries import load_sql

SQL = load_sql("import.sql")
OWN_SQL = load_sql("database.sql")
BATCH = 20_000  # records per COPY
# From this many order lines, write with triggers off when allowed (a superuser, as the
# embedded server's is): the foreign-key checks are most of a large write's time, and the
# rows are consistent by construction (every id was just resolved or inserted in this
# transaction). The metrics rollups the triggers keep are rebuilt before the commit.
BULK_LINES = 50_000
WALK_IN_NAME = "Khách lẻ (walk-in)"
IMPORT_WORK_MEM = "256MB"

ORDER_LINE_COLUMNS = (
    "line code ordered_at customer_name phone email employee payment_method status "
    "order_discount tax shipping_fee order_total note address product_name variant product_code category "
    "quantity unit_price line_total bad product_key variant_key employee_key customer_key n vkey"
).split()
PRODUCT_COLUMNS = (
    "vkey product_key variant_key name variant code category brand description price stock "
    "threshold line"
).split()
PERSON_COLUMNS = "kind key name phone email address role line".split()


@dataclass
class Counts:
    """What one table got from an import."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    removed: int = 0


@dataclass
class Written:
    """The outcome of one file: per-table counts and the problems only the database sees
    (line, field, reason), e.g. an order whose lines do not add up to its total."""

    tables: dict[str, Counts] = field(default_factory=dict)
    problems: list[tuple[int, str, str]] = field(default_factory=list)
    bulk: bool = False  # written with triggers off; the rollups are rebuilt before commit


class WriteFailed(Exception):
    """The database refused the import (one readable line; nothing of the file is written)."""


class DemoShopPresent(Exception):
    """The database holds the demo shop, which must not be mixed with a real shop's data."""


def _statements(sql: str) -> list[str]:
    """The statements of a named query (its comment lines left out)."""
    code = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [part.strip() for part in re.split(r";\s*\n", code + "\n") if part.strip()]


async def _run(conn: asyncpg.Connection, name: str, *args: Any) -> list[asyncpg.Record]:
    """Run every statement of the named query; a statement gets `args` only if it uses
    them. The last statement's rows are returned."""
    rows: list[asyncpg.Record] = []
    started = time.perf_counter()
    for statement in _statements(SQL[name]):
        rows = (
            await conn.fetch(statement, *args) if "$1" in statement else await conn.fetch(statement)
        )
    logger.debug("Import: {} took {:.2f} s", name, time.perf_counter() - started)
    return rows


async def _copy(
    conn: asyncpg.Connection, table: str, columns: Sequence[str], records: Iterator[tuple[Any, ...]]
) -> int:
    """COPY `records` into `table` in batches. Reading the file is CPU work in Python that a
    thread would only contend with the COPY for (the GIL), so a batch is read, then sent."""
    copied, started = 0, time.perf_counter()
    while chunk := list(islice(records, BATCH)):
        await conn.copy_records_to_table(table, records=chunk, columns=columns)
        copied += len(chunk)
        await asyncio.sleep(0)  # let the loop's other work (a progress bar) run
    logger.debug(
        "Import: {} rows read and copied in {:.2f} s", copied, time.perf_counter() - started
    )
    return copied


@dataclass(frozen=True)
class Target:
    """Where and how to write: the database, dry run, demo replacement, the phone country."""

    dsn: str
    dry_run: bool = False
    replace_demo: bool = False
    country_code: str = "84"


async def _begin(conn: asyncpg.Connection, target: Target) -> None:
    await conn.execute(OWN_SQL["advisory_xact_lock"], IMPORT_LOCK_KEY)
    # Sorts and hash joins over a million staged lines: in memory, not in batches on disk
    # (the default 4 MB made the grouping and the compare with the tables several times
    # slower). For this transaction only.
    await conn.execute(OWN_SQL["local_settings"], ["work_mem"], [IMPORT_WORK_MEM])
    if await is_demo_shop(conn):
        if not target.replace_demo:
            raise DemoShopPresent(
                "this database holds the demo shop; run the import with --replace-demo to "
                "remove it first (its products, orders, customers, staff and knowledge "
                "entries are deleted; entries the shop added stay)"
            )
        await remove_demo_shop(conn)


async def write(target: Target, kind: str, records: Iterator[tuple[Any, ...]]) -> Written:
    """Stage `records` (the kind's staging columns) and write them in one transaction,
    rolled back in a dry run."""
    conn = await asyncpg.connect(target.dsn)
    try:
        tx = conn.transaction()
        await tx.start()
        try:
            await _begin(conn, target)
            written = await _WRITERS[kind](conn, records, target)
            if written.bulk and not target.dry_run:
                await rebuild_rollups(conn)
            if target.dry_run:
                await tx.rollback()
            else:
                await tx.commit()
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OverflowError) as exc:
            # Closing the connection below ends the transaction: nothing of the file stays.
            raise WriteFailed(f"the database refused the import: {exc}") from exc
        if not target.dry_run:
            await conn.execute("ANALYZE orders, order_items, customers, products")
        return written
    finally:
        await conn.close()


async def _skip_triggers(conn: asyncpg.Connection) -> bool:
    """Turn triggers off for the rest of this transaction, if this role may."""
    try:
        async with conn.transaction():  # a savepoint: a refusal leaves the import usable
            await conn.execute("SET LOCAL session_replication_role = replica")
    except asyncpg.InsufficientPrivilegeError:
        logger.info("Import: may not turn triggers off; writing with them (slower)")
        return False
    return True


def _pair(row: asyncpg.Record) -> tuple[int, int]:
    return int(row[0]), int(row[1])


async def _orders(
    conn: asyncpg.Connection, records: Iterator[tuple[Any, ...]], target: Target
) -> Written:
    written = Written()
    await _run(conn, "stage_order_lines")
    staged = await _copy(conn, "import_lines", ORDER_LINE_COLUMNS, records)
    await _run(conn, "type_order_lines")
    await conn.execute("ANALYZE import_lines")  # temporary tables get no statistics of their own
    if staged >= BULK_LINES:
        written.bulk = await _skip_triggers(conn)
    await _run(conn, "group_orders")
    written.problems = [
        (row["line"], row["field"], row["reason"]) for row in await _run(conn, "order_problems")
    ]
    reported = {line for line, _, _ in written.problems}
    written.problems += [
        (row["line"], "", f"order {row['code']} is skipped (a problem on another of its lines)")
        for row in await _run(conn, "skipped_lines")
        if row["line"] not in reported
    ]
    skipped = (await _run(conn, "skipped_counts"))[0]
    await _run(conn, "stage_variants_from_items")
    await _run(conn, "resolve_variants")
    made = (await _run(conn, "add_products"))[0]
    named = (await _run(conn, "variant_counts"))[0]
    written.tables["products"] = Counts(made[0], 0, named[0] - made[0])
    written.tables["product_inventory"] = Counts(made[1], 0, named[1] - made[1])
    await _people(conn, written, target, "people_from_orders")
    orders = (await _run(conn, "upsert_orders"))[0]
    items = (await _run(conn, "upsert_items"))[0]
    total = int(await conn.fetchval("SELECT count(*) FROM import_orders WHERE NOT bad"))
    created, updated = _pair(orders)
    written.tables["orders"] = Counts(
        created, updated, total - created - updated, int(skipped["orders"])
    )
    lines, created, updated = int(items["lines"]), int(items["created"]), int(items["updated"])
    written.tables["order_items"] = Counts(
        created, updated, lines - created - updated, int(skipped["lines"]), int(items["removed"])
    )
    return written


async def _people(
    conn: asyncpg.Connection, written: Written, target: Target, fill: str | None = None
) -> None:
    """Resolve the staged people and write them; `fill` names the query that stages them
    (from the orders), else they were COPYed already (a customers or staff file)."""
    if fill is not None:
        await _run(conn, "stage_people")
        await _run(conn, fill)
    await _run(conn, "resolve_people", target.country_code)
    rows = await conn.fetch("SELECT kind, count(*) AS n FROM import_persons GROUP BY kind")
    found = {row["kind"]: int(row["n"]) for row in rows}
    for kind, table, query, args in (
        ("customer", "customers", "upsert_customers", (WALK_IN_NAME,)),
        ("employee", "employees", "upsert_employees", ()),
    ):
        if kind not in found and fill is None:
            continue
        created, updated = _pair((await _run(conn, query, *args))[0])
        written.tables[table] = Counts(created, updated, found.get(kind, 0) - created - updated)


async def _products(
    conn: asyncpg.Connection, records: Iterator[tuple[Any, ...]], target: Target
) -> Written:
    written = Written()
    await _run(conn, "stage_product_rows")
    await _copy(conn, "import_variants", PRODUCT_COLUMNS, records)
    await _run(conn, "dedupe_product_rows")
    await _run(conn, "resolve_variants")
    made = (await _run(conn, "add_products"))[0]
    products = int((await _run(conn, "update_products"))[0][0])
    inventory = int((await _run(conn, "update_inventory"))[0][0])
    named = (await _run(conn, "variant_counts"))[0]
    written.tables["products"] = Counts(made[0], products, named[0] - made[0] - products)
    written.tables["product_inventory"] = Counts(made[1], inventory, named[1] - made[1] - inventory)
    return written


async def _persons(
    conn: asyncpg.Connection, records: Iterator[tuple[Any, ...]], target: Target
) -> Written:
    written = Written()
    await _run(conn, "stage_people")
    await _copy(conn, "import_people", PERSON_COLUMNS, records)
    await _people(conn, written, target)
    return written


_WRITERS = {
    "orders": _orders,
    "products": _products,
    "customers": _persons,
    "employees": _persons,
}


__all__ = ["Counts", "DemoShopPresent", "Target", "WriteFailed", "Written", "write"]
