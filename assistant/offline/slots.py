"""An owner's figures question read into query_metrics' slots.

Slot filling over the analysis: what to measure (measures + cues: "how many" + a product is
units, "hủy" + "tiền" is cancelled_value), what to group by (a dimension word after "by" /
"theo" / "per", or asked with "which" / "nào", or the subject of a ranking), how to rank
("top 5", "least", "busiest"), which periods (comparisons.py: the one asked, and the one after
"vs" / "so với") and the filters (filters.py: catalog and staff names, customers, payment,
premium, amounts). Words no slot explains are kept, so the reply can say what it left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.offline.analysis import Analysis
from assistant.offline.comparisons import LAST_YEAR, PREVIOUS, Compared, comparison, read_periods
from assistant.offline.filters import read_filters
from assistant.offline.normalise import Hit
from assistant.offline.periods import Period
from assistant.offline.phrases import book
from core.text import fold

__all__ = ["LAST_YEAR", "PREVIOUS", "Slots", "comparison", "read_slots"]

METRICS = (
    "revenue",
    "orders",
    "units_sold",
    "customers",
    "new_customers",
    "average_order_value",
    "items_per_order",
    "discounts",
    "tax",
)
STATUSES = ("cancelled", "refunded", "pending")
# Nouns that are also plain words of a question: they measure only with a cue.
WEAK_METRICS = ("orders", "customers")
TIME_DIMENSIONS = ("day", "week", "month", "weekday", "hour")
RANK_DIMENSIONS = ("product", "employee", "customer", "category", "brand", "variant")


@dataclass
class Slots:
    """What a figures question asks: query_metrics' arguments before they are written."""

    metrics: list[str] = field(default_factory=list)
    named_metric: bool = False  # the message said what to measure
    group_by: list[str] = field(default_factory=list)
    ranked: bool = False
    descending: bool | None = None
    limit: int | None = None
    busiest: bool = False
    compare: str | None = None
    period: Period | None = None
    periods: Compared = field(default_factory=Compared)
    filters: dict[str, Any] = field(default_factory=dict)
    unread: list[str] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)
    averaged: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)
    per_order: list[str] = field(default_factory=list)
    used: set[int] = field(default_factory=set)  # tokens a slot explains


# ---------------------------------------------------------------- measures


def _amount_follows(a: Analysis, hit: Hit) -> bool:
    """Whether an amount filter follows the hit ("các đơn trên 2tr5": the filter's noun)."""
    end = a.tokens[hit.stop - 1].end
    while end < len(a.folded) and a.folded[end] in " ,":
        end += 1
    return end in a.amount_at


def _status_metric(a: Analysis, status: str, base: list[str]) -> str:
    if status == "pending":
        return "pending_orders"
    money = a.has("measures", "value") or "revenue" in base
    count = a.has("measures", "count") or "orders" in base
    if money or (not count and a.has("measures", "how_much")):
        return f"{status}_value"
    return f"{status}_orders"


def _averaged(a: Analysis, base: list[str]) -> list[str]:
    if a.time_groups and not {"average_order_value", "items_per_order"} & set(base):
        return base  # "average daily revenue": the days are listed; the average is said left out
    """Averages: items per order when items are counted ("trung bình mỗi đơn mấy món"), else
    the average order."""
    items = a.has("measures", "items") or "units_sold" in base
    if "average_order_value" in base and items and "items_per_order" not in base:
        swapped = ["items_per_order" if m == "average_order_value" else m for m in base]
        return [m for m in swapped if m != "units_sold"]
    explicit = "average_order_value" in base or "items_per_order" in base
    if explicit or not a.has("measures", "average"):
        return base
    metric = "items_per_order" if items or "units_sold" in base else "average_order_value"
    plain = ("orders", "revenue", "customers", "units_sold")
    return [metric, *(m for m in base if m not in plain)]


def _base_measures(a: Analysis, skip: set[int]) -> list[str]:
    explicit = [h for h in a.slot("measures") if h.key in METRICS and not set(h.indices) & skip]
    strong = [h for h in explicit if h.key not in WEAK_METRICS]
    base: list[str] = []
    for hit in explicit:
        if hit.key == "orders" and strong and (_amount_follows(a, hit) or _subject(a, hit)):
            continue  # "doanh thu các đơn trên 2tr5": the orders are what the filter is about
        if (
            hit.key == "customers"
            and hit.stop - hit.first == len(hit.phrase.split())
            and not (_counted(a, hit))
        ):
            continue  # "khách trả tiền mặt": who paid, not a count of customers
        if hit.key == "customers" and "new_customers" in [h.key for h in explicit]:
            continue
        base.append(hit.key)
    return list(dict.fromkeys(base))


PLAIN_ORDERS = frozenset({"order", "orders", "don", "don hang", "hoa don", "bills", "receipts"})
JOINS = frozenset({"and", "va", "voi", "cung", "plus", "with", "&"})


def _subject(a: Analysis, hit: Hit) -> bool:
    """Whether a plain "orders" is what another measure is about ("revenue from the delivery
    orders"), not a second measure ("orders and revenue", "doanh thu và số đơn")."""
    if fold(hit.phrase) not in PLAIN_ORDERS:
        return False
    cues = [h for h in a.slot("measures") if h.key in ("count", "how_much")]
    if any(cue.stop == hit.first for cue in cues):
        return False
    others = [h for h in a.slot("measures") if h.key in METRICS and h is not hit]
    for other in others:
        low, high = (
            sorted((other.stop, hit.first)) if other.first < hit.first else (hit.stop, other.first)
        )
        between = [t.fold for t in a.tokens[low:high]]
        if between and all(word in JOINS for word in between):
            return False
    return True


def _counted(a: Analysis, hit: Hit) -> bool:
    """Whether a plain noun is counted: "how many customers", "bao nhiêu khách", "số khách";
    the phrases "unique customers", "lượt khách" count by themselves."""
    plain = {"customer", "customers", "khach", "khach hang", "clients", "people", "nguoi"}
    if fold(hit.phrase) not in plain:
        return True
    cues = [h for h in a.slot("measures") if h.key in ("count", "how_much", "most", "least")]
    qualifiers = {i for h in a.slot("metric_markers") for i in h.indices if h.key != "group"}
    first = hit.first
    while first > 0 and first - 1 in qualifiers:  # "how many premium customers"
        first -= 1
    if any(cue.stop in (hit.first, first) for cue in cues):
        return True
    previous = a.tokens[hit.first - 1].fold if hit.first else ""
    return previous in ("co", "bn", "nhieu", "many", "of", "fewest", "fewer", "more", "most")


def _countable(a: Analysis, filters: dict[str, Any]) -> bool:
    """Whether "how many" counts something sold: a product, a category, or selling itself."""
    subject = any(key in filters for key in ("product", "category", "brand"))
    return subject or a.has("measures", "sell")


def _status_said(a: Analysis, status: str) -> bool:
    """A status is asked unless it is excluded ("revenue excluding refunds": revenue is over
    completed orders anyway)."""
    excluded = {h.stop for h in a.slot("metric_markers", "exclude")}
    return any(h.first not in excluded for h in a.slot("measures", status))


def read_measures(a: Analysis, skip: set[int], filters: dict[str, Any]) -> tuple[list[str], bool]:
    """The metrics asked for, in the order said, and whether the message named them."""
    base = _base_measures(a, skip)
    if "customer" in filters:  # "khách sđt 0909… chi bao nhiêu": the customer is the filter
        base = [m for m in base if m != "customers"]
    status = next((s for s in STATUSES if _status_said(a, s)), None)
    if status is not None:
        metric = _status_metric(a, status, base)
        base = [metric, *(m for m in base if m not in ("orders", "revenue", "customers"))]
    base = _averaged(a, base)
    if not base and a.has("measures", "money", "unsupported", "figures"):
        base = ["revenue"]  # "profit": not recorded; revenue, and the reply says so
    if base:
        return list(dict.fromkeys(base)), True
    if a.has("measures", "busiest", "quietest"):
        return ["orders"], False
    if a.has("measures", "count") and _countable(a, filters):
        return ["units_sold"], True
    return ["revenue"], False


# ---------------------------------------------------------------- groupings and ranking


def _after_marker(a: Analysis, hit: Hit) -> bool:
    markers = [m for m in a.slot("metric_markers", "group") if m.stop <= hit.first]
    if not markers:
        return False
    gap = a.tokens[markers[-1].stop : hit.first]
    return all(t.fold in ("the", "each", "every", "a", "cac", "tung") for t in gap)


def _denominator(a: Analysis, hit: Hit) -> bool:
    """ "Average spend per customer": after an average, "per customer" divides, it does not
    group (the average order is the nearest figure); "AOV per staff" still groups."""
    if hit.key != "customer":
        return False
    averages = ("average", "average_order_value", "items_per_order")
    averaged = [h for h in a.slot("measures") if h.key in averages and h.stop <= hit.first]
    per = [m for m in a.slot("metric_markers", "group") if m.stop == hit.first]
    return bool(averaged and per and fold(per[0].phrase) in ("per", "moi", "each", "a"))


def _asked_which(a: Analysis, hit: Hit) -> bool:
    which = a.slot("metric_markers", "which")
    before = any(m.stop == hit.first for m in which if a.tokens[m.first].fold != "nao")
    after = any(m.first == hit.stop and a.tokens[m.first].fold in ("nao", "gi") for m in which)
    return before or after


def _averages_left_out(a: Analysis, metrics: list[str]) -> list[str]:
    """ "Average daily revenue": query_metrics lists the days; the average is not computed."""
    if not a.time_groups or {"average_order_value", "items_per_order"} & set(metrics):
        return []
    hits = a.slot("measures", "average")
    return [a.original[a.tokens[h.first].start : a.tokens[h.stop - 1].end] for h in hits]


def _trend(a: Analysis, slots: Slots) -> None:
    """ "The revenue trend this month": a series by day, by week over a quarter, by month over
    longer."""
    if not a.slot("metric_markers", "trend") or any(d in TIME_DIMENSIONS for d in slots.group_by):
        return
    period = slots.period
    days = period.days if period is not None else 1
    unit = "day" if days <= 31 else "week" if days <= 92 else "month"
    if period is None:
        unit = "day"
    slots.group_by = [unit, *slots.group_by][:2]


def _sizes_named(a: Analysis, group_by: list[str]) -> list[str]:
    """Sizes said by their label ("size L", "cỡ M"): query_metrics keeps no single size, so
    unless the sizes are compared ("size nào"), the reply says it left them out."""
    if "variant" in group_by:
        return []
    found = []
    for hit in a.slot("dimensions", "variant"):
        after = a.tokens[hit.stop] if hit.stop < len(a.tokens) else None
        if after is not None and len(after.text) <= 3 and after.text.isupper():
            found.append(a.original[a.tokens[hit.first].start : after.end])
    return found


def _dimension_hits(a: Analysis, skip: set[int]) -> list[Hit]:
    return [h for h in a.slot("dimensions") if not set(h.indices) & skip]


def _who(a: Analysis) -> str | None:
    """Who is ranked: staff for "who sold most", customers for "who spent most"."""
    if not a.slot("metric_markers", "who"):
        return None
    if a.has("measures", "buy") or a.g("top_customer"):
        return "customer"
    if a.has("measures", "sell") or a.g("employee_direct"):
        return "employee"
    return None


def ranking(a: Analysis) -> tuple[bool, bool | None]:
    """(ranked, descending: False for "least"/"quietest", None when not said). A comparative
    ("more", "ít hơn") ranks only what is asked about with "which" / "who"."""
    asked = bool(a.slot("metric_markers", "which") or a.slot("metric_markers", "who"))
    least = a.has("measures", "least", "quietest", "worstseller")
    least = least or (asked and a.has("measures", "fewer"))
    most = a.has("measures", "most", "busiest", "bestseller")
    most = most or (asked and a.has("measures", "more"))
    ranked = bool(least or most or a.g("top_customer"))
    return ranked, (False if least else None)


def _ranked_subject(a: Analysis, hits: list[Hit]) -> tuple[int, str] | None:
    who = _who(a)
    if who is not None:
        first = a.slot("metric_markers", "who")[0]
        return a.tokens[first.first].start, who
    if a.g("employee_direct"):
        return 0, "employee"
    for hit in hits:
        if hit.key in RANK_DIMENSIONS:
            return a.tokens[hit.first].start, hit.key
    if a.g("top_customer"):
        return 0, "customer"
    if a.has("measures", "bestseller", "worstseller") or a.has("measures", "sell"):
        return 10**6, "product"
    return None


def read_groups(
    a: Analysis, skip: set[int], ranked: bool, grouped: list[str] | None = None
) -> tuple[list[str], set[int], bool]:
    """The groupings in the order said, the tokens they use, and whether one was asked with
    "which" / a ranking word (its rows are then ranked)."""
    found: list[tuple[int, str]] = []
    asked = False
    used: set[int] = set()
    for group in a.time_groups:
        found.append((group.start, group.dimension))
        asked = asked or group.ranked
    hits = _dimension_hits(a, skip)
    for hit in hits:
        marked = _after_marker(a, hit) and not _denominator(a, hit)
        which = _asked_which(a, hit)
        if marked or which:
            found.append((a.tokens[hit.first].start, hit.key))
            used.update(hit.indices)
            asked = asked or which
    found += _joined_groups(a, hits, used, skip)
    if not found and ranked and not grouped:
        subject = _ranked_subject(a, hits)
        if subject is not None:
            found.append(subject)
            used.update(i for h in hits if h.key == subject[1] for i in h.indices)
    if not found and a.g("employee_direct") and not a.terms("employee"):
        found.append((0, "employee"))  # "staff performance": every staff member
        used.update(i for h in hits if h.key == "employee" for i in h.indices)
    if len({a.payment} | _other_payments(a)) > 1:
        found.append((0, "payment_method"))
    found.sort(key=lambda item: item[0])
    return list(dict.fromkeys(name for _, name in found))[:2], used, asked


# "by staff and payment method", "theo giờ và thứ": a second grouping joined to the first.
JOINS = frozenset({"and", "va", "&"})
TIME_UNITS = {
    "hour": "hour", "hours": "hour", "gio": "hour", "day": "day", "days": "day", "ngay": "day",
    "week": "week", "weeks": "week", "tuan": "week", "month": "month", "months": "month",
    "thang": "month", "weekday": "weekday", "weekdays": "weekday", "thu": "weekday",
}  # fmt: skip
# "…và tháng trước", "and this week": a period, not a grouping.
PERIOD_AFTER = frozenset({"nay", "truoc", "roi", "qua", "sau", "toi", "last", "this"})


def _joined_groups(
    a: Analysis, hits: list[Hit], used: set[int], skip: set[int]
) -> list[tuple[int, str]]:
    """Groupings joined by "and"/"và" to one already read: (position, dimension) each; their
    tokens are added to `used`."""
    tokens = a.tokens
    ends = {hit.stop for hit in hits if set(hit.indices) <= used}
    for group in a.time_groups:  # masked out of the tokens: the next token follows it
        ends.add(next((t.index for t in tokens if t.start >= group.end), len(tokens)))
    joined: list[tuple[int, str]] = []
    for token in tokens[1:]:
        join = tokens[token.index - 1]
        if join.fold not in JOINS or join.index not in ends or token.index in used | skip:
            continue
        hit = next((h for h in hits if h.first == token.index), None)
        if hit is not None:
            joined.append((token.start, hit.key))
            used.update(hit.indices)
            ends.add(hit.stop)
            continue
        unit = TIME_UNITS.get(token.fold)
        after = tokens[token.index + 1].fold if token.index + 1 < len(tokens) else ""
        if unit == "day" and after == "of":  # "and day of week"
            unit = "weekday"
        if unit is not None and after not in PERIOD_AFTER and not after.isdigit():
            joined.append((token.start, unit))
            used.add(token.index)
            ends.add(token.index + 1)
    return joined


def _other_payments(a: Analysis) -> set[str | None]:
    hits = book().payments.find(a.tokens)
    return {hit.key for hit in hits}


# ---------------------------------------------------------------- unread words


# Keyword groups that say something about figures; words of the others ("delivery", "note",
# "picture") name nothing query_metrics can filter by.
FIGURE_GROUPS = frozenset(
    {
        "money", "sell", "ranking", "bestseller", "product_noun", "customer_noun",
        "top_customer", "premium", "premium_no", "spend", "employee_noun", "employee_direct",
        "performance", "order_noun", "overview", "followup", "followup_start", "list_verb",
        "greeting", "thanks", "price", "search_verb",
    }
)  # fmt: skip


def unrecorded_words(a: Analysis) -> list[str]:
    """Measures the shop does not record ("profit", "lãi"): the reply says so."""
    hits = a.slot("measures", "unsupported")
    return [a.original[a.tokens[h.first].start : a.tokens[h.stop - 1].end] for h in hits]


def unread_words(a: Analysis, used: set[int]) -> list[str]:
    """Words of the message no slot explains (kept out of the answer, and said so)."""
    explained = set(used) | a.payment_tokens | a.vocab_tokens()
    explained |= {i for hit in a.hits if hit.key in FIGURE_GROUPS for i in hit.indices}
    for table in ("measures", "dimensions", "metric_markers", "fillers", "honorifics"):
        explained |= {i for hit in a.slot(table) for i in hit.indices}
    words = []
    for token in a.tokens:
        if token.index in explained or a.is_stop(token) or token.fold.isdigit():
            continue
        if len(token.fold) < 3 and token.text.isascii():
            continue
        words.append(token.text)
    return words


# ---------------------------------------------------------------- all together


def read_slots(a: Analysis, terms: tuple[str, ...]) -> Slots:
    """Every slot of a figures question (`terms`: the shop's product names)."""
    filters, grouped, used = read_filters(a, terms)
    ranked, descending = ranking(a)
    groups, group_tokens, asked = read_groups(a, used, ranked, grouped)
    for dimension in grouped:
        if dimension not in groups:
            groups.append(dimension)
            filters.pop(dimension, None)
    if len(groups) > 1 and "payment_method" in groups:
        filters.pop("payment_method", None)
    if "payment_method" in groups:
        filters.pop("payment_method", None)
    metrics, named = read_measures(a, group_tokens | _premium_tokens(a), filters)
    busiest = a.has("measures", "busiest", "quietest")
    slots = Slots(
        metrics=metrics,
        named_metric=named,
        group_by=groups[:2],
        ranked=(ranked or asked or busiest) and bool(groups),
        descending=descending,
        limit=a.amounts.limit,
        busiest=busiest,
        filters=filters,
        used=used | group_tokens,
    )
    slots.periods = read_periods(a)
    slots.period, slots.compare = slots.periods.main, slots.periods.how
    series = slots.periods.series
    if series is not None and series not in slots.group_by:
        slots.group_by = [series, *slots.group_by][:2]
    slots.unread = unread_words(a, slots.used)
    slots.sizes = _sizes_named(a, slots.group_by)
    slots.averaged = _averages_left_out(a, slots.metrics)
    _trend(a, slots)
    slots.unrecorded = unrecorded_words(a)
    return slots


def _premium_tokens(a: Analysis) -> set[int]:
    hits = a.slot("metric_markers", "premium") + a.slot("metric_markers", "premium_no")
    return {i for hit in hits for i in hit.indices}
