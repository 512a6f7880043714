"""Picks the intent: weighted keyword groups (phrases.yaml) combined into intent scores."""

from __future__ import annotations

from collections.abc import Callable

from assistant.offline.analysis import Analysis
from assistant.offline.text import content_tokens, employee_name, order_search_text, product_words

WEAK = 1.0
OWNER_ORDER = (
    "shop_knowledge",
    "employee_performance",
    "top_customers",
    "best_sellers",
    "order_search",
    "low_stock",
    "customer_lookup",
    "overview",
    "revenue",
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


def _employee(a: Analysis) -> float:
    score = a.g("employee_direct")
    if a.g("employee_noun"):
        extra = a.g("ranking") + a.g("performance") + a.g("sell") + 0.5 * a.g("money")
        return score + a.g("employee_noun") + extra
    if employee_name(a) and not a.g("money") and not a.g("sell"):
        score += 1.5 * a.g("performance")
    return score


def _top_customers(a: Analysis) -> float:
    ranked = a.g("customer_noun") and (a.g("ranking") or a.g("bestseller"))
    return a.g("top_customer") + (5.0 if ranked else 0.0)


def _customers(a: Analysis) -> float:
    noun = a.g("customer_noun")
    score = noun + a.g("premium") + a.g("premium_no")
    if a.email and not a.g("money") and not a.g("order_noun"):
        score += 3
    if noun or a.g("spend"):
        counts = a.amounts.min_count is not None or a.amounts.max_count is not None
        score += 2 * counts + a.g("spend") + 2 * a.amounts.money
    return score


def _best_sellers(a: Analysis) -> float:
    score = a.g("bestseller")
    people = a.g("customer_noun") or a.g("employee_noun")
    if a.g("ranking") and not people and (a.g("product_noun") or a.g("sell") or a.subject):
        score += 3
    return score


def _order_search(a: Analysis) -> float:
    text, strength = order_search_text(a)
    return {3: 5.5, 2: 3.0}.get(strength, 0.0) if text else 0.0


def _revenue(a: Analysis) -> float:
    score = a.g("money") + (0 if a.g("ranking") else a.g("sell")) + 2 * bool(a.payment)
    if a.g("order_noun"):
        filtered = a.amounts.money or a.period or a.payment or a.email or a.amounts.limit
        score += 2 if filtered else 0.5
    return score


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
    "employee_performance": _employee,
    "top_customers": _top_customers,
    "best_sellers": _best_sellers,
    "order_search": _order_search,
    "low_stock": lambda a: a.g("stock") + a.g("stock_low") + a.g("stock_out"),
    "customer_lookup": _customers,
    "overview": lambda a: a.g("overview"),
    "revenue": _revenue,
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
