"""Picks the intent: weighted keyword groups (phrases.yaml) combined into intent scores."""

from __future__ import annotations

from collections.abc import Callable

from assistant.offline.analysis import Analysis
from assistant.offline.text import content_tokens, order_search_text, product_words

WEAK = 1.0
OWNER_ORDER = (
    "shop_knowledge",
    "metrics",
    "order_search",
    "low_stock",
    "customer_lookup",
    "overview",
    "shop_product_pictures",
    "my_orders",
    "product_search",
)
TOPIC_GROUPS = (
    "money",
    "bestseller",
    "product_noun",
    "price",
    "customer_noun",
    "top_customer",
    "premium",
    "premium_no",
    "spend",
    "employee_noun",
    "employee_direct",
    "performance",
    "order_noun",
    "search_marker",
    "stock",
    "stock_low",
    "stock_out",
    "stock_critical",
    "overview",
    "picture",
    "order_status",
    "my_order",
    "owner_only",
    "shop_ask",
    "help",
    "my",
    "shop_info",
    "shop_question",
    "support_problem",
)


def topic_strength(a: Analysis) -> float:
    """How much the message says about *what* it wants (not just dates, amounts, names)."""
    return sum(a.g(group) for group in TOPIC_GROUPS)


def _customers(a: Analysis) -> float:
    noun = a.g("customer_noun")
    score = noun + a.g("premium") + a.g("premium_no") + 6 * a.has("metric_markers", "inactive")
    if a.email and not a.g("money") and not a.g("order_noun"):
        score += 3
    if noun or a.g("spend"):
        counts = a.amounts.min_count is not None or a.amounts.max_count is not None
        score += 2 * counts + a.g("spend") + 2 * a.amounts.money
    return score


def _stock(a: Analysis) -> float:
    stock = a.g("stock") + a.g("stock_low") + a.g("stock_out") + a.g("stock_critical")
    return stock + 1.0 if stock and a.subject else stock


def _order_search(a: Analysis) -> float:
    text, strength = order_search_text(a)
    return {3: 5.5, 2: 3.0}.get(strength, 0.0) if text else 0.0


STRONG_MEASURES = 3.0
WEAK_MEASURES = ("orders", "customers")
MEASURES = (
    "revenue", "orders", "units_sold", "customers", "new_customers", "average_order_value",
    "items_per_order", "discounts", "tax", "cancelled", "refunded", "pending", "money",
    "unsupported", "figures",
)  # fmt: skip


def _measured(a: Analysis) -> float:
    """Measures named: "revenue" says it; "orders" and "customers" are plain nouns too, and
    measure only with a cue, a period or an amount ("orders over 200k")."""
    hits = [hit for hit in a.slot("measures") if hit.key in MEASURES]
    strong = sum(STRONG_MEASURES for hit in hits if hit.key not in WEAK_MEASURES)
    weak = any(hit.key in WEAK_MEASURES for hit in hits)
    cued = a.has("measures", "how_much", "count") or bool(a.period or a.amounts.limit)
    cued = cued or a.amounts.money
    return min(strong, 6.0) + (1.5 if weak and (cued or strong) else 0.0)


def _figures_core(a: Analysis) -> float:
    """How clearly the message asks for the shop's figures (0: it does not)."""
    measured = _measured(a)
    verb = a.has("measures", "sell", "buy") or bool(a.g("sell"))
    cue = a.has("measures", "how_much", "count")
    score = measured
    score += 2.0 * (cue and bool(measured or verb or a.period or a.subject))
    score += 3.0 * a.has("measures", "bestseller", "worstseller")
    score += 4.0 * a.has("measures", "busiest", "quietest")
    score += 3.0 * bool(
        (a.slot("metric_markers", "compare_to") or a.slot("metric_markers", "compare_verb"))
        and (a.period or measured or verb)
    )
    score += a.g("employee_direct") + a.g("top_customer")
    people = a.g("customer_noun") or a.g("employee_noun") or a.slot("metric_markers", "who")
    people = people or a.slot("dimensions")  # "the top 3 categories"
    ranked = a.has("measures", "most", "least") or a.amounts.limit
    priced = a.g("price") and not (measured or verb)  # "our most expensive drink": a price
    score += 2.0 * bool(ranked and (verb or people or a.g("product_noun")) and not a.g("list_verb"))
    score -= 2.0 * bool(ranked and priced and not (verb or people))
    score += 2.0 * bool(verb and a.period)
    score += 2.0 * bool(a.payment and (a.period or verb))
    named = a.subject or a.vocab_employee
    score += 3.0 * bool(a.has("measures", "perform") and (named or verb))
    grouped = a.time_groups or _grouped_noun(a)
    score += 2.0 * bool(grouped and (a.period or a.has("metric_markers", "which")))
    return score


def _grouped_noun(a: Analysis) -> bool:
    """ "the breakdown by payment type": a dimension right after a grouping word."""
    ends = {hit.stop for hit in a.slot("metric_markers", "group")}
    return any(hit.first in ends for hit in a.slot("dimensions"))


def _metrics(a: Analysis) -> float:
    """query_metrics: a measure, a ranking, a comparison, figures over a period."""
    core = _figures_core(a)
    if not core:
        return 0.0
    premium = a.has("metric_markers", "premium", "premium_no") or a.g("premium")
    grouped = len(a.time_groups) + bool(a.slot("dimensions"))
    return core + 1.5 * grouped + bool(a.period) + 2.0 * bool(premium and a.period)


def _products(a: Analysis) -> float:
    score = a.g("product_noun") + a.g("price") + 1.5 * a.subject + 0.5 * a.g("shop_ask")
    if a.amounts.money and (a.g("product_noun") or a.subject):
        score += 1
    if a.g("shop_ask") and product_words(a):
        score += 1
    return score


def _my_orders(a: Analysis, owner: bool) -> float:
    score = a.g("my_order") + (4.0 if a.g("my") and a.g("order_noun") else 0.0)
    if score or not owner:
        score += a.g("order_status")
    return score


def _shop_knowledge(a: Analysis, owner: bool = False) -> float:
    """A question about the shop itself (delivery, hours, payment, policies), not a product.

    For staff, a period or payment method means the business's figures instead
    ("paid by MoMo last month")."""
    if a.subject or a.g("my_order") or (a.g("my") and a.g("order_noun")) or a.g("money") >= 3:
        return 0.0
    if owner and (a.period is not None or a.payment):
        return 0.0
    return a.g("shop_info") + a.g("shop_question")


OWNER_SCORES: dict[str, Callable[[Analysis], float]] = {
    "shop_knowledge": lambda a: _shop_knowledge(a, owner=True),
    "metrics": _metrics,
    "order_search": _order_search,
    "low_stock": _stock,
    "customer_lookup": _customers,
    "overview": lambda a: a.g("overview"),
    "shop_product_pictures": lambda a: a.g("picture"),
    "my_orders": lambda a: _my_orders(a, True),
    "product_search": _products,
}


def _small_talk(a: Analysis) -> str:
    if a.g("help"):
        return "help"
    if a.g("greeting"):
        return "greeting"
    if a.g("thanks"):
        return "thanks"
    return "unknown"


def owner_intent(a: Analysis) -> tuple[str, float]:
    """The owner's intent and its score."""
    scores = {name: OWNER_SCORES[name](a) for name in OWNER_ORDER}
    best = max(OWNER_ORDER, key=lambda name: (scores[name], -OWNER_ORDER.index(name)))
    if scores[best] < WEAK:
        return _small_talk(a), scores[best]
    return best, scores[best]


def refused(a: Analysis) -> bool:
    """Whether a shopper asks for owner-only data (sales, staff, customers, inventory...)."""
    score = a.g("owner_only") + a.g("employee_direct") + a.g("top_customer")
    score += a.g("overview") if a.g("overview") >= 3 else 0
    score += a.g("money") if a.g("money") >= 3 else 0
    score += a.g("stock_low") if not a.subject else 0
    if a.email and not a.g("my"):
        score += 3
    return score > 0


def shopper_intent(a: Analysis) -> tuple[str, float]:
    """The shopper's intent and its score (owner-only questions become unknown)."""
    if refused(a):
        return ("shop_product_search", 1.0) if a.subject else ("unknown", 0.0)
    if a.g("support_problem") >= 3:
        return "support", a.g("support_problem")
    knowledge = _shop_knowledge(a)
    if knowledge >= 3:
        return "shop_knowledge", knowledge
    search = a.g("shop_ask") + a.g("price") + a.g("product_noun") + 1.5 * a.subject
    search += bool(content_tokens(a)) + a.amounts.money + a.g("in_stock") + a.g("bestseller")
    scores = {
        "my_orders": _my_orders(a, False),
        "shop_product_pictures": a.g("picture") + (2.0 if a.g("picture") else 0.0),
        "shop_product_search": search,
    }
    best = max(scores, key=lambda name: scores[name])
    if scores[best] < WEAK:
        return _small_talk(a), scores[best]
    return best, scores[best]
