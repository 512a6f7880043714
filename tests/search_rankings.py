"""Rank every labelled shopper query in a process of its own (the other side of
tests/test_search_determinism.py): `python -m tests.search_rankings DATABASE_URL` prints
{query: [names of the top 5]} as JSON on its last line."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from database import close_database, init_database
from search.index import prepare_search
from tests.conftest import make_settings
from tools.catalog import ShopCatalog

LABELLED = Path(__file__).parent.parent / "bench" / "search_queries.json"


def labelled() -> list[dict[str, Any]]:
    return list(json.loads(LABELLED.read_text(encoding="utf-8")))


async def rank(catalog: ShopCatalog, item: dict[str, Any]) -> list[str]:
    found = await catalog.search_products(item["query"], max_price=item.get("max_price"))
    return [product["name"] for product in found]


async def one_at_a_time(url: str) -> dict[str, list[str]]:
    settings = make_settings(url)
    await init_database(settings)
    try:
        await prepare_search(settings)
        catalog = ShopCatalog(settings)
        return {item["query"]: await rank(catalog, item) for item in labelled()}
    finally:
        await close_database()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(one_at_a_time(sys.argv[1])), ensure_ascii=False))
