"""When an owner's message continues their previous figures question ("còn tuần trước?")."""

from __future__ import annotations

from assistant.offline.analysis import Analysis
from assistant.offline.intent import METRICS, ParsedIntent
from assistant.offline.metrics import Built, merge_metrics
from assistant.offline.scoring import MEASURES, _shop_knowledge
from assistant.offline.text import order_search_text

NEW_TOPIC = ("bestseller", "worstseller", "busiest", "quietest", "perform")


def other_topic(a: Analysis) -> bool:
    """Whether the message asks for something no figures question answers (stock, customers
    who stopped coming, an overview, orders mentioning a word, the shop knowledge…)."""
    stocked = a.g("stock") or a.g("stock_low") or a.g("stock_out") or a.g("stock_critical")
    if stocked or a.g("overview") >= 3:
        return True
    if a.has("metric_markers", "inactive") or a.g("picture") or a.g("my_order"):
        return True
    if a.g("list_verb") and (a.g("customer_noun") or a.g("product_noun")):
        return True
    if order_search_text(a)[1] == 3:
        return True
    return _shop_knowledge(a, owner=True) >= 3


def marked(a: Analysis) -> bool:
    """Whether the message opens or reads like a follow-up ("and…", "what about…", "còn…",
    "only…", "instead", "was that")."""
    markers = a.has("metric_markers", "refer_back", "only", "instead")
    return bool(a.g("followup") or a.g("followup_start") or markers or _ranked_by(a))


def _ranked_by(a: Analysis) -> bool:
    """ "By cups", "theo số ly", "tính theo ly": the previous ranking, by another measure."""
    groups = a.slot("metric_markers", "group")
    measures = [h for h in a.slot("measures") if h.key in MEASURES]
    return any(m.first == g.stop for g in groups for m in measures)


def _slots_said(a: Analysis) -> bool:
    amounts = a.amounts
    return bool(
        a.period
        or a.relative
        or a.time_groups
        or a.slot("dimensions")
        or a.vocab
        or a.payment
        or a.email
        or a.phone
        or amounts.money
        or amounts.limit
        or a.slot("metric_markers", "compare_to")
        or a.slot("metric_markers", "compare_verb")
        or a.has("metric_markers", "premium", "premium_no")
        or a.has("measures", "most", "least", "value", "count")
    )


def _bare_measure(a: Analysis) -> bool:
    """A measure alone ("orders?", "số khách?"): the same question, measured otherwise."""
    if _slots_said(a) or a.has("measures", *NEW_TOPIC):
        return False
    measured = {i for h in a.slot("measures") for i in h.indices}
    rest = [t for t in a.tokens if t.index not in measured and not a.is_stop(t)]
    return len(rest) <= 1


def _fresh(a: Analysis) -> bool:
    measures = [h for h in a.slot("measures") if h.key not in ("how_much", "count", "sell", "buy")]
    named = any(h.key not in ("most", "least", "value", "items", "average") for h in measures)
    return named or a.has("measures", *NEW_TOPIC)


def metrics_follow_up(a: Analysis, previous: ParsedIntent | None) -> Built | None:
    """The previous query_metrics call with this message's slots, when it continues it."""
    if previous is None or previous.tool != METRICS or other_topic(a):
        return None
    if not marked(a) and _fresh(a) and _bare_measure(a):
        return "metrics", METRICS, merge_metrics(dict(previous.arguments), a)  # "orders?"
    if not marked(a) and (_fresh(a) or not _slots_said(a)):
        return None
    if marked(a) and not (_slots_said(a) or _fresh(a) or a.slot("measures")):
        return None
    return "metrics", METRICS, merge_metrics(dict(previous.arguments), a)
