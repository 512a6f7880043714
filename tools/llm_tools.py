"""The tool registry the LLM sees: pydantic argument models, role checks, compact results.

Owners (staff) get the analytics tools and the shopper tools; shoppers get only
the shopper tools. The role is checked again at execution, so a shopper's model
asking for an owner tool gets a refusal and no query runs.

Over 300 lines on purpose: it is the registry, one ToolSpec per tool with the description
the model reads, next to the one place that executes them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from loguru import logger

from config import Settings
from core.periods import local_today
from database import QueryTimeout, state
from desk import answers, knowledge, service
from desk.staff import StaffMember, staff_member
from desk.turn import Turn
from tools.args import (
    AnswerEscalationArgs,
    AskStaffArgs,
    CustomersArgs,
    EmployeeMetricsArgs,
    InsightsArgs,
    InventoryArgs,
    KnowledgeSearchArgs,
    MyOrdersArgs,
    OrderSearchArgs,
    ProductDetailsArgs,
    ProductsArgs,
    RevenueArgs,
    SalesSummaryArgs,
    SearchProductsArgs,
    ToolArgs,
    ToolArgumentError,
    validate_args,
)
from tools.catalog import ShopCatalog
from tools.charts.spec import chart_arguments, chart_of
from tools.formatting import format_result
from tools.metrics.args import MetricsArgs
from tools.metrics.engine import MetricsQueries
from tools.rag_analytics import RAGShopAnalytics
from tools.schema import tool_parameters

# owner: staff who see the business figures (ANALYTICS_ROLES, OWNER_PSIDS); staff: the rest
# of the team (support), who get the shopper-facing tools and the desk; shopper: everyone else.
Role = Literal["owner", "staff", "shopper"]
OWNER: Role = "owner"
STAFF_MEMBER: Role = "staff"
SHOPPER: Role = "shopper"
TEAM: frozenset[str] = frozenset({OWNER, STAFF_MEMBER})
DATE_HINT = " Dates are YYYY-MM-DD in the shop's local time."


@dataclass(frozen=True)
class Caller:
    """Who is asking: their page-scoped id and role, and the message being answered."""

    psid: str
    role: Role
    turn: Turn | None = None


Handler = Callable[["LLMShopTools", dict[str, Any], Caller], Awaitable[Any]]


@dataclass(frozen=True)
class ToolSpec:
    """One tool: its argument model, who may call it, and what it does."""

    name: str
    args_model: type[ToolArgs]
    roles: frozenset[str]
    description: str
    handler: Handler


@dataclass
class ToolResult:
    """The outcome of one tool call, as data and as text for the model."""

    name: str
    ok: bool
    content: str
    data: Any = None
    error: str | None = None
    row_count: int | None = None
    duration_ms: int = 0
    arguments: dict[str, Any] = field(default_factory=dict)

    def audit(self) -> dict[str, Any]:
        """A compact JSON record of the call for the audit trail."""
        return {
            "name": self.name,
            "arguments": self.arguments,
            "ok": self.ok,
            "error": self.error,
            "row_count": self.row_count,
            "duration_ms": self.duration_ms,
        }


def _analytics(method: str) -> Handler:
    async def handler(tools: LLMShopTools, args: dict[str, Any], caller: Caller) -> Any:
        return await getattr(tools.analytics, method)(**args)

    return handler


async def _query_metrics(tools: LLMShopTools, args: dict[str, Any], caller: Caller) -> Any:
    if not args.pop("chart", False):
        return await tools.metrics.query_metrics(**args)
    # A chart: the same figures, grouped and compared as a picture needs them.
    today = local_today(tools.settings.tz)
    data = await tools.metrics.query_metrics(**chart_arguments(args, today))
    language = caller.turn.language if caller.turn is not None else "en"
    data["chart"] = chart_of(data, language, tools.settings.SHOP_CURRENCY).as_dict()
    return data


NOT_SOLD_NOTE = (
    "Nothing in the shop's catalog is like this: tell the shopper honestly that the shop "
    "does not sell it, and offer one of these categories instead."
)


async def _search_products(tools: LLMShopTools, args: dict[str, Any], caller: Caller) -> Any:
    found = await tools.catalog.search_products(**args)
    if not found.not_sold:
        return found  # sold out, a filter, a constraint: not "we don't sell that"
    return {
        "total_matching": 0,
        "not_sold": True,
        "note": NOT_SOLD_NOTE,
        "categories": await tools.catalog.categories_near(args["query"]),
    }


async def _product_details(tools: LLMShopTools, args: dict[str, Any], caller: Caller) -> Any:
    return await tools.catalog.get_product_details(**args)


async def _my_orders(tools: LLMShopTools, args: dict[str, Any], caller: Caller) -> Any:
    return await tools.catalog.get_my_orders(caller.psid, **args)


async def _search_knowledge(tools: LLMShopTools, args: dict[str, Any], caller: Caller) -> Any:
    found = await knowledge.search(args["query"])
    if caller.role == SHOPPER:  # another shopper's words (and details) stay out of reach
        return [entry.as_dict(for_shopper=True) for entry in found]
    return {"note": knowledge.UNTRUSTED_NOTE, "rows": [entry.as_dict() for entry in found]}


def _turn(caller: Caller) -> Turn:
    if caller.turn is None:
        raise ToolArgumentError("turn", "this tool needs a conversation turn")
    return caller.turn


async def _ask_staff(tools: LLMShopTools, args: dict[str, Any], caller: Caller) -> Any:
    return await service.ask_staff(_turn(caller), args["question"], args.get("kind", "question"))


async def _answer_escalation(tools: LLMShopTools, args: dict[str, Any], caller: Caller) -> Any:
    turn = _turn(caller)
    staff = await staff_member(caller.psid, tools.settings) or StaffMember(
        caller.psid, None, "owner", employee=False
    )
    # The shopper gets the staff member's own words (rewritten for language only), never
    # text the model wrote: it has read tool results a shopper must not see.
    words = answers.staff_words(args["answer"], turn.text)
    result = await answers.answer(
        turn, staff, args["reference"], words, args.get("save_to_knowledge", True)
    )
    return result.as_dict()


BOTH = frozenset({OWNER, STAFF_MEMBER, SHOPPER})
STAFF = frozenset({OWNER})  # the business figures
DESK = TEAM  # answering shoppers' questions
SHOPPERS = frozenset({SHOPPER})

TOOLS: dict[str, ToolSpec] = {
    spec.name: spec
    for spec in (
        ToolSpec(
            "query_metrics",
            MetricsArgs,
            STAFF,
            "The shop's numbers, computed exactly: any of revenue, orders, average_order_value, "
            "units_sold (cups/items), customers, new_customers, cancelled_orders/value, "
            "refunded_orders/value, pending_orders, discounts, tax, items_per_order over a "
            "date range; grouped by up to two of day/week/month/weekday/hour/product/variant/"
            "category/brand/employee/payment_method/customer (empty days listed as zero); "
            "filtered by product, category, brand, employee, payment_method, customer, "
            "premium or order amount; compare_to previous_period or same_period_last_year "
            "returns both periods' figures and the changes. Best sellers: group_by product, "
            "order_by revenue (or units_sold). Busiest day or hour: metrics orders, group_by "
            "weekday/day/hour, order_by orders. chart=true when the owner wants a chart, graph "
            "or picture (biểu đồ): the picture goes with your reply, which is the result's "
            "chart line. Never compute figures yourself: quote these."
            + DATE_HINT,
            _query_metrics,
        ),
        ToolSpec(
            "get_revenue_by_filters",
            RevenueArgs,
            STAFF,
            "Revenue and order list of COMPLETED orders for an explicit date range and/or "
            "filters (staff member, customer e-mail, payment method, order amount). Use for "
            "'revenue from 1 to 15 Nov', 'cash orders over 100k this week', 'last 7 days'."
            + DATE_HINT,
            _analytics("get_revenue_by_filters"),
        ),
        ToolSpec(
            "get_sales_summary_by_period",
            SalesSummaryArgs,
            STAFF,
            "Totals (orders, revenue, average order, tax, discounts) for a calendar day, "
            "week (Mon-Sun), month, quarter or year: periods_back 0 = current, 1 = previous. "
            "Use for 'revenue today', 'sales last month', 'how did we do this year'.",
            _analytics("get_sales_summary_by_period"),
        ),
        ToolSpec(
            "find_products_by_criteria",
            ProductsArgs,
            STAFF,
            "Inventory lines (variants) by name, category, brand, price or low stock, with stock "
            "counts; include_sales_data=true adds units sold and revenue and ranks best sellers "
            "in the date range." + DATE_HINT,
            _analytics("find_products_by_criteria"),
        ),
        ToolSpec(
            "find_customers_by_criteria",
            CustomersArgs,
            STAFF,
            "Customers by name, e-mail, premium flag, minimum orders or spend, with their "
            "completed orders and spend (in the date range when given), top spenders first."
            + DATE_HINT,
            _analytics("find_customers_by_criteria"),
        ),
        ToolSpec(
            "get_inventory_status",
            InventoryArgs,
            STAFF,
            "Stock status of every active line (out_of_stock, critical, low, normal, high), "
            "most urgent first. stock_level=needs_restock for 'what is low / needs restocking'.",
            _analytics("get_inventory_status"),
        ),
        ToolSpec(
            "get_employee_metrics",
            EmployeeMetricsArgs,
            STAFF,
            "Staff performance over completed orders in a date range: orders, sales, average "
            "order, unique customers. For 'who sold most this week'." + DATE_HINT,
            _analytics("get_employee_metrics"),
        ),
        ToolSpec(
            "search_orders_by_text",
            OrderSearchArgs,
            STAFF,
            "Find orders of any status by text in the customer's name or e-mail, the note, the "
            "shipping text, the staff member's name or a product name; newest first.",
            _analytics("search_orders_by_text"),
        ),
        ToolSpec(
            "get_business_insights",
            InsightsArgs,
            STAFF,
            "A business overview of the last N days (today included): revenue, top 5 products "
            "and stock alerts. For 'how are we doing', 'give me a summary'.",
            _analytics("get_business_insights"),
        ),
        ToolSpec(
            "search_products",
            SearchProductsArgs,
            BOTH,
            "Search the menu/catalog with the shopper's own words: names, categories, brands, "
            "descriptions, a maximum price, and what they cannot have ('for my 5 year old', "
            "'no sugar', 'vegan'). Returns variants with prices, in stock yes/no and one "
            "picture; when the shop sells nothing like it, not_sold and nearby categories.",
            _search_products,
        ),
        ToolSpec(
            "get_product_details",
            ProductDetailsArgs,
            BOTH,
            "One product's description, variants with prices, availability and picture URLs. "
            "Use when the shopper wants to see a product or know more about it.",
            _product_details,
        ),
        ToolSpec(
            "get_my_orders",
            MyOrdersArgs,
            BOTH,
            "The person's OWN recent orders and their status (they are identified "
            "automatically; never ask for an id). For 'where is my order'.",
            _my_orders,
        ),
        ToolSpec(
            "search_shop_knowledge",
            KnowledgeSearchArgs,
            BOTH,
            "What the shop has answered before: delivery areas, opening hours, payment, "
            "pickup, policies. Look here before saying you do not know; answer only from the "
            "entries returned (each says how many of the query's words it matched).",
            _search_knowledge,
        ),
        ToolSpec(
            "ask_staff",
            AskStaffArgs,
            SHOPPERS,
            "Ask the shop's staff on the shopper's behalf when the shop knowledge and the "
            "catalog do not answer, when there is a problem with an order, or when the shopper "
            "asks for a person. Returns a reference (#12); tell the shopper honestly that the "
            "team has been asked and the answer will come here.",
            _ask_staff,
        ),
        ToolSpec(
            "answer_escalation",
            AnswerEscalationArgs,
            DESK,
            "Answer a shopper's pending question by its reference (#12): the answer is sent to "
            "the shopper and, unless save_to_knowledge is false, remembered for the next one.",
            _answer_escalation,
        ),
    )
}


@cache
def _definitions(role: str) -> tuple[dict[str, Any], ...]:
    """The definitions for `role`, built once per process (the schemas never change)."""
    return tuple(
        {
            "type": "function",
            "function": {
                "name": spec.name,
                "description": spec.description,
                "parameters": tool_parameters(spec.args_model),
            },
        }
        for spec in TOOLS.values()
        if role in spec.roles
    )


class LLMShopTools:
    """Offers tools by role, executes calls with validation and role checks, formats results."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or state().settings
        self.analytics = RAGShopAnalytics(self.settings)
        self.metrics = MetricsQueries(self.settings)
        self.catalog = ShopCatalog(self.settings)

    @staticmethod
    def tool_names(role: str) -> list[str]:
        """Names of the tools `role` may use."""
        return [name for name, spec in TOOLS.items() if role in spec.roles]

    def get_tool_definitions(self, role: str) -> list[dict[str, Any]]:
        """OpenAI/LiteLLM tool definitions for `role`, generated from the argument models."""
        return [dict(definition) for definition in _definitions(role)]

    async def execute_tool(self, name: str, arguments: Any, caller: Caller) -> ToolResult:
        """Validate and run one call for `caller`; every failure comes back as a result."""
        started = time.perf_counter()
        result = await self._execute(name, arguments, caller)
        result.duration_ms = int((time.perf_counter() - started) * 1000)
        return result

    async def _execute(self, name: str, arguments: Any, caller: Caller) -> ToolResult:
        spec = TOOLS.get(name)
        if spec is None:
            return _error(name, f"unknown tool {name!r}; available: {self.tool_names(caller.role)}")
        if caller.role not in spec.roles:
            logger.warning("Refused {} for a {} (psid {})", name, caller.role, caller.psid)
            if SHOPPER in spec.roles:
                who = "shoppers"
            elif caller.role == SHOPPER:
                who = "shop staff"
            else:  # a support staff member asking for the business figures
                who = "the owner and managers"
            return _error(name, f"not allowed: this tool is for {who} only")
        try:
            values = _decode_arguments(arguments)
            args = validate_args(spec.args_model, values)
        except ToolArgumentError as exc:
            return _error(name, f"invalid argument {exc}", arguments=_safe(arguments))
        given = args.model_dump(mode="json", exclude_unset=True)
        try:
            data = await spec.handler(self, given, caller)
        except ToolArgumentError as exc:
            return _error(name, f"invalid argument {exc}", arguments=given)
        except QueryTimeout:
            logger.warning("Tool {} timed out", name)
            return _error(name, "the query took too long; try a narrower date range or filter")
        content, rows = format_result(name, data, self.settings.SHOP_CURRENCY)
        return ToolResult(name, True, content, data=data, row_count=rows, arguments=given)


def _decode_arguments(arguments: Any) -> dict[str, Any]:
    if arguments is None or arguments == "":
        return {}
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            raise ToolArgumentError("arguments", f"not valid JSON ({exc.msg})") from None
    if not isinstance(arguments, dict):
        raise ToolArgumentError("arguments", "must be a JSON object")
    return arguments


def _safe(arguments: Any) -> dict[str, Any]:
    return arguments if isinstance(arguments, dict) else {"raw": str(arguments)[:200]}


def _error(name: str, message: str, *, arguments: dict[str, Any] | None = None) -> ToolResult:
    return ToolResult(name, False, f"ERROR: {message}", error=message, arguments=arguments or {})
