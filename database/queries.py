"""Named SQL from `sql/*.sql` and the one read-only query path.

Each query in a file starts with a `-- name: <name>` line, then a one-line
description comment, then the SQL with `$1..$n` placeholders. Values are always
passed as parameters, never formatted into the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from typing import Any

from asyncpg.exceptions import QueryCanceledError, ReadOnlySQLTransactionError
from tortoise.transactions import in_transaction

from config import PROJECT_ROOT

SQL_DIR = PROJECT_ROOT / "sql"
_NAME_LINE = re.compile(r"^--\s*name:\s*(?P<name>[a-z_][a-z0-9_]*)\s*$", re.MULTILINE)


class QueryTimeout(Exception):
    """A read-only query ran past its statement timeout."""


class ReadOnlyViolation(Exception):
    """Something tried to write inside a read-only transaction."""


class SqlFile:
    """The named queries of one `.sql` file; a missing name raises at lookup."""

    def __init__(self, filename: str, queries: dict[str, str]) -> None:
        self.filename = filename
        self._queries = queries

    def __getitem__(self, name: str) -> str:
        try:
            return self._queries[name]
        except KeyError:
            raise KeyError(f"no query named {name!r} in sql/{self.filename}") from None

    def names(self) -> list[str]:
        """The names defined in the file, in order."""
        return list(self._queries)


def parse_named_queries(text: str) -> dict[str, str]:
    """Split a file into `{name: sql}` by its `-- name:` lines."""
    matches = list(_NAME_LINE.finditer(text))
    queries: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        body = text[match.end() : end].strip().rstrip(";").strip()
        name = match.group("name")
        if name in queries:
            raise ValueError(f"query {name!r} is defined twice")
        queries[name] = body
    return queries


@cache
def load_sql(filename: str) -> SqlFile:
    """Load the named queries of `sql/<filename>` (cached per process)."""
    text = (SQL_DIR / filename).read_text(encoding="utf-8")
    return SqlFile(filename, parse_named_queries(text))


async def fetch_readonly(
    sql: str,
    params: Sequence[Any] = (),
    *,
    timeout_ms: int,
    connection_name: str = "default",
    local_settings: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Run one query in a READ ONLY transaction with a statement timeout; return rows as dicts.

    `local_settings` are more settings for this transaction only (e.g. pgvector's
    `hnsw.iterative_scan`), set with set_config(..., true) as parameters.
    """
    names = ["statement_timeout", "plan_cache_mode", "jit", *(local_settings or {})]
    # JIT compilation once added ~300 ms to a 130 ms analytics query.
    values = [str(int(timeout_ms)), "force_custom_plan", "off", *(local_settings or {}).values()]
    own = load_sql("database.sql")
    try:
        async with in_transaction(connection_name) as tx:
            await tx.execute_query(own["read_only"])
            await tx.execute_query(own["local_settings"], [names, values])
            return await tx.execute_query_dict(sql, list(params))
    except QueryCanceledError as exc:
        raise QueryTimeout(f"query took longer than {timeout_ms} ms") from exc
    except ReadOnlySQLTransactionError as exc:
        raise ReadOnlyViolation(str(exc)) from exc
