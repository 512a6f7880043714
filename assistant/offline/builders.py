"""Turns an intent and what the message said into a tool call's arguments."""

from __future__ import annotations

from assistant.offline.analysis import Analysis
from assistant.offline.arguments import Args, put, range_args
from assistant.offline.intent import (
    ASK_STAFF,
    CUSTOMERS,
    DETAILS,
    INSIGHTS,
    INVENTORY,
    KNOWLEDGE,
    MY_ORDERS,
    ORDER_SEARCH,
    PRODUCTS,
    SEARCH,
)
from assistant.offline.metrics import inactive_call, metrics_call
from assistant.offline.periods import days_back
from assistant.offline.phrases import book
from assistant.offline.text import (
    capitalised_name,
    employee_name,
    name_after,
    order_search_text,
    product_words,
    shopper_query,
)

Built = tuple[str, str | None, Args]
SHOPPER_MAX_LIMIT = 20
# Owner intents answered with the shop's figures (query_metrics).
FIGURES = frozenset(
    {"metrics", "revenue", "sales_summary", "best_sellers", "employee_performance", "top_customers"}
)


def revenue_filtered(a: Analysis) -> bool:
    """Whether the message filters revenue by more than a plain calendar period."""
    amounts = a.amounts
    return bool(a.payment or amounts.money or a.email or employee_name(a) or amounts.limit) or (
        a.period is not None and a.period.calendar is None
    )


def products_args(a: Analysis, with_dates: bool) -> Args:
    """find_products_by_criteria arguments found in the message."""
    args = range_args(a.period, "date_range_start", "date_range_end") if with_dates else {}
    return put(
        args,
        product_name=a.first_term("product") or product_words(a),
        category=a.first_term("category"),
        brand=a.first_term("brand"),
        min_price=a.amounts.min_value,
        max_price=a.amounts.max_value,
        limit=a.amounts.limit,
    )


def customers_args(a: Analysis) -> Args:
    """find_customers_by_criteria arguments found in the message."""
    args = range_args(a.period, "date_range_start", "date_range_end")
    name = name_after(a, ("customer_noun",), lower_ok=True) or capitalised_name(a)
    return put(
        args,
        customer_name=None if a.email else name,
        customer_email=a.email,
        is_premium=a.is_premium(),
        min_orders=a.amounts.min_count,
        min_spent=a.amounts.min_value,
        limit=a.amounts.limit,
    )


def inventory_args(a: Analysis) -> Args:
    """get_inventory_status arguments found in the message."""
    return put(
        {},
        category=a.first_term("category"),
        brand=a.first_term("brand"),
        stock_level=a.stock_level(),
        limit=a.amounts.limit,
    )


def metric_type(a: Analysis) -> str | None:
    """orders / customers when the message counts those instead of sales."""
    keys = {hit.key for hit in book().metrics.find(a.tokens)}
    return "customers" if "customers" in keys else "orders" if "orders" in keys else None


def employee_args(a: Analysis) -> Args:
    """get_employee_metrics arguments found in the message."""
    args = put({}, employee_name=employee_name(a))
    args.update(range_args(a.period, "start_date", "end_date"))
    return put(args, metric_type=metric_type(a))


def order_search_args(a: Analysis) -> Args:
    """search_orders_by_text arguments found in the message."""
    text, _ = order_search_text(a)
    return put({}, search_text=text[:200] if text else None, limit=a.amounts.limit)


def search_args(a: Analysis, query: str | None = None) -> Args:
    """search_products arguments found in the message."""
    limit = a.amounts.limit
    return put(
        {"query": (query or shopper_query(a))[:200]},
        category=a.first_term("category", synonyms=False),
        brand=a.first_term("brand"),
        max_price=a.amounts.max_value,
        in_stock_only=True if a.g("in_stock") else None,
        limit=min(limit, SHOPPER_MAX_LIMIT) if limit else None,
    )


def _product_search(a: Analysis) -> Built:
    if a.g("sell") or a.g("money"):
        args = products_args(a, with_dates=True)
        return "product_search", PRODUCTS, {**args, "include_sales_data": True}
    args = products_args(a, with_dates=False)
    if a.g("stock_low") and (a.amounts.money or args.get("category") or args.get("brand")):
        args["low_stock"] = True
    return "product_search", PRODUCTS, args


def _inventory(a: Analysis) -> Built:
    product = a.first_term("product")
    if product:
        return "product_search", PRODUCTS, {"product_name": product}
    if a.amounts.money:
        return _product_search(a)
    return "low_stock", INVENTORY, inventory_args(a)


def _customers(intent: str, a: Analysis) -> Built:
    return intent, CUSTOMERS, customers_args(a)


def _pictures(a: Analysis) -> Built:
    name = a.first_term("product") or product_words(a)
    if not name:
        return "shop_product_search", SEARCH, search_args(a)
    return "shop_product_pictures", DETAILS, {"product_name": name[:200]}


def owner_call(intent: str, a: Analysis) -> Built:
    """The tool call of an owner's intent."""
    if intent == "shop_knowledge":
        return intent, KNOWLEDGE, {"query": a.original.strip()[:300]}
    if intent in FIGURES:
        return metrics_call(a)
    if intent == "product_search":
        return _product_search(a)
    if intent == "low_stock":
        return _inventory(a)
    if intent == "customer_lookup" and a.has("metric_markers", "inactive"):
        return inactive_call(a)
    if intent == "customer_lookup":
        return _customers(intent, a)
    if intent == "order_search":
        return intent, ORDER_SEARCH, order_search_args(a)
    if intent == "overview" and a.period is not None and a.period.end < a.today:
        return metrics_call(a)
    if intent == "overview":
        return (
            intent,
            INSIGHTS,
            {"insight_type": "overview", "days_back": days_back(a.period, a.today)},
        )
    return shopper_call(intent, a)


def shopper_call(intent: str, a: Analysis, refused: bool = False) -> Built:
    """The tool call of a shopper's intent (or small talk)."""
    if intent == "shop_knowledge":
        return intent, KNOWLEDGE, {"query": a.original.strip()[:300]}
    if intent == "support":
        return intent, ASK_STAFF, {"question": a.original.strip()[:300], "kind": "support"}
    if intent == "shop_product_search":
        if refused:
            return (
                intent,
                SEARCH,
                search_args(a, " ".join(h.term for h in a.vocab if h.kind != "employee")),
            )
        return intent, SEARCH, search_args(a)
    if intent == "shop_product_pictures":
        return _pictures(a)
    if intent == "my_orders":
        limit = a.amounts.limit
        return intent, MY_ORDERS, {"limit": min(limit, SHOPPER_MAX_LIMIT)} if limit else {}
    return intent, None, {}
