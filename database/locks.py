"""The PostgreSQL advisory lock keys this application takes, in one place so none collide."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from tortoise import connections

# Applying sql/schema.sql and what must wait for it: the demo load, the vector schema.
SCHEMA_LOCK_KEY = 7_215_530_001
# Loading the demo shop (7_215_530_002 was bootstrap's own once: not reused).
DEMO_LOAD_LOCK_KEY = 7_215_530_003
# Applying the job queue's (procrastinate's) schema.
QUEUE_SCHEMA_LOCK_KEY = 7_215_530_010
# Building a time zone's metrics rollups (one process at a time).
ROLLUP_BUILD_LOCK_KEY = 7_215_530_016
# Importing a shop's own data (one import at a time).
IMPORT_LOCK_KEY = 7_215_530_020
# Sending the daily reports (one run at a time, across processes and `flask digest`).
DIGEST_LOCK_KEY = 7_215_530_030
# Checking inventory for low-stock crossings and recording the alerts.
STOCK_ALERT_LOCK_KEY = 7_215_530_031


@asynccontextmanager
async def advisory_lock(key: int) -> AsyncIterator[None]:
    """Hold the session advisory lock `key` for the block, waiting for it.

    The lock lives on a pooled connection of its own, outside any transaction: what the
    block writes commits as it goes (a crash mid-way keeps what was recorded), and the lock
    goes with the connection if the process dies.
    """
    async with connections.get("default").acquire_connection() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", key)
        try:
            yield
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", key)
