"""The base of the SQL-backed tools: named queries run on the one read-only, time-limited path."""

from __future__ import annotations

from typing import Any, ClassVar

from config import Settings
from database import fetch_readonly, state
from database.queries import SqlFile


class ReadOnlyQueries:
    """Runs the named queries of `SQL` for the shop's settings, on the analytics connection."""

    SQL: ClassVar[SqlFile]

    def __init__(self, settings: Settings | None = None) -> None:
        current = state()
        self.settings = settings or current.settings
        self.tz = self.settings.tz
        self.connection_name = current.analytics_connection
        self.timeout_ms = self.settings.ANALYTICS_STATEMENT_TIMEOUT_MS

    async def _fetch(
        self, name: str, params: list[Any], local_settings: dict[str, str] | None = None
    ) -> list[dict[str, Any]]:
        return await fetch_readonly(
            self.SQL[name],
            params,
            timeout_ms=self.timeout_ms,
            connection_name=self.connection_name,
            local_settings=local_settings,
        )
