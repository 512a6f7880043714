"""The catalog and staff terms the offline parser matches against, read from the database."""

from __future__ import annotations

import time

from loguru import logger

from assistant.offline.parser import Vocabulary
from database import connection, load_sql

TTL_SECONDS = 60.0
SQL = load_sql("catalog.sql")
_cache: dict[str, tuple[float, Vocabulary]] = {}


async def load_vocabulary(role: str) -> Vocabulary:
    """Terms of the shop (cached a minute); staff names only for staff callers."""
    cached = _cache.get(role)
    if cached and time.monotonic() - cached[0] < TTL_SECONDS:
        return cached[1]
    try:
        rows = await connection().execute_query_dict(SQL["vocabulary_terms"])
    except (OSError, RuntimeError) as exc:
        logger.warning("Offline model: no vocabulary ({}); parsing without it", exc)
        return Vocabulary()
    terms: dict[str, list[str]] = {"category": [], "brand": [], "product": [], "employee": []}
    for row in rows:
        terms[row["kind"]].append(row["term"])
    vocabulary = Vocabulary(
        categories=tuple(sorted(terms["category"])),
        brands=tuple(sorted(terms["brand"])),
        product_names=tuple(sorted(terms["product"])),
        employee_names=tuple(sorted(terms["employee"])) if role == "owner" else (),
    )
    _cache[role] = (time.monotonic(), vocabulary)
    return vocabulary
