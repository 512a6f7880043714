"""Bring the database up for a serving process: connect, schema, demo data when due."""

from __future__ import annotations

from loguru import logger
from tortoise.transactions import in_transaction

from config import Settings
from database.connection import init_database, libpq_url, state
from database.schema import lock_schema


def demo_data_wanted(settings: Settings, embedded: bool) -> bool:
    """Demo data goes only into the embedded server, unless LOAD_DEMO_DATA says otherwise."""
    if settings.LOAD_DEMO_DATA is not None:
        return settings.LOAD_DEMO_DATA
    return embedded


async def prepare_database(settings: Settings, *, demo: bool = True) -> None:
    """Initialise the database and load the demo shop into an empty one when wanted (never
    with `demo=False`)."""
    await init_database(settings)
    current = state()
    if not demo or not demo_data_wanted(settings, current.embedded):
        return
    from database.demo import has_shop_data, load_demo_data

    dsn = libpq_url(current.url)
    # Several workers may start at once: one loads, the others wait and see the data. The
    # schema's lock is taken (not a lock of its own), so another worker's schema apply
    # waits for the load instead of deadlocking with its COPY on the same tables.
    async with in_transaction("default") as tx:
        await lock_schema(tx)
        if await has_shop_data(dsn):
            return
        logger.info("Empty database: loading the demo shop")
        summary = await load_demo_data(dsn, timezone=settings.SHOP_TIMEZONE)
        logger.info("Demo shop loaded: {}", summary)
