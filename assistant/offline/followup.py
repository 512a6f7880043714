"""Follow-ups ("and last month?", "chỉ tiền mặt thôi"): the previous call, partly replaced."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from assistant.offline.analysis import Analysis
from assistant.offline.arguments import Args, revenue_args
from assistant.offline.builders import (
    Built,
    customers_args,
    employee_args,
    inventory_args,
    owner_call,
    products_args,
    revenue_filtered,
    search_args,
    shopper_call,
)
from assistant.offline.intent import (
    CUSTOMERS,
    DETAILS,
    EMPLOYEES,
    INSIGHTS,
    INVENTORY,
    MY_ORDERS,
    ORDER_SEARCH,
    PRODUCTS,
    REVENUE,
    SEARCH,
    SUMMARY,
    ParsedIntent,
    allowed_tools,
)
from assistant.offline.periods import days_back, period_from_args
from assistant.offline.scoring import topic_strength
from assistant.offline.text import content_tokens, employee_name, join, product_words

TEXT_TOOLS = (SEARCH, DETAILS, PRODUCTS, ORDER_SEARCH, CUSTOMERS)
SUBJECT = ("product_name", "category", "query")


def marked(a: Analysis) -> bool:
    """Whether the message opens like a follow-up ("and…", "what about…", "only…")."""
    return bool(a.g("followup") or a.g("followup_start"))


def _has_slots(a: Analysis, tool: str) -> bool:
    amounts = a.amounts
    return bool(
        a.period
        or a.payment
        or amounts.money
        or amounts.min_count is not None
        or amounts.limit
        or a.email
        or a.vocab
        or employee_name(a)
        or (tool in TEXT_TOOLS and marked(a) and content_tokens(a))
    )


def _bounds(args: Args, low: str, high: str) -> Args:
    bottom, top = args.get(low), args.get(high)
    if isinstance(bottom, bool) or isinstance(top, bool):
        return args
    if isinstance(bottom, int | float) and isinstance(top, int | float) and top < bottom:
        args.pop(high)
    return args


def _update(args: Args, new: Args, replaces: dict[str, tuple[str, ...]]) -> Args:
    for key, dropped in replaces.items():
        if key in new:
            for name in dropped:
                args.pop(name, None)
    args.update(new)
    return args


def _revenue(args: Args, a: Analysis) -> Args:
    new = revenue_args(a)
    _update(args, new, {"employee_name": ("customer_email",), "customer_email": ("employee_name",)})
    return _bounds(args, "min_amount", "max_amount")


def _products(args: Args, a: Analysis) -> Args:
    new = products_args(a, with_dates=bool(args.get("include_sales_data")))
    _update(args, new, {"product_name": ("category",), "category": ("product_name",)})
    return _bounds(args, "min_price", "max_price")


def _customers(args: Args, a: Analysis) -> Args:
    new = customers_args(a)
    return _update(
        args, new, {"customer_name": ("customer_email",), "customer_email": ("customer_name",)}
    )


def _employees(args: Args, a: Analysis) -> Args:
    return _update(args, employee_args(a), {})


def _order_search(args: Args, a: Analysis) -> Args:
    text = product_words(a)
    if text:
        args["search_text"] = text[:200]
    return args


def _insights(args: Args, a: Analysis) -> Args:
    if a.period is not None:
        args["days_back"] = days_back(a.period, a.today)
    return args


def _search(args: Args, a: Analysis) -> Args:
    words = content_tokens(a)
    new = search_args(a, join(words) if words else str(args.get("query") or ""))
    if not words:
        new.pop("query")
    _update(args, new, {"query": ("category", "brand")})
    return _bounds(args, "min_price", "max_price")


def _details(args: Args, a: Analysis) -> Args:
    name = a.first_term("product") or (join(content_tokens(a)) or None)
    if name:
        args["product_name"] = name[:200]
    return args


def _inventory(args: Args, a: Analysis) -> Args:
    return _update(args, inventory_args(a), {})


def _my_orders(args: Args, a: Analysis) -> Args:
    if a.amounts.limit:
        args["limit"] = min(a.amounts.limit, 20)
    return args


MERGERS: dict[str, Callable[[Args, Analysis], Args]] = {
    REVENUE: _revenue,
    PRODUCTS: _products,
    CUSTOMERS: _customers,
    EMPLOYEES: _employees,
    ORDER_SEARCH: _order_search,
    INSIGHTS: _insights,
    SEARCH: _search,
    DETAILS: _details,
    INVENTORY: _inventory,
    MY_ORDERS: _my_orders,
}


def _summary(previous: ParsedIntent, a: Analysis) -> Built:
    if revenue_filtered(a):
        base = a.period or period_from_args(previous.arguments, a.today)
        return "revenue", REVENUE, revenue_args(replace(a, period=base and base.explicit()))
    args = dict(previous.arguments)
    if a.period is not None and a.period.calendar is not None:
        args["period"], args["periods_back"] = a.period.calendar
    return previous.intent, SUMMARY, args


def merge(previous: ParsedIntent, a: Analysis) -> Built:
    """The previous call with what this message specifies replaced."""
    assert previous.tool is not None
    if previous.tool == SUMMARY:
        return _summary(previous, a)
    merger = MERGERS.get(previous.tool)
    if merger is None:
        return previous.intent, previous.tool, dict(previous.arguments)
    return previous.intent, previous.tool, merger(dict(previous.arguments), a)


def _usable(previous: ParsedIntent | None, role: str) -> ParsedIntent | None:
    if previous is None or previous.tool is None or previous.tool not in allowed_tools(role):
        return None
    return previous


def follow_up(a: Analysis, previous: ParsedIntent | None, role: str) -> Built | None:
    """The merged call when the message only adds details to the previous question."""
    usable = _usable(previous, role)
    if usable is None or usable.tool is None:
        return None
    if topic_strength(a) == 0 and _has_slots(a, usable.tool):
        return merge(usable, a)
    return None


def continue_previous(
    a: Analysis, previous: ParsedIntent | None, role: str, built: Built, intent: str
) -> Built:
    """A marked follow-up: same tool -> merge; another tool -> keep the previous period."""
    usable = _usable(previous, role)
    if usable is None or not marked(a) or built[1] is None:
        return built
    if built[1] == usable.tool:
        return merge(usable, a)
    if a.period is None:
        period = period_from_args(usable.arguments, a.today)
        if period is not None:
            again = replace(a, period=period)
            return owner_call(intent, again) if role == "owner" else shopper_call(intent, again)
    return built
