"""Shopper tools: the catalog (prices, in stock yes/no, pictures) and the caller's own orders.

Nothing here returns stock counts, costs, sales or other customers' data. The
shopper's identity is the caller's PSID, bound by the tool layer, never an argument.
"""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from typing import Any

from tortoise.exceptions import OperationalError

from core.periods import local_date
from core.text import fold
from database import PostgresError, QueryTimeout, load_sql
from search import facets, hybrid
from search.hybrid import (
    CANDIDATES,
    NO_NAME_MATCH,
    VECTOR_FLOOR,
    fuse,
    missed,
    name_ngrams,
    name_rank,
    nearest_first,
    unwanted,
    vector_settings,
)
from search.words import Corrector, QueryWords, analyse, typo_corrector
from tools.args import (
    MyOrdersArgs,
    ProductDetailsArgs,
    SearchProductsArgs,
    validate_args,
)
from tools.rag_analytics import ORDER_STATUS, like_escape, like_pattern
from tools.readonly import ReadOnlyQueries

SQL = load_sql("catalog.sql")
WORDS_TTL_S = 300.0
_WORDS: dict[str, tuple[float, Corrector | None]] = {}


def _card(row: dict[str, Any]) -> dict[str, Any]:
    """What a shopper sees of a product (no stock counts, costs or sales)."""
    return {
        "product_id": str(row["product_id"]),
        "name": row["name"],
        "category": row["category"],
        "brand": row["brand"],
        "description": row["description"],
        "variants": _variants(row["variants"]),
        "in_stock": bool(row["in_stock"]),
        "image_url": row["image_url"],
    }


def _text(card: dict[str, Any]) -> str:
    """A card's name, description and sizes: what "without milk" is checked against."""
    sizes = (v["classification"] or "" for v in card["variants"])
    return " ".join([card["name"], card["description"] or "", *sizes])


def _variants(raw: Any) -> list[dict[str, Any]]:
    items = json.loads(raw) if isinstance(raw, str) else (raw or [])
    return [
        {
            "classification": item.get("classification"),
            "price": Decimal(str(item.get("price"))).quantize(Decimal("0.01")),
            "in_stock": bool(item.get("in_stock")),
        }
        for item in items
    ]


class Found(list[dict[str, Any]]):
    """Products found, best first; `not_sold` when the query names only things no product
    mentions (an empty result for any other reason — sold out, a filter — is not that)."""

    def __init__(self, cards: Any = (), *, not_sold: bool = False) -> None:
        super().__init__(cards)
        self.not_sold = not_sold


class ShopCatalog(ReadOnlyQueries):
    """Catalog search (hybrid: words and meaning), product details and the caller's orders."""

    SQL = SQL

    async def _search(self, args: SearchProductsArgs, *, in_stock_only: bool, limit: int) -> Found:
        folded = fold(args.query.strip())
        words = analyse(args.query, await self._corrector())
        asked = facets.constraints(args.query, words.negative)
        filters = [like_pattern(args.category), like_pattern(args.brand), args.max_price]
        # The two halves at once, on two pooled connections.
        keyword, vector = await asyncio.gather(
            self._by_words(words, folded, filters, in_stock_only),
            self._by_meaning(words.embed_text, filters, in_stock_only),
        )
        # Filters, constraints ("for my 5 year old", "no sugar") or only what is not wanted
        # ("anything without milk") say what is browsed: then results found by meaning need
        # no similarity floor, and more of them are looked at.
        browsing = args.category is not None or args.max_price is not None or bool(asked)
        browsing = browsing or (not words.groups and bool(words.negative))
        if await self._sells_none_of(words.things, keyword):
            # Things no product mentions ("a vegan sandwich" in a café without one): the
            # shop does not sell them — nothing nearby by meaning stands in for them. (One
            # of two missing, "a durian smoothie", still shows the smoothies.)
            return Found(not_sold=True)
        fused = fuse(
            keyword,
            vector,
            floor=0.0 if browsing else VECTOR_FLOOR,
            groups=0 if browsing else len(words.groups),
        )
        fused = fused[: 2 * CANDIDATES if asked else max(limit * 3, 15)]
        if not fused:
            # Nothing like it at all (no filter or constraint narrowed it, nothing sold out
            # matches its words): the shop does not sell it.
            narrowed = browsing or args.brand is not None or bool(asked)
            if narrowed or (in_stock_only and await self._by_words(words, folded, filters, False)):
                return Found()
            return Found(not_sold=True)
        rows = await self._fetch("product_cards", [[product_id for product_id, _ in fused]])
        order = {str(product_id): position for position, (product_id, _) in enumerate(fused)}
        matched = {str(row["id"]): int(row.get("matched_words") or 0) for row in keyword}
        things = {str(row["id"]) for row in keyword if row.get("matched_things")}
        negative = [word for word in words.negative if not facets.covered(word)]
        ranked = []
        for card in (_card(row) for row in rows):
            profile = facets.profile(card)
            named = (
                NO_NAME_MATCH if facets.refused(profile, asked) else name_rank(card["name"], folded)
            )
            if named == NO_NAME_MATCH and facets.ruled_out(profile, asked):
                continue  # a product the shopper names is reported whatever they asked
            negated = named == NO_NAME_MATCH and unwanted(_text(card), negative)
            wrong_kind, misfit, temperature = facets.fit(profile, asked)
            if named < NO_NAME_MATCH or (asked.kind is None and card["product_id"] in things):
                wrong_kind = 0  # asked for by name or as a thing ("a mug for my son")
            # Constraints order within what the words found first ("a coffee, less sweet":
            # the coffees, the less sweet ones first), then by the fused rank.
            words_found = -matched.get(card["product_id"], 0) if asked else 0
            key = (named, wrong_kind, negated, words_found, misfit, temperature)
            ranked.append(((*key, order[card["product_id"]]), card))
        # The kind asked for ("a drink") is here, or was asked in so many words: only it (a
        # tote bag whose text says "drinks" is no answer to "drinks with no sugar").
        if asked.kind is not None or any(key[1] == 0 for key, _ in ranked):
            ranked = [(key, card) for key, card in ranked if key[1] == 0]
        ranked.sort(key=lambda item: item[0])
        return Found(card for _, card in ranked[:limit])

    async def _sells_none_of(self, things: list[str], keyword: list[dict[str, Any]]) -> bool:
        """Whether no product mentions any of the things the query names (a word match of
        one among the keyword candidates already says it does)."""
        if not things or any(row.get("matched_things") for row in keyword):
            return False
        return len(await self._fetch("groups_nothing_matches", [things])) == len(things)

    async def _by_words(
        self, words: QueryWords, folded: str, filters: list[Any], in_stock_only: bool
    ) -> list[dict[str, Any]]:
        if not words.groups:
            return []
        params = [words.tsquery, words.groups, folded, like_escape(folded), name_ngrams(folded)]
        return await self._fetch(
            "product_keyword_candidates",
            [*params, *filters, in_stock_only, CANDIDATES, words.things],
        )

    async def _by_meaning(
        self, text: str, filters: list[Any], in_stock_only: bool
    ) -> list[dict[str, Any]]:
        query_vector = await hybrid.query_vector(self.settings, text)
        if query_vector is None:
            return []
        try:
            rows = await self._fetch(
                "product_vector_candidates",
                [query_vector, self.settings.EMBEDDING_MODEL, *filters, in_stock_only, CANDIDATES],
                local_settings=vector_settings(),
            )
        except (OperationalError, PostgresError, QueryTimeout) as exc:
            # The words half still answers; the shopper is never left without a reply.
            missed("products", exc)
            return []
        return nearest_first(rows)

    async def _corrector(self) -> Corrector:
        """Typo correction against the catalog's own words (refreshed every few minutes)."""
        stamp, corrector = _WORDS.get(self.connection_name, (0.0, None))
        if corrector is None or time.monotonic() - stamp > WORDS_TTL_S:
            rows = await self._fetch("catalog_words", [])
            corrector = typo_corrector(frozenset(str(row["word"]) for row in rows))
            _WORDS[self.connection_name] = (time.monotonic(), corrector)
        return corrector

    async def search_products(
        self,
        query: str,
        category: str | None = None,
        brand: str | None = None,
        max_price: Any = None,
        in_stock_only: bool = True,
        limit: int = 5,
    ) -> Found:
        """Products matching the shopper's words; a product they name is found even if sold out."""
        args = validate_args(
            SearchProductsArgs,
            {
                "query": query,
                "category": category,
                "brand": brand,
                "max_price": max_price,
                "in_stock_only": in_stock_only,
                "limit": limit,
            },
        )
        return await self._search(args, in_stock_only=args.in_stock_only, limit=args.limit)

    async def categories_near(self, query: str, limit: int = 3) -> list[str]:
        """The shop's categories nearest to `query` by meaning (or its largest, without
        vectors): what to offer when the shop does not sell what was asked for."""
        words = analyse(query)
        rows = await self._by_meaning(words.embed_text, [None, None, None], True)
        near = list(dict.fromkeys(str(row["category"]) for row in rows if row.get("category")))
        if not near:
            near = [str(row["category"]) for row in await self._fetch("shop_categories", [])]
        return near[:limit]

    async def get_product_details(self, product_name: str) -> dict[str, Any]:
        """One product's description, variants with prices, in-stock flags and pictures."""
        args = validate_args(ProductDetailsArgs, {"product_name": product_name})
        found = await self._search(
            SearchProductsArgs(query=args.product_name), in_stock_only=False, limit=3
        )
        if not found:
            return {"found": False, "product_name": args.product_name}
        best = found[0]
        images = await self._fetch("product_images", [best["product_id"]])
        urls = [row["url"] for row in images] or ([best["image_url"]] if best["image_url"] else [])
        return {
            "found": True,
            **best,
            "images": urls,
            "other_matches": [item["name"] for item in found[1:]],
        }

    async def get_my_orders(self, psid: str, limit: int = 5) -> list[dict[str, Any]]:
        """The caller's own orders, newest first, with status and items."""
        args = validate_args(MyOrdersArgs, {"limit": limit})
        rows = await self._fetch("my_orders", [psid, args.limit])
        result = []
        for row in rows:
            items = row["items"]
            if isinstance(items, str):
                items = json.loads(items)
            result.append(
                {
                    "order_id": str(row["order_id"]),
                    "order_ref": str(row["order_id"])[:8],
                    "order_date": local_date(row["created_at"], self.tz),
                    "status": ORDER_STATUS.get(int(row["status"]), "unknown"),
                    "total": Decimal(row["final_total_price"]).quantize(Decimal("0.01")),
                    "shipping": row["shipping"],
                    "items": items,
                }
            )
        return result
