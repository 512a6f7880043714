"""Same question, same answer: the labelled shopper queries rank the same asked 30 at a
time or one at a time, in this process or in others started with other hash seeds (each a
restart: fresh caches, its own model load), once the catalog's first embedding is done."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

import pytest

from config import Settings
from database import connection
from search import embedder, hybrid, index
from search.index import prepare_search, refresh
from tests.search_rankings import labelled, rank
from tests.test_search import names, search
from tools import catalog as catalog_module
from tools.catalog import ShopCatalog

CONCURRENCY = 30


def rankings(run: Any, settings: Settings, *, at_once: int) -> dict[str, list[str]]:
    """Every labelled query's top 5, `at_once` queries in flight (query vectors uncached)."""
    embedder._queries.clear()
    gate = asyncio.Semaphore(at_once)
    catalog = ShopCatalog(settings)

    async def one(item: dict[str, Any]) -> tuple[str, list[str]]:
        async with gate:
            return item["query"], await rank(catalog, item)

    async def go() -> dict[str, list[str]]:
        return dict(await asyncio.gather(*(one(item) for item in labelled())))

    return run(go(), timeout=300)


def in_another_process(url: str, seed: str) -> dict[str, list[str]]:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-m", "tests.search_rankings", url],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def differing(a: dict[str, list[str]], b: dict[str, list[str]]) -> list[str]:
    return [f"{q!r}: {a[q]} != {b.get(q)}" for q in a if a[q] != b.get(q)]


def test_together_or_one_at_a_time_the_same(run: Any, searching: Settings) -> None:
    alone = rankings(run, searching, at_once=1)
    together = rankings(run, searching, at_once=CONCURRENCY)
    assert sum(bool(names) for names in alone.values()) > len(alone) * 0.9  # it finds things
    assert differing(alone, together) == []


def test_other_processes_and_hash_seeds_the_same(
    run: Any,
    searching: Settings,
    database_url: str,
) -> None:
    here = rankings(run, searching, at_once=CONCURRENCY)
    for seed in ("1", "4242"):
        assert differing(here, in_another_process(database_url, seed)) == []


# ------------------------------------------------------------ the first round, misses


DESCRIBED = "something cold and fruity for a hot afternoon"


def keyword_only(run: Any, settings: Settings, query: str) -> list[str]:
    before = index.STATE.vectors
    index.STATE.vectors = False
    try:
        return names(search(run, settings, query))
    finally:
        index.STATE.vectors = before


def test_until_every_product_has_its_vector_words_alone_rank(run: Any, vectors: Settings) -> None:
    words_alone = keyword_only(run, vectors, DESCRIBED)
    hybrid = names(search(run, vectors, DESCRIBED))
    assert hybrid != words_alone  # meaning changes this one: the check below can fail

    async def drop_one() -> None:  # a product added behind our back, not embedded yet
        await connection().execute_query(
            "DELETE FROM item_embeddings WHERE ctid = (SELECT ctid FROM item_embeddings"
            " WHERE kind = 'product' ORDER BY item_id LIMIT 1)"
        )

    run(drop_one())
    run(prepare_search(vectors))  # a process starting now: the first round is not done
    try:
        assert "product" not in index.STATE.embedded
        assert names(search(run, vectors, DESCRIBED)) == words_alone
    finally:
        run(refresh(vectors), timeout=300)
    assert "product" in index.STATE.embedded
    assert names(search(run, vectors, DESCRIBED)) == hybrid


def test_a_vector_half_that_fails_is_counted_and_words_still_answer(
    run: Any, vectors: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    words_alone = keyword_only(run, vectors, "trà sữa")
    before = hybrid.MISSES.total()
    # An invalid pgvector setting: the vector query errors as a timeout or a lost
    # connection would.
    monkeypatch.setattr(catalog_module, "vector_settings", lambda: {"hnsw.ef_search": "0"})
    assert names(search(run, vectors, "trà sữa")) == words_alone
    assert hybrid.MISSES.total() == before + 1 and hybrid.MISSES["products"] >= 1


def test_query_vectors_are_cached_by_the_exact_text(run: Any, vectors: Settings) -> None:
    lower = run(embedder.embed_query(vectors, "trà sữa"))
    upper = run(embedder.embed_query(vectors, "Trà Sữa"))
    assert lower != upper  # the model tells case apart: one must not answer for the other
    embedder._queries.clear()
    assert run(embedder.embed_query(vectors, "Trà Sữa")) == upper


def test_a_knowledge_entry_without_its_vector_holds_back_only_knowledge(
    run: Any, vectors: Settings
) -> None:
    hybrid_names = names(search(run, vectors, DESCRIBED))

    async def drop_knowledge() -> None:
        await connection().execute_query(
            "DELETE FROM item_embeddings WHERE ctid = (SELECT ctid FROM item_embeddings"
            " WHERE kind = 'knowledge' ORDER BY item_id LIMIT 1)"
        )

    run(drop_knowledge())
    run(prepare_search(vectors))
    try:
        assert names(search(run, vectors, DESCRIBED)) == hybrid_names
        assert index.STATE.embedded == {"product"}
    finally:
        run(refresh(vectors), timeout=300)
    assert index.STATE.embedded == {"product", "knowledge"}
