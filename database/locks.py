"""The PostgreSQL advisory lock keys this application takes, in one place so none collide."""

from __future__ import annotations

import asyncio
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
async def advisory_lock(key: int, *, wait_seconds: float = 0.0) -> AsyncIterator[bool]:
    """Try to hold the session advisory lock `key` for the block; yields whether it is held
    (another process holds it: False after `wait_seconds` of asking every half second).

    The lock lives on a pooled connection of its own, outside any transaction: what the
    block writes commits as it goes (a crash mid-way keeps what was recorded), and the lock
    goes with the connection if the process dies. Only a try is sent (no statement waits on
    the server), and the connection's session locks are all released at the end, whatever
    interrupted the block — the pool does not reset its connections.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    async with connections.get("default").acquire_connection() as conn:
        try:
            held = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
            while not held and loop.time() < deadline:
                await asyncio.sleep(0.5)
                held = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", key))
            yield held
        finally:
            await conn.execute("SELECT pg_advisory_unlock_all()")
