"""The parser's data types and the tool names it may pick."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

METRICS = "query_metrics"
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
KNOWLEDGE = "search_shop_knowledge"
ASK_STAFF = "ask_staff"
ANSWER = "answer_escalation"

OWNER_TOOLS = frozenset(
    {
        METRICS,
        REVENUE,
        SUMMARY,
        PRODUCTS,
        CUSTOMERS,
        INVENTORY,
        EMPLOYEES,
        ORDER_SEARCH,
        INSIGHTS,
        ANSWER,
    }
)
BOTH_TOOLS = frozenset({SEARCH, DETAILS, MY_ORDERS, KNOWLEDGE})
SHOPPER_TOOLS = BOTH_TOOLS | {ASK_STAFF}


def allowed_tools(role: str) -> frozenset[str]:
    """The tools `role` may be given (owners: theirs and the shared ones; shoppers: theirs)."""
    return OWNER_TOOLS | BOTH_TOOLS if role == "owner" else SHOPPER_TOOLS


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
    # Looking for a product ("do you have…", a price, a product word): when the catalog has
    # none, "we don't have it" is the answer, not a question for the staff.
    asks_for_product: bool = False
    # What an owner's question asked that the call leaves out, as (reason, words): words no
    # slot explains ("unread"), measures the shop does not record ("unrecorded": profit), an
    # average per day ("average"), a single size ("size"), a product split of discounts or tax
    # ("per_order"). The reply says each, so a filter is never dropped silently.
    left_out: tuple[tuple[str, str], ...] = ()

    @property
    def unread(self) -> tuple[str, ...]:
        """The words no slot explains."""
        return tuple(words for reason, words in self.left_out if reason == "unread")
