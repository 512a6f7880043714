"""Same question, same answer: every labelled shopper query ranked in a fresh database,
one at a time and then 30 at a time for `--rounds` rounds (query vectors uncached each
round); prints how many rankings differ, the vector half's misses, and a sha256 of the
rankings to compare across processes and hash seeds.

    .venv/bin/python -m bench.search_same [--rounds 10]
    for seed in 0 1 42; do PYTHONHASHSEED=$seed .venv/bin/python -m bench.search_same; done

Run it while `python -m bench.webhook` loads the machine to see rankings under load.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import time
from typing import Any

from bench.search import settings_for
from config import PROJECT_ROOT
from database import close_database, init_database
from database.connection import libpq_url
from database.demo import load_demo_data
from search import embedder, hybrid
from search.index import prepare_search, refresh
from testing.databases import fresh_database
from tools.catalog import ShopCatalog

AT_ONCE = 30


def labelled() -> list[dict[str, Any]]:
    files = sorted((PROJECT_ROOT / "bench").glob("search_queries*.json"))
    return [item for path in files for item in json.loads(path.read_text(encoding="utf-8"))]


async def run(rounds: int) -> dict[str, Any]:
    with fresh_database("bench_same") as url:
        settings = settings_for(url)
        await init_database(settings)
        try:
            await load_demo_data(libpq_url(url), orders=0, timezone=settings.SHOP_TIMEZONE)
            await prepare_search(settings)
            await refresh(settings)
            catalog = ShopCatalog(settings)
            items = labelled()

            async def rank(item: dict[str, Any]) -> tuple[str, list[str]]:
                found = await catalog.search_products(
                    item["query"], max_price=item.get("max_price")
                )
                return item["query"], [product["name"] for product in found]

            alone = dict([await rank(item) for item in items])
            gate = asyncio.Semaphore(AT_ONCE)

            async def gated(item: dict[str, Any]) -> tuple[str, list[str]]:
                async with gate:
                    return await rank(item)

            differ, searches, started = 0, 0, time.perf_counter()
            for _ in range(rounds):
                embedder._queries.clear()
                together = dict(await asyncio.gather(*(gated(item) for item in items)))
                differ += sum(together[q] != alone[q] for q in together)
                searches += len(together)
        finally:
            await close_database()
    digest = hashlib.sha256(json.dumps(alone, sort_keys=True, ensure_ascii=False).encode())
    return {
        "queries": len(alone),
        "sha256": digest.hexdigest()[:16],
        "searches_together": searches,
        "seconds": round(time.perf_counter() - started, 1),
        "differing_rankings": differ,
        "vector_misses": dict(hybrid.MISSES),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    report = asyncio.run(run(parser.parse_args(argv).rounds))
    print(
        f"{report['queries']} queries, rankings sha256 {report['sha256']}; "
        f"{report['searches_together']} searches {AT_ONCE} at a time in {report['seconds']} s: "
        f"{report['differing_rankings']} rankings differ from one at a time; "
        f"vector-half misses {report['vector_misses'] or 0}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
