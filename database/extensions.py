"""Optional PostgreSQL extensions: applied where the server offers them, skipped otherwise.

Nothing depends on them for correctness: each file under `sql/extensions/` only
adds indexes that speed up queries whose results are the same without them.
"""

from __future__ import annotations

from asyncpg.exceptions import InsufficientPrivilegeError
from loguru import logger
from tortoise import connections
from tortoise.exceptions import OperationalError

from database.queries import load_sql
from database.schema import apply_sql_file

SQL = load_sql("database.sql")

# extension name -> the script under sql/ that creates it and the indexes using it
OPTIONAL_EXTENSIONS: dict[str, str] = {"pg_trgm": "extensions/trgm.sql"}


def _denied(exc: BaseException) -> bool:
    """Whether `exc` (or what it wraps) is PostgreSQL's insufficient-privilege error."""
    while exc is not None:
        if isinstance(exc, InsufficientPrivilegeError):
            return True
        exc = exc.__cause__  # type: ignore[assignment]
    return False


async def available_extensions(names: list[str]) -> set[str]:
    """Which of `names` the server can create (listed in pg_available_extensions)."""
    rows = await connections.get("default").execute_query_dict(SQL["available_extensions"], [names])
    return {str(row["name"]) for row in rows}


async def apply_optional_extensions() -> list[str]:
    """Apply each optional extension's script where the server has it; return those applied.

    A missing extension is skipped quietly (logged at debug); a refused CREATE
    EXTENSION (no privilege) is logged as a warning and skipped.
    """
    available = await available_extensions(list(OPTIONAL_EXTENSIONS))
    applied: list[str] = []
    for name, script in OPTIONAL_EXTENSIONS.items():
        if name not in available:
            logger.debug("Optional extension {} not available on this server: skipped", name)
            continue
        try:
            await apply_sql_file(script)
        except (OperationalError, InsufficientPrivilegeError) as exc:
            if not _denied(exc):
                raise
            logger.warning("Optional extension {} not created (no privilege): {}", name, exc)
            continue
        applied.append(name)
        logger.info("Optional extension {} applied (sql/{})", name, script)
    return applied
