"""Applying SQL scripts from `sql/` to the database, serialised across processes."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from database.locks import SCHEMA_LOCK_KEY
from database.queries import SQL_DIR, load_sql

SQL = load_sql("database.sql")


async def apply_sql_file(name: str) -> None:
    """Apply one script from `sql/` in a transaction, serialised across processes."""
    script = (SQL_DIR / name).read_text(encoding="utf-8")
    async with in_transaction("default") as tx:
        await lock_schema(tx)
        await tx.execute_script(script)


async def lock_schema(tx: BaseDBAsyncClient) -> None:
    """Wait for the lock that serialises schema changes across processes; it is held until
    the transaction `tx` ends."""
    await tx.execute_query(SQL["advisory_xact_lock"], [SCHEMA_LOCK_KEY])
