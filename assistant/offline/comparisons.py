"""The periods of a figures question, and how one is compared with another.

"this month vs last month", "so với cùng kỳ năm ngoái", "better than last month", "has revenue
gone up since last month": the period asked about, the one it is compared with, and whether
that is the previous period or the same period last year (query_metrics' compare_to). Two
periods joined by "and" are shown side by side instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from assistant.offline.analysis import Analysis
from assistant.offline.normalise import Hit
from assistant.offline.periods import Period, add_months, calendar_period
from assistant.offline.phrases import alternation, book
from assistant.offline.ranges import find_period
from core.text import fold, fold_aligned

PREVIOUS, LAST_YEAR = "previous_period", "same_period_last_year"


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


SHORTER = re.compile(r"\s*(?:thang|tuan|quy|hom|ngay)(?![a-z0-9])")


def _followed_by_shorter(a: Analysis, end: int) -> bool:
    return SHORTER.match(fold(a.original[end:])) is not None


def _last_year_said(a: Analysis, after: int) -> bool:
    """Whether "last year" / "năm ngoái" / "cùng kỳ" is said after the comparison word."""
    hits = [h for h in a.slot("metric_markers", "last_year") if a.tokens[h.first].start >= after]
    # "cùng kỳ tháng trước" / "cùng kỳ tuần trước": the same days of the month (week) before
    shorter = [h for h in hits if _followed_by_shorter(a, a.tokens[h.stop - 1].end)]
    if len(shorter) < len(hits):
        return True
    if shorter:
        return False
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
    inner, _ = find_period(*fold_aligned(text), a.today)
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
