"""The parser's data types and the tool names it may pick."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

REVENUE = "get_revenue_by_filters"
SUMMARY = "get_sales_summary_by_period"
PRODUCTS = "find_products_by_criteria"
CUSTOMERS = "find_customers_by_criteria"
INVENTORY = "get_inventory_status"
EMPLOYEES = "get_employee_metrics"
ORDER_SEARCH = "search_orders_by_text"
INSIGHTS = "get_business_insights"
SEARCH = "search_products"
DETAILS = "get_product_details"
MY_ORDERS = "get_my_orders"

OWNER_TOOLS = frozenset(
    {REVENUE, SUMMARY, PRODUCTS, CUSTOMERS, INVENTORY, EMPLOYEES, ORDER_SEARCH, INSIGHTS}
)
SHOPPER_TOOLS = frozenset({SEARCH, DETAILS, MY_ORDERS})


def allowed_tools(role: str) -> frozenset[str]:
    """The tools `role` may be given ("owner" gets all, anyone else only shopper tools)."""
    return OWNER_TOOLS | SHOPPER_TOOLS if role == "owner" else SHOPPER_TOOLS


@dataclass(frozen=True)
class Vocabulary:
    """Lower-cased catalog terms the caller loads from the database."""

    categories: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    product_names: tuple[str, ...] = ()
    employee_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ParsedIntent:
    """What the message asks for: the intent, the tool to call and its arguments."""

    intent: str
    tool: str | None
    arguments: dict[str, Any]
    language: str
