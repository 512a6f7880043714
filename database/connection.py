"""Database lifecycle: which server, Tortoise initialisation, schema, shutdown."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from loguru import logger
from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.backends.base.config_generator import expand_db_url

from config import Settings, load_settings
from database.embedded import start_embedded
from database.extensions import apply_optional_extensions
from database.queries import load_sql
from database.rollups import ensure_zone
from database.schema import apply_sql_file

SQL = load_sql("database.sql")


@dataclass
class DatabaseState:
    """What `init_database` set up, for the rest of the process to read."""

    settings: Settings
    url: str
    embedded: bool
    analytics_connection: str


_state: DatabaseState | None = None


def state() -> DatabaseState:
    """The initialised database state; fails clearly when `init_database` has not run."""
    if _state is None:
        raise RuntimeError("init_database() has not been called in this process")
    return _state


def describe_url(url: str) -> str:
    """A loggable form of a database URL: never the password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host and "host=" in parts.query:
        host = parts.query.split("host=", 1)[1].split("&", 1)[0]
    port = f":{parts.port}" if parts.port else ""
    user = f"{parts.username}@" if parts.username else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def resolve_url(settings: Settings) -> tuple[str, bool]:
    """Return the database URL to use and whether it is the embedded server."""
    if settings.DATABASE_URL:
        return settings.DATABASE_URL, False
    return start_embedded(Path(settings.EMBEDDED_DB_DIR)), True


def _connection_config(url: str, settings: Settings, name: str) -> dict[str, object]:
    config = expand_db_url(url)
    credentials = config["credentials"]
    credentials["minsize"] = settings.DB_POOL_MIN
    credentials["maxsize"] = max(settings.DB_POOL_MAX, settings.DB_POOL_MIN)
    credentials["command_timeout"] = settings.DB_COMMAND_TIMEOUT
    credentials["application_name"] = f"shop-assistant-{name}"
    credentials["reset"] = _keep_session
    return config


async def _keep_session(_connection: object) -> None:
    """Return a connection to the pool as it is (asyncpg still rolls back an open transaction).

    asyncpg's default reset sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`
    on every release — a round trip per query here. This process never leaves session
    state behind on pooled connections: settings are `SET LOCAL`/`set_config(..., true)`,
    advisory locks are `pg_advisory_xact_lock`, and LISTEN runs on procrastinate's own
    connections.
    """


async def init_database(settings: Settings | None = None, *, apply_schema: bool = True) -> None:
    """Connect Tortoise to the configured (or embedded) PostgreSQL and apply the schema."""
    global _state
    settings = settings or load_settings()
    url, embedded = resolve_url(settings)
    connections_config: dict[str, object] = {"default": _connection_config(url, settings, "app")}
    analytics = "default"
    if settings.ANALYTICS_DATABASE_URL:
        analytics = "analytics"
        connections_config[analytics] = _connection_config(
            settings.ANALYTICS_DATABASE_URL, settings, "analytics"
        )
    await Tortoise.init(
        config={
            "connections": connections_config,
            "apps": {"shop": {"models": ["database.models"], "default_connection": "default"}},
            "use_tz": True,
            "timezone": "UTC",
        },
        _enable_global_fallback=True,
    )
    _state = DatabaseState(settings, url, embedded, analytics)
    where = "embedded PostgreSQL" if embedded else "PostgreSQL"
    logger.info("Database: {} at {}", where, describe_url(url))
    if settings.ANALYTICS_DATABASE_URL:
        logger.info("Analytics database: {}", describe_url(settings.ANALYTICS_DATABASE_URL))
    if apply_schema:
        await apply_sql_file("schema.sql")
        await apply_optional_extensions()
        await ensure_zone(settings.SHOP_TIMEZONE)


async def close_database() -> None:
    """Close every connection pool opened by `init_database`."""
    global _state
    if _state is None:
        return
    await Tortoise.close_connections()
    _state = None


async def ping() -> None:
    """The cheapest query: raises when the database does not answer."""
    await connection().execute_query(SQL["ping"])


def connection(name: str = "default") -> BaseDBAsyncClient:
    """The Tortoise connection called `name`."""
    return connections.get(name)


def libpq_url(url: str) -> str:
    """The same URL with a scheme libpq, psycopg and asyncpg all accept."""
    scheme, sep, rest = url.partition("://")
    if sep and scheme in {"asyncpg", "postgres", "psycopg"}:
        return f"postgresql://{rest}"
    return url
