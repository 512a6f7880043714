"""Shopper catalog tools: useful answers, no internals, only the caller's own orders."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tools.catalog import ShopCatalog
from tools.llm_tools import Caller, LLMShopTools

INTERNAL_KEYS = {
    "stock",
    "low_stock_threshold",
    "total_sold",
    "total_revenue",
    "inventory_value",
    "cost",
    "customer_email",
    "employee_name",
}


def catalog(run: Any, method: str, *args: Any, **kwargs: Any) -> Any:
    async def go() -> Any:
        return await getattr(ShopCatalog(), method)(*args, **kwargs)

    return run(go())


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("matcha", "Matcha Latte"),
        ("trà sữa", "Trà Sữa Trân Châu Đường Đen"),
        ("tra sua", "Trà Sữa Trân Châu Đường Đen"),
        ("croissants", "Croissant"),
        ("MATCHA LATTE", "Matcha Latte"),
        ("cà phê sữa đá", "Vietnamese Iced Coffee (Cà Phê Sữa Đá)"),
    ],
)
def test_search_finds_products_by_the_shoppers_words(run, demo_shop, query, expected) -> None:
    names = [p["name"] for p in catalog(run, "search_products", query)]
    assert names[0] == expected


def test_a_named_sold_out_product_is_found_and_reported_sold_out(run, demo_shop) -> None:
    results = catalog(run, "search_products", "almond cookie")
    assert results[0]["name"] == "Almond Cookie" and results[0]["in_stock"] is False
    # Named, it is still found while browsing for in-stock products only.
    browsing = catalog(run, "search_products", "almond cookie", in_stock_only=True, limit=20)
    assert browsing[0]["name"] == "Almond Cookie"
    assert all(p["in_stock"] for p in browsing[1:])


def test_browsing_leaves_sold_out_products_out(run, demo_shop) -> None:
    results = catalog(run, "search_products", "bakery", in_stock_only=True, limit=20)
    assert results and all(p["in_stock"] for p in results)
    everything = catalog(run, "search_products", "bakery", in_stock_only=False, limit=20)
    assert any(not p["in_stock"] for p in everything)


def test_max_price_filters_in_sql(run, demo_shop) -> None:
    results = catalog(run, "search_products", "tea", max_price=40000, limit=20)
    assert results
    assert all(min(v["price"] for v in p["variants"]) <= 40000 for p in results)


def test_product_details_have_pictures_and_no_stock_counts(run, demo_shop) -> None:
    details = catalog(run, "get_product_details", "matcha latte")
    assert details["found"] and details["name"] == "Matcha Latte"
    assert details["images"] and details["images"][0].startswith("https://")
    assert not (_keys(details) & INTERNAL_KEYS)
    assert catalog(run, "get_product_details", "unicorn steak")["found"] is False


def test_my_orders_are_only_the_callers(run, demo_shop) -> None:
    mine = catalog(run, "get_my_orders", "7100000000000001")
    assert [o["status"] for o in mine][0] == "pending" and len(mine) == 4
    assert catalog(run, "get_my_orders", "someone-else") == []


def test_the_shopper_id_comes_from_the_caller_not_the_arguments(run, demo_shop) -> None:
    async def go() -> Any:
        tools = LLMShopTools()
        caller = Caller("someone-else", "shopper")
        injected = await tools.execute_tool("get_my_orders", {"psid": "7100000000000001"}, caller)
        plain = await tools.execute_tool("get_my_orders", {}, caller)
        return injected, plain

    injected, plain = run(go())
    assert not injected.ok and "psid" in (injected.error or "")
    assert plain.ok and plain.data == []


def test_no_shopper_tool_result_carries_internal_fields(run, demo_shop) -> None:
    async def go() -> list[Any]:
        tools = LLMShopTools()
        caller = Caller("7100000000000001", "shopper")
        return [
            await tools.execute_tool(name, args, caller)
            for name, args in [
                ("search_products", {"query": "milk tea", "in_stock_only": False, "limit": 20}),
                ("get_product_details", {"product_name": "almond cookie"}),
                ("get_my_orders", {}),
            ]
        ]

    for result in run(go()):
        assert result.ok
        assert not (_keys(json.loads(json.dumps(result.data, default=str))) & INTERNAL_KEYS)
