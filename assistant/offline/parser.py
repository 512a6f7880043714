"""The offline model's parser: a chat message -> the tool to call and its arguments.

No network and no model: the message is folded (accents stripped for matching),
dates, amounts and e-mails are read by the grammars in dates.py and amounts.py,
keywords come from the weighted phrase tables in core/data/phrases.yaml (typos tolerated),
catalog and staff names from the caller's Vocabulary, and the intent is the best
of a few scores (scoring.py). Shoppers never get owner tools.
"""

from __future__ import annotations

from datetime import date

from assistant.offline.analysis import Analysis, analyse
from assistant.offline.builders import owner_call, shopper_call
from assistant.offline.charts import asks_for_chart
from assistant.offline.followup import continue_previous, follow_up
from assistant.offline.intent import (
    EMPLOYEES,
    INSIGHTS,
    METRICS,
    PRODUCTS,
    REVENUE,
    SUMMARY,
    ParsedIntent,
    Vocabulary,
    allowed_tools,
)
from assistant.offline.metrics import left_out, metrics_call
from assistant.offline.metrics_followup import metrics_follow_up
from assistant.offline.scoring import owner_intent, refused, shopper_intent

__all__ = ["ParsedIntent", "Vocabulary", "parse"]
# The figures tools whose question a chart answers from query_metrics.
CHARTABLE = frozenset({METRICS, REVENUE, SUMMARY, INSIGHTS, PRODUCTS, EMPLOYEES})
GROUPED = {PRODUCTS: "product", EMPLOYEES: "employee"}  # what those tools list


def parse(
    text: str,
    *,
    today: date,
    role: str,
    vocabulary: Vocabulary | None = None,
    previous: ParsedIntent | None = None,
) -> ParsedIntent:
    """Parse one message of `role` ("owner" or "shopper") on the shop-local day `today`."""
    a = analyse(text if isinstance(text, str) else str(text), today, vocabulary or Vocabulary())
    owner = role == "owner"
    language = a.language or (previous.language if previous is not None else "en")
    built = metrics_follow_up(a, previous) if owner else None
    if built is None and not (owner and previous is not None and previous.tool == METRICS):
        # After a figures question, metrics_follow_up alone decides what continues it: the
        # generic merge would read a fresh "busiest hour yesterday" as the old question.
        built = follow_up(a, previous, role)
    if built is None:
        if owner:
            intent, _ = owner_intent(a)
            built = owner_call(intent, a)
        else:
            intent, _ = shopper_intent(a)
            built = shopper_call(intent, a, refused=refused(a))
        built = continue_previous(a, previous, role, built, intent)
    if owner and built[1] in CHARTABLE and asks_for_chart(a.original):
        # A picture is drawn from the metrics: a listing of orders or a summary asked as a
        # chart is the same question asked of query_metrics.
        name, tool, arguments = built if built[1] == METRICS else metrics_call(a)
        if tool != METRICS:  # a listing of orders: their count (or revenue) over the dates
            metric = "orders" if built[1] in (REVENUE, SUMMARY) and _orders(a) else "revenue"
            dates = {k: v for k, v in arguments.items() if k in ("start_date", "end_date")}
            name, tool, arguments = name, METRICS, {"metrics": [metric], **dates}
        if built[1] in GROUPED and not arguments.get("group_by"):
            arguments = {**arguments, "group_by": [GROUPED[built[1]]]}
        built = name, tool, {**arguments, "chart": True}
    name, tool, arguments = built
    if tool is not None and tool not in allowed_tools(role):
        name, tool, arguments = "unknown", None, {}
    product = bool(a.subject or a.g("shop_ask") or a.g("price") or a.g("product_noun"))
    missing = left_out(a) if tool == METRICS else ()
    return ParsedIntent(name, tool, arguments, language, product, missing)


def _orders(a: Analysis) -> bool:
    """Whether the message counts orders ("orders", "đơn") rather than money."""
    return bool(set(a.folded.split()) & {"order", "orders", "don"})
