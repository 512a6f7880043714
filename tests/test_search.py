"""Search by meaning: real PostgreSQL — with pgvector (the embedded server) the hybrid
path, without it (the CI machine's PostgreSQL 15) the keyword fallback, same shape."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from config import Settings
from database import connection
from search import embedder, index
from search.index import prepare_search, refresh
from search.words import analyse
from tests.test_catalog import INTERNAL_KEYS, _keys
from tools.catalog import ShopCatalog
from tools.llm_tools import Caller, LLMShopTools

DRINKS = {"Milk Tea", "Fruit Tea", "Coffee", "Matcha", "Smoothie"}


def search(run: Any, settings: Settings, query: str, **kwargs: Any) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        return await ShopCatalog(settings).search_products(query, **kwargs)

    return run(go())


def names(results: list[dict[str, Any]]) -> list[str]:
    return [item["name"] for item in results]


# ------------------------------------------------------------------ embeddings, freshness


def test_every_product_and_entry_is_embedded_once(run: Any, vectors: Settings) -> None:
    counts = run(index.status(vectors))
    assert counts["products_embedded"] == counts["products"] > 0
    assert counts["knowledge_embedded"] == counts["knowledge"] > 0
    assert run(refresh(vectors)) == 0  # nothing stale: nothing embedded again


def test_a_product_changed_behind_our_back_is_embedded_again(run: Any, vectors: Settings) -> None:
    async def hashes() -> dict[str, str]:
        rows = await connection().execute_query_dict(
            "SELECT p.name, e.text_hash FROM item_embeddings e JOIN products p"
            " ON p.id::text = e.item_id WHERE e.kind = 'product' AND p.name = 'Croissant'"
        )
        return {row["name"]: row["text_hash"] for row in rows}

    async def rewrite(description: str) -> None:  # as a point of sale would: straight SQL
        await connection().execute_query(
            "UPDATE products SET description = $1 WHERE name = 'Croissant'", [description]
        )

    before = run(hashes())
    original = run(
        connection().execute_query_dict("SELECT description FROM products WHERE name = 'Croissant'")
    )[0]["description"]
    run(rewrite(original + " Now with French butter."))
    try:
        assert run(refresh(vectors)) == 1
        assert run(hashes()) != before
    finally:
        run(rewrite(original))
        run(refresh(vectors))


def test_embedding_runs_off_the_event_loop(run: Any, vectors: Settings) -> None:
    model = embedder._builtin(vectors.EMBEDDING_THREADS)
    threads: list[int] = []
    original = model.query

    def recording(text: Any) -> Any:
        threads.append(threading.get_ident())
        return original(text)

    model.query = recording  # type: ignore[method-assign]
    embedder._queries.clear()
    try:

        async def go() -> int:
            await embedder.embed_query(vectors, "a warm drink for a rainy evening")
            return threading.get_ident()

        loop_thread = run(go())
    finally:
        model.query = original  # type: ignore[method-assign]
    assert threads and all(thread != loop_thread for thread in threads)


# ----------------------------------------------------------------------------- ranking


@pytest.mark.parametrize(
    ("query", "fitting"),
    [
        ("something cold and sweet", DRINKS),
        ("trà sữa", {"Milk Tea"}),
        ("tra sua", {"Milk Tea"}),
        ("a warm drink for a rainy day", DRINKS),
        ("đồ ăn vặt", {"Snacks", "Bakery"}),
    ],
)
def test_descriptions_find_fitting_products(
    run: Any, vectors: Settings, query: str, fitting: set[str]
) -> None:
    results = search(run, vectors, query)
    assert results, query
    categories = [item["category"] for item in results]
    assert categories[0] in fitting
    assert sum(category in fitting for category in categories) >= len(categories) / 2


@pytest.mark.parametrize(
    ("query", "first"),
    [
        ("matcha latte", "Matcha Latte"),
        ("Matcha", "Matcha Latte"),
        ("croissant", "Croissant"),
        ("croisant", "Croissant"),
        ("cà phê sữa đá", "Vietnamese Iced Coffee (Cà Phê Sữa Đá)"),
        ("trà sữa trân châu đường đen", "Trà Sữa Trân Châu Đường Đen"),
    ],
)
def test_a_named_product_ranks_first(run: Any, searching: Settings, query: str, first: str) -> None:
    assert names(search(run, searching, query))[0] == first


def test_not_wanted_is_not_first(run: Any, vectors: Settings) -> None:
    results = search(run, vectors, "milk tea without pearls", limit=3)
    assert results
    assert all(
        not any(w in item["name"].lower() for w in ("pearl", "boba", "trân châu"))
        for item in results
    )


def test_nothing_like_it_finds_nothing(run: Any, searching: Settings) -> None:
    for query in ("car insurance", "bảo hiểm xe máy", "xyzzy plugh"):
        assert search(run, searching, query) == [], query


# ------------------------------------------------------------------------------ filters


def test_filters_apply_to_both_halves(run: Any, searching: Settings) -> None:
    cheap = search(run, searching, "something cold and sweet", max_price=40000, limit=10)
    assert cheap and all(min(v["price"] for v in p["variants"]) <= 40000 for p in cheap)
    teas = search(run, searching, "a refreshing drink", category="Fruit Tea", limit=10)
    assert teas and {p["category"] for p in teas} == {"Fruit Tea"}
    browsing = search(run, searching, "cookies", limit=10)
    assert all(p["in_stock"] for p in browsing)


def test_a_named_sold_out_product_is_still_found(run: Any, searching: Settings) -> None:
    [first, *rest] = search(run, searching, "is the almond cookie available?", limit=5)
    assert first["name"] == "Almond Cookie" and first["in_stock"] is False
    assert all(p["in_stock"] for p in rest)


def test_the_shopper_tool_shape_has_no_internals(run: Any, searching: Settings) -> None:
    async def go() -> Any:
        return await LLMShopTools(searching).execute_tool(
            "search_products",
            {"query": "món gì mát lạnh cho ngày nóng", "limit": 5},
            Caller("7100000000000001", "shopper"),
        )

    result = run(go())
    assert result.ok and result.data
    for item in result.data:
        assert set(item) == {
            "product_id",
            "name",
            "category",
            "brand",
            "description",
            "variants",
            "in_stock",
            "image_url",
        }
        assert item["image_url"].startswith("https://")
    assert not (_keys(json.loads(json.dumps(result.data, default=str))) & INTERNAL_KEYS)


# ----------------------------------------------------------------------- the fallback


def test_keyword_search_alone_keeps_the_shape(run: Any, searching: Settings) -> None:
    before = index.STATE.vectors
    index.STATE.vectors = False  # as on a server without pgvector
    try:
        results = search(run, searching, "trà sữa", limit=5)
        named = search(run, searching, "matcha latte")
    finally:
        index.STATE.vectors = before
    assert results and {p["category"] for p in results} <= {
        "Milk Tea",
        "Fruit Tea",
        "Tea Leaves",
        "Matcha",
    }
    assert named[0]["name"] == "Matcha Latte"
    assert set(results[0]) >= {"name", "variants", "in_stock", "image_url"}


def test_search_says_why_it_is_keyword_only(
    run: Any, searching: Settings, has_pgvector: bool
) -> None:
    state = run(prepare_search(searching.model_copy(update={"EMBEDDING_MODEL": "none"})))
    assert not state.vectors and "keyword search only" in state.reason
    state = run(prepare_search(searching))
    if has_pgvector:
        assert state.vectors
    else:
        assert not state.vectors and "no pgvector" in state.reason


# ---------------------------------------------------------------------------- queries


@pytest.mark.parametrize(
    ("query", "groups", "negative"),
    [
        (
            "trà sữa ít đường",
            ["((tra & sua) | milk:* | tea | (milk:* & tea))"],
            ["duong", "sugar"],
        ),
        (
            "milk tea without pearls",  # a Vietnamese catalog's "trà sữa … trân châu" too
            ["((milk:* & tea) | (tra & sua))"],
            ["pearls", "pearl", "boba", "tapioca", "tran", "chau", "chan", "trau"],
        ),
        ("dairy-free fruity drink", ["(fruity:*)"], ["dairy", "milk"]),
        ("car insurance", ["(car)", "(insurance:*)"], []),
        (
            "bánh dưới 30 nghìn",
            ["(banh:* | cake:* | bread:* | cookie:* | croissant:* | pastry:* | bakery:*)"],
            [],
        ),
    ],
)
def test_query_words(query: str, groups: list[str], negative: list[str]) -> None:
    words = analyse(query)
    assert (words.groups, words.negative) == (groups, negative)


def test_knowledge_search_by_meaning(run: Any, vectors: Settings) -> None:
    from desk.knowledge import search as knowledge_search

    found = run(knowledge_search("what time do you close at night?"))
    assert found and "opening hours" in found[0].question
    assert found[0].similarity is not None
