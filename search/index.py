"""The vector half of search: is pgvector here, and are the embeddings fresh?

`prepare_search` runs at start-up: where the server offers the `vector` extension it
applies `sql/extensions/vector.sql` (never part of schema.sql), else it says once that
search is keyword-only. `refresh` embeds every product and knowledge entry whose vector
is missing or whose text changed — whoever wrote the row (a point of sale writes the
product tables directly) — at start-up, periodically, and by `flask embeddings rebuild`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from loguru import logger
from tortoise.exceptions import OperationalError
from tortoise.transactions import in_transaction

from config import Settings
from database import (
    SQL_DIR,
    InsufficientPrivilegeError,
    PostgresError,
    QueryTimeout,
    connection,
    load_sql,
    lock_schema,
)
from database.extensions import available_extensions
from search.embedder import EmbeddingError, embed_passages, literal

SQL = load_sql("search.sql")
VECTOR_SCRIPT = SQL_DIR / "extensions" / "vector.sql"
BATCH = 16  # texts per embedding call: progress is saved batch by batch
CHUNK = 512  # stale items read at once


RECHECK_S = 10.0  # until the catalog's first embedding is done, look again this often
EXACT_LIMIT = 5000  # product vectors up to which the nearest are found exactly (no HNSW)


@dataclass
class SearchState:
    """What this process's search can use."""

    vectors: bool = False
    reason: str = "not prepared"
    iterative_scan: bool = False  # pgvector 0.8+: filtered HNSW scans keep going
    # The kinds ("product", "knowledge") every item of which had a vector when last looked:
    # their vector half ranks from then on.
    embedded: set[str] = field(default_factory=set)
    checked_at: float = field(default=-RECHECK_S)
    product_vectors: int = 0  # how many, when last counted


STATE = SearchState()


def vectors_ready(settings: Settings) -> bool:
    """Whether search should use embeddings now."""
    return STATE.vectors and settings.embeddings_enabled


async def ranking_by_meaning(settings: Settings, kind: str = "product") -> bool:
    """Whether queries over `kind` ("product" or "knowledge") should use the vector half:
    pgvector is here and that kind's first embedding has finished. Before then a query ranks
    by words alone — the same answer whichever items happen to have their vector yet (an item
    added later is found by its words until the next refresh embeds it)."""
    if not vectors_ready(settings):
        return False
    if kind not in STATE.embedded and time.monotonic() - STATE.checked_at >= RECHECK_S:
        STATE.checked_at = time.monotonic()  # before the await: one check for many queries
        try:
            _count(await status(settings))
        except (OperationalError, PostgresError, QueryTimeout) as exc:
            logger.warning("Search: could not count vectors ({}); by words for now", exc)
    return kind in STATE.embedded


def _count(counts: dict[str, int]) -> None:
    if not counts:
        return
    STATE.product_vectors = counts["products_embedded"]
    for kind, total, done in (
        ("product", counts["products"], counts["products_embedded"]),
        ("knowledge", counts["knowledge"], counts["knowledge_embedded"]),
    ):
        if done >= total and kind not in STATE.embedded:
            STATE.embedded.add(kind)
            logger.info("Search: every {} has its vector; ranking by words and meaning", kind)


async def prepare_search(settings: Settings) -> SearchState:
    """Apply the vector schema where the server has pgvector; say once when it cannot."""
    if not settings.embeddings_enabled:
        return _set(False, f"EMBEDDING_MODEL={settings.EMBEDDING_MODEL!r}: keyword search only")
    if "vector" not in await available_extensions(["vector"]):
        return _set(
            False,
            "this PostgreSQL server has no pgvector extension: product and knowledge search "
            "use full text and case-insensitive matching only",
        )
    try:
        await _apply_vector_schema(settings.EMBEDDING_DIMENSIONS)
        rows = await connection().execute_query_dict(SQL["vector_version"])
    except (OperationalError, InsufficientPrivilegeError, PostgresError) as exc:
        return _set(False, f"pgvector could not be set up ({exc}): keyword search only")
    version = str(rows[0]["extversion"]) if rows else "0"
    STATE.iterative_scan = _version(version) >= (0, 8)
    STATE.embedded, STATE.checked_at = set(), -RECHECK_S
    return _set(True, f"search by meaning with {settings.EMBEDDING_MODEL} (pgvector {version})")


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def _set(vectors: bool, reason: str) -> SearchState:
    if (STATE.vectors, STATE.reason) != (vectors, reason):
        (logger.info if vectors else logger.warning)("Search: {}", reason)
    STATE.vectors, STATE.reason = vectors, reason
    return STATE


async def _apply_vector_schema(dimensions: int) -> None:
    """The extension and table, serialised with the schema; a table of another dimension
    (the model changed) is dropped first: its vectors are derived and are made again."""
    script = VECTOR_SCRIPT.read_text(encoding="utf-8").replace("{dimensions}", str(int(dimensions)))
    async with in_transaction("default") as tx:
        await lock_schema(tx)
        rows = await tx.execute_query_dict(SQL["vector_dimensions"], [])
        if rows and rows[0]["dimensions"] not in (None, dimensions):
            logger.warning(
                "Stored vectors have {} dimensions, the model {}: they are made again",
                rows[0]["dimensions"],
                dimensions,
            )
            await tx.execute_query(SQL["embeddings_drop"])
        await tx.execute_script(script)


Progress = Callable[[int], None]


async def refresh(settings: Settings, progress: Progress | None = None) -> int:
    """Embed every product and knowledge entry whose vector is missing or stale; how many."""
    if not vectors_ready(settings):
        return 0
    model = settings.EMBEDDING_MODEL
    await connection().execute_query(SQL["embeddings_prune"], [])
    done = 0
    for kind, query in (
        ("product", "product_documents_stale"),
        ("knowledge", "knowledge_documents_stale"),
    ):
        while rows := await connection().execute_query_dict(SQL[query], [model, CHUNK]):
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                try:
                    vectors = await embed_passages(settings, [row["document"] for row in batch])
                except EmbeddingError as exc:
                    logger.error("Embedding failed: {}; keyword search still finds them", exc)
                    return done
                for row, vector in zip(batch, vectors, strict=True):
                    await connection().execute_query(
                        SQL["embedding_upsert"],
                        [kind, row["item_id"], model, row["text_hash"], literal(vector)],
                    )
                done += len(batch)
                if progress is not None:
                    progress(len(batch))
    if done:
        logger.info("Embedded {} products and knowledge entries with {}", done, model)
    _count(await status(settings))
    return done


async def forget(settings: Settings) -> None:
    """Drop every vector of the configured model (`flask embeddings rebuild --all`)."""
    await connection().execute_query(SQL["embeddings_forget"], [settings.EMBEDDING_MODEL])
    STATE.embedded, STATE.checked_at = set(), -RECHECK_S


async def status(settings: Settings) -> dict[str, int]:
    """How many items there are and how many have a vector of the configured model."""
    if not STATE.vectors:
        return {}
    rows = await connection().execute_query_dict(
        SQL["embedding_status"], [settings.EMBEDDING_MODEL]
    )
    return {key: int(value) for key, value in rows[0].items()}
