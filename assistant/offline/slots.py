"""An owner's figures question read into query_metrics' slots.

Slot filling over the analysis: what to measure (measures + cues: "how many" + a product is
units, "hủy" + "tiền" is cancelled_value), what to group by (a dimension word after "by" /
"theo" / "per", or asked with "which" / "nào", or the subject of a ranking), how to rank
("top 5", "least", "busiest"), which periods (the one asked, and the one after "vs" /
"so với"), and the filters (catalog and staff names, customers, payment, premium, amounts).
Words no slot explains are kept, so the reply can say what it left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from typing import Any

from assistant.offline.analysis import Analysis
from assistant.offline.entities import employee_display
from assistant.offline.normalise import Hit, Token, fold, prepare, tokenize
from assistant.offline.periods import Period, add_months, calendar_period
from assistant.offline.phrases import alternation, book
from assistant.offline.ranges import find_period

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
PREVIOUS, LAST_YEAR = "previous_period", "same_period_last_year"
TIME_DIMENSIONS = ("day", "week", "month", "weekday", "hour")
RANK_DIMENSIONS = ("product", "employee", "customer", "category", "brand", "variant")


@dataclass
class Compared:
    """The periods of a comparison: the one asked about (`said`: named in the message, not
    implied by the other), how it is compared, and the other one as named."""

    main: Period | None = None
    how: str | None = None
    other: Period | None = None
    said: bool = False
    relative_compared: bool = False  # "vs the week before": the relative period is compared
    series: str | None = None  # "yesterday and today": both, by day


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
    if fold(hit.phrase) not in {"customer", "customers", "khach", "khach hang", "clients"}:
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
        marked = _after_marker(a, hit)
        which = _asked_which(a, hit)
        if marked or which:
            found.append((a.tokens[hit.first].start, hit.key))
            used.update(hit.indices)
            asked = asked or which
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


def _other_payments(a: Analysis) -> set[str | None]:
    hits = book().payments.find(a.tokens)
    return {hit.key for hit in hits}


# ---------------------------------------------------------------- periods and comparisons


COMPARATIVES = ("more", "fewer")
COMPARATIVE_WORDS = frozenset(
    fold(w)
    for w in ("more than", "less than", "higher than", "lower than", "than", "hơn", "nhiều hơn")
) | {fold("ít hơn")}
TRENDS = (
    "up or down",
    "better than",
    "worse than",
    "growth",
    "grown",
    "tăng hay giảm",
    "tăng giảm",
    "tăng trưởng",
    "gone up",
    "gone down",
    "go up",
    "go down",
    "went up",
    "went down",
    "increased",
    "decreased",
    "dropped",
    "risen",
    "fallen",
    "improved",
    "tăng",
    "giảm",
)
TREND_WORDS = frozenset(fold(t) for t in TRENDS)


def _marker_position(a: Analysis) -> tuple[int, bool] | None:
    """Where the comparison is said, and whether it names what is compared ("so với X").
    "Cash vs card" compares no periods: a "vs" compares periods only when one follows it
    (or last year), a trend word ("up or down", "tăng hay giảm") always."""
    measured = {i for h in a.slot("measures") for i in h.indices if h.key not in COMPARATIVES}
    asked = a.slot("metric_markers", "which") or a.slot("metric_markers", "who")
    for hit in a.slot("metric_markers", "compare_to"):
        if set(hit.indices) & measured:
            continue  # "giảm giá" is discounts, not "down"
        if asked and fold(hit.phrase) in COMPARATIVE_WORDS:
            continue  # "size nào bán nhiều ly hơn": which sells more, a ranking
        at = a.tokens[hit.first].start
        trend = fold(hit.phrase) in TREND_WORDS
        relative = a.relative is not None and a.relative.start >= at
        if trend or relative or _period_follows(a, hit) or _last_year_said(a, at):
            return at, True
    verb = a.slot("metric_markers", "compare_verb")
    if verb:
        return a.tokens[verb[0].first].start, False
    return None


def _year_ago(main: Period, other: Period) -> bool:
    starts = {add_months(main.start, -12), main.start - timedelta(weeks=52)}
    return other.start in starts


def _period_follows(a: Analysis, marker: Hit) -> bool:
    """Whether a period comes right after the comparison word ("vs last week"; in "cash vs
    card today" the thing compared is card, and today is the period of both)."""
    after = [f for f in a.periods if f.start >= a.tokens[marker.stop - 1].end]
    if not after:
        return False
    between = [
        t
        for t in a.tokens[marker.stop :]
        if a.tokens[marker.stop - 1].end <= t.start < after[0].start
    ]
    named = a.vocab_tokens() | a.payment_tokens
    return all(t.index not in named for t in between) and len(between) <= 3


def _last_year_said(a: Analysis, after: int) -> bool:
    """Whether "last year" / "năm ngoái" / "cùng kỳ" is said after the comparison word."""
    if any(a.tokens[h.first].start >= after for h in a.slot("metric_markers", "last_year")):
        return True
    pattern = _last_year_pattern()
    return any(
        f.start >= after and pattern.search(fold(a.original[f.start : f.end])) for f in a.periods
    )


@lru_cache(maxsize=1)
def _last_year_pattern() -> re.Pattern[str]:
    words = book().data["metric_markers"]["last_year"]
    return re.compile(rf"(?<![a-z0-9]){alternation(words)}(?![a-z0-9])")


def _next(period: Period, today: Any) -> Period:
    """The period after `period` of the same kind ("better than October": November)."""
    if period.calendar is not None and period.calendar[1] > 0:
        return calendar_period(period.calendar[0], period.calendar[1] - 1, today)
    if period.start.day == 1 and period.end == add_months(period.start, 1) - timedelta(days=1):
        start = add_months(period.start, 1)
        end = min(add_months(start, 1) - timedelta(days=1), today)
        return Period(start, max(start, end))
    if period.end < today:
        return calendar_period("day", 0, today)
    return period


def _sides(a: Analysis, at: int, names_other: bool) -> Compared:
    before = [f.period for f in a.periods if f.start < at]
    after = [f.period for f in a.periods if f.start >= at]
    if before:
        return Compared(before[0], None, after[0] if after else None, True)
    if len(after) >= 2:
        return Compared(after[0], None, after[1], True)
    if after and names_other:
        return Compared(_next(after[0], a.today), None, after[0], False)
    return Compared(after[0] if after else None, None, None, bool(after))


def _unit(period: Period) -> str | None:
    if period.start == period.end:
        return "day"
    if period.calendar is not None and period.calendar[0] in ("week", "month"):
        return period.calendar[0]
    whole_month = period.start.day == 1 and (period.end + timedelta(days=1)).day == 1
    return "month" if whole_month and period.days <= 31 else None


_SINCE = re.compile(r"^\s*(?:since|from|ke tu|tinh tu|tu)\s+")


def _since_inner(a: Analysis) -> Period | None:
    """The past calendar period of "since last month" said with a trend word."""
    if len(a.periods) != 1:
        return None
    found = a.periods[0]
    folded = fold(a.original[found.start : found.end])
    m = _SINCE.match(folded)
    if m is None:
        return None
    text = a.original[found.start + m.end() : found.end]
    inner, _ = find_period(*prepare(text), a.today)
    if inner is None or inner.calendar is None or inner.calendar[1] < 1:
        return None
    return inner


def _joined(a: Analysis) -> Compared | None:
    """ "Yesterday and today", "tháng 10 và tháng 11": both periods, side by side."""
    if len(a.periods) != 2:
        return None
    first, second = a.periods
    between = a.folded[first.end : second.start]
    if not re.fullmatch(r"[\s,&]*(?:and|va|voi|or|hay|plus|&)?[\s,&]*", between):
        return None
    units = {_unit(first.period), _unit(second.period)}
    if len(units) != 1 or None in units:
        return None
    start = min(first.period.start, second.period.start)
    end = max(first.period.end, second.period.end)
    return Compared(Period(start, end), None, None, True, series=units.pop())


def read_periods(a: Analysis) -> Compared:
    """The period asked about and, when compared, how (previous period or last year)."""
    marker = _marker_position(a)
    if marker is None:
        joined = _joined(a)
        if joined is not None:
            return joined
        main = a.periods[0].period if a.periods else None
        return Compared(main, None, None, main is not None)
    at, names_other = marker
    found = _sides(a, at, names_other)
    trend = any(fold(h.phrase) in TREND_WORDS for h in a.slot("metric_markers", "compare_to"))
    inner = _since_inner(a) if trend else None
    if inner is not None:  # "has revenue gone up since last month": this month vs last month
        found.main, found.other, found.said = _next(inner, a.today), inner, False
    main, other = found.main, found.other
    if main is not None and other is not None and other.start > main.end:
        found.main, found.other = other, main  # "October vs November": the later one
    relative = a.relative is not None and a.relative.start >= at
    found.relative_compared = relative
    year = relative and a.relative is not None and a.relative.unit == "year"
    found.how = comparison(found.main, found.other, _last_year_said(a, at) or year)
    return found


def comparison(main: Period | None, other: Period | None, last_year: bool) -> str:
    """previous_period, or same_period_last_year when the other period is a year before."""
    if last_year or (main is not None and other is not None and _year_ago(main, other)):
        return LAST_YEAR
    return PREVIOUS


# ---------------------------------------------------------------- filters


def _typed(a: Analysis, first: int, stop: int) -> str:
    """The words as typed, English plurals made singular ("croissants" → "croissant")."""
    out = []
    for token in a.tokens[first:stop]:
        out.append(token.stem if token.text.isascii() and token.text.isalpha() else token.text)
    return " ".join(word.lower() for word in out)


def _catalog_filters(a: Analysis, found: dict[str, list[str]]) -> None:
    for hit in a.vocab:
        if hit.kind == "category":
            found.setdefault("category", []).append(hit.term)
        elif hit.kind == "brand":
            found.setdefault("brand", []).append(hit.term)
        elif hit.kind == "product":
            found.setdefault("product", []).append(_typed(a, hit.first, hit.stop))


@lru_cache(maxsize=32)
def _product_words(names: tuple[str, ...]) -> dict[str, list[tuple[int, str]]]:
    """Each folded word of the product names → (product number, the word's accents)."""
    index: dict[str, list[tuple[int, str]]] = {}
    for number, name in enumerate(names):
        for token in tokenize(*prepare(name)):
            index.setdefault(token.fold, []).append((number, token.marks))
            if token.stem != token.fold:
                index.setdefault(token.stem, []).append((number, token.marks))
    return index


def _products_of(token: Token, index: dict[str, list[tuple[int, str]]]) -> set[int]:
    found = index.get(token.fold, []) + index.get(token.stem, [])
    return {n for n, marks in found if not token.marks or not marks or marks == token.marks}


def product_runs(a: Analysis, terms: tuple[str, ...], taken: set[int]) -> list[tuple[int, int]]:
    """Runs of free words that all belong to one product name ("tumblers", "brown sugar
    boba", "trà tắc"): a product named by part of its name. A lone common word ("thu",
    "tea") is not enough."""
    index = _product_words(terms)
    runs: list[tuple[int, int]] = []
    start, common = -1, set[int]()
    for token in [*a.tokens, None]:
        names: set[int] = set()
        if token is not None and token.index not in taken and not _ignorable(a, token):
            names = _products_of(token, index)
        if start >= 0 and names and common & names:
            common &= names
            continue
        if start >= 0:
            runs.append((start, token.index if token is not None else len(a.tokens)))
        start, common = (token.index, names) if (names and token is not None) else (-1, set())
    keywords = book().known - book().folded_set("common_words")
    return [(i, j) for i, j in runs if j - i > 1 or a.tokens[i].stem not in keywords]


def _ignorable(a: Analysis, token: Token) -> bool:
    return len(token.fold) < 3 or token.fold.isdigit() or a.is_stop(token)


def _money_filters(a: Analysis, filters: dict[str, Any]) -> None:
    if a.amounts.min_value is not None:
        filters["min_amount"] = a.amounts.min_value
    if a.amounts.max_value is not None:
        filters["max_amount"] = a.amounts.max_value


def _premium(a: Analysis) -> bool | None:
    dimensions = [set(hit.indices) for hit in a.slot("dimensions")]
    said = {
        hit.key
        for hit in a.slot("metric_markers")
        if hit.key in ("premium", "premium_no")
        and not any(set(hit.indices) <= words for words in dimensions)  # "staff member"
    }
    if "premium_no" in said or a.g("premium_no"):
        return False
    if "premium" in said or a.g("premium"):
        return True
    return None


@dataclass
class People:
    """Names of people in the message that the catalog does not know."""

    customer: str | None = None
    employee: str | None = None
    used: set[int] = field(default_factory=set)
    several: bool = False  # more than one staff member named: compare them, not filter


def _name_run(a: Analysis, index: int, taken: set[int]) -> list[Token]:
    run: list[Token] = []
    for token in a.tokens[index:]:
        if token.index in taken or a.is_stop(token) or not token.fold.isalpha():
            break
        if len(token.fold) < 2:
            break
        if run and not token.capitalised:
            break
        run.append(token)
        if len(run) == 3:
            break
    return run


def _unknown_person(a: Analysis, taken: set[int]) -> tuple[list[Token], str | None]:
    """A name the shop's lists do not know, and whose it is when the words say so: after an
    honorific ("chị Mai") or a customer / staff word ("khách Lan", "nv Hùng"), or a
    capitalised word after "from" / "by" or with a verb of buying or selling."""
    nouns = {h.stop: h.key for h in a.slot("dimensions") if h.key in ("customer", "employee")}
    for hit in a.slot("honorifics"):
        run = _name_run(a, hit.stop, taken)
        if run and (run[0].capitalised or not book().is_stop(run[0])):
            return run, nouns.get(hit.first)
    for stop, kind in nouns.items():
        run = _name_run(a, stop, taken)
        if run and run[0].capitalised:
            return run, kind
    for token in a.tokens[1:]:
        if token.capitalised and token.index not in taken and not a.is_stop(token):
            before = a.tokens[token.index - 1].fold
            hint = {"from": "customer", "by": "employee", "cua": None}.get(before)
            verb = a.has("measures", "buy", "sell") or a.g("spend")
            if before in ("from", "by", "cua") or verb:
                return _name_run(a, token.index, taken), hint
    return [], None


def people(a: Analysis, taken: set[int]) -> People:
    """Customer and staff named in the message (staff from the vocabulary, else by the
    words around the name)."""
    found = People()
    staff = a.terms("employee")
    if len({hit.term for hit in staff}) > 1:  # "Thảo với Khoa ai bán nhiều hơn": side by side
        found.several = True
        found.used.update(i for hit in staff for i in range(hit.first, hit.stop))
        staff = []
    if staff:
        found.employee = employee_display(staff[0])
        found.used.update(range(staff[0].first, staff[0].stop))
    if a.email or a.phone:
        found.customer = a.email or a.phone
        return found
    run, kind = _unknown_person(a, taken | found.used)
    if not run:
        return found
    name = a.original[run[0].start : run[-1].end]
    buyer = a.has("measures", "buy") or a.g("spend")
    seller = a.has("measures", "sell") and found.employee is None
    if kind == "employee" or (kind is None and seller and not buyer):
        found.employee = name
    else:
        found.customer = name
    found.used.update(t.index for t in run)
    return found


def _first_or_group(values: list[str]) -> tuple[str | None, bool]:
    distinct = list(dict.fromkeys(fold(v) for v in values))
    if not distinct:
        return None, False
    return values[0], len(distinct) > 1


def read_filters(a: Analysis, terms: tuple[str, ...]) -> tuple[dict[str, Any], list[str], set[int]]:
    """(filters, dimensions to group by instead — "milk tea vs coffee" —, tokens used)."""
    named: dict[str, list[str]] = {}
    _catalog_filters(a, named)
    used = a.vocab_tokens() | a.payment_tokens
    taken = used | a.keyword_tokens() | {i for h in a.slot("measures") for i in h.indices}
    taken |= {i for h in a.slot("dimensions") for i in h.indices}
    taken |= {i for h in a.slot("metric_markers") for i in h.indices}
    taken |= {i for h in a.slot("fillers") for i in h.indices}
    for start, stop in product_runs(a, terms, taken):
        named.setdefault("product", []).append(_typed(a, start, stop))
        used.update(range(start, stop))
    filters: dict[str, Any] = {}
    grouped: list[str] = []
    for key in ("category", "product", "brand"):
        value, several = _first_or_group(named.get(key, []))
        if several:
            grouped.append(key)
        elif value is not None:
            filters[key] = value
    if "category" in filters and fold(str(filters.get("product"))) == fold(filters["category"]):
        filters.pop("product")
    who = people(a, taken | used)
    used |= who.used
    if who.several:
        grouped.append("employee")
    if who.employee:
        filters["employee"] = who.employee
    if who.customer:
        filters["customer"] = who.customer
    if a.payment:
        filters["payment_method"] = a.payment
    premium = _premium(a)
    if premium is not None:
        filters["premium"] = premium
    _money_filters(a, filters)
    return filters, grouped, used


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
