"""Time groupings and periods relative to the previous question, read before the dates.

"theo tháng năm nay" must group by month over this year — not read "tháng năm" as May —
so "by month", "theo tháng", "which day", "giờ nào", "busiest hour", "monthly" are found
and masked first. "The month before" is the month before the one asked about last.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.offline.phrases import alternation, book
from core.text import tokenize

B, E = r"(?<![a-z0-9])", r"(?![a-z0-9])"
# Each time dimension's words, folded; weekday before day ("day of the week").
UNITS: dict[str, str] = {
    "weekday": r"weekdays?|days? of (?:the )?week|day of wk|thu(?: trong tuan)?(?!\s*\d)",
    "hour": r"hours?|time of (?:the )?day|time slots?|times of day|khung gio|gio",
    "day": r"days?|dates?|ngay",
    "week": r"weeks?|tuan",
    "month": r"months?|thang",
}
ADJECTIVES = {
    "daily": "day",
    "day by day": "day",
    "weekly": "week",
    "week by week": "week",
    "monthly": "month",
    "month by month": "month",
    "hourly": "hour",
    "hour by hour": "hour",
    "what time": "hour",
    "which time": "hour",
    "may gio": "hour",
    "luc nao": "hour",
}
ASKING = frozenset({"what time", "which time", "may gio", "luc nao"})  # "what time…?" ranks
RANKED = (
    "busiest|quietest|slowest|best|worst|peak|rush|top|biggest|strongest|weakest|highest|lowest"
)
VI_RANKED = "dong|dong khach|dong nhat|vang|vang khach|ban chay|cao diem|nhieu don|dat khach"
UNIT_WORDS = {
    "day": "day",
    "days": "day",
    "ngay": "day",
    "week": "week",
    "weeks": "week",
    "tuan": "week",
    "month": "month",
    "months": "month",
    "thang": "month",
    "quarter": "quarter",
    "quarters": "quarter",
    "quy": "quarter",
    "year": "year",
    "years": "year",
    "nam": "year",
}


@dataclass(frozen=True)
class TimeGroup:
    """A time grouping at [start, end) of the folded text."""

    start: int
    end: int
    dimension: str
    ranked: bool  # "which day", "busiest hour": the rows are ranked, not listed in time order
    adjective: bool = False  # said with a ranking word ("busiest hour", "ngày đông khách")


def _unit_alternation() -> str:
    return "|".join(f"(?P<{name}>{words})" for name, words in UNITS.items())


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], bool, bool]]:
    """(pattern, ranked, mask only the unit word: the ranking word is read later)."""
    markers = alternation(book().data["metric_markers"]["group"])
    units = _unit_alternation()
    which = r"which|what|whats|what s"
    return [
        (re.compile(rf"{B}{markers}\s+(?:the\s+|each\s+|a\s+)?(?:{units}){E}"), False, False),
        (re.compile(rf"{B}(?:{which})\s+(?:{units}){E}"), True, False),
        (re.compile(rf"{B}(?:{units})\s+(?:nao|may){E}"), True, False),
        (re.compile(rf"{B}(?:{RANKED})\s+(?:{units}){E}"), True, True),
        (re.compile(rf"{B}(?:{units})\s+(?:{VI_RANKED}){E}"), True, True),
        (re.compile(rf"{B}(?P<adj>{alternation(ADJECTIVES)}){E}"), False, False),
        # "weekends vs weekdays", "cuối tuần với ngày thường": the days of the week side by side
        (
            re.compile(
                rf"{B}(?P<weekday>weekends?\s+(?:vs|versus|and|or|against|compared to)\s+"
                rf"weekdays?|weekdays?\s+(?:vs|versus|and|or|against|compared to)\s+weekends?|"
                rf"cuoi tuan\s+(?:va|voi|so voi|hay)\s+ngay thuong|ngay thuong\s+(?:va|voi|"
                rf"so voi|hay)\s+cuoi tuan){E}"
            ),
            False,
            False,
        ),
        # "hàng tháng" is monthly, but "trả hàng tháng này" is returns this month
        (
            re.compile(rf"{B}hang\s+(?:{units}){E}(?!\s+(?:nay|truoc|roi|qua|sau|toi|\d))"),
            False,
            False,
        ),
    ]


def _dimension(m: re.Match[str]) -> str | None:
    adjective = m.groupdict().get("adj")
    if adjective:
        return ADJECTIVES.get(re.sub(r"\s+", " ", adjective))
    return next((name for name in UNITS if m.groupdict().get(name)), None)


def _keep(found: list[TimeGroup]) -> list[TimeGroup]:
    found.sort(key=lambda g: (g.start - g.end, g.start))
    chosen: list[TimeGroup] = []
    for group in found:
        if all(group.end <= c.start or group.start >= c.end for c in chosen):
            chosen.append(group)
    return sorted(chosen, key=lambda g: g.start)


def _marker_starts(original: str, folded: str) -> set[int]:
    """Where a grouping word starts, its accents respected ("mỗi", not "mới"), and not when
    it belongs to a measure ("khach moi" is new customers, not "each …")."""
    tokens = tokenize(original, folded)
    hits = book().slots["metric_markers"].find(tokens)
    measured = {i for hit in book().slots["measures"].find(tokens) for i in hit.indices}
    return {
        tokens[hit.first].start
        for hit in hits
        if hit.key == "group" and not set(hit.indices) & measured
    }


def time_groups(original: str, folded: str) -> list[TimeGroup]:
    """The time groupings of a message (`folded`: its folded, masked twin), in order."""
    found: list[TimeGroup] = []
    markers = _marker_starts(original, folded)
    for number, (pattern, ranked, unit_only) in enumerate(_patterns()):
        for m in pattern.finditer(folded):
            dimension = _dimension(m)
            if dimension is None or (number == 0 and m.start() not in markers):
                continue
            start, end = m.span(dimension) if unit_only else m.span()
            adjective = re.sub(r"\s+", " ", m.groupdict().get("adj") or "")
            is_ranked = ranked or adjective in ASKING
            found.append(TimeGroup(start, end, dimension, is_ranked, unit_only))
    kept = _keep(found)
    if any(g.ranked and not g.adjective for g in kept):
        # "giờ nào trong ngày đông khách nhất": the hour is asked; "ngày đông khách" is not
        kept = [g for g in kept if not g.adjective]
    return kept


_RELATIVE = re.compile(
    rf"{B}(?:the\s+)?(?P<u>day|week|month|quarter|year)\s+before(?:\s+that)?{E}(?!\s+(?:last|yesterday))"
    rf"|{B}(?P<u2>ngay|tuan|thang|quy|nam)\s+truoc\s+(?:do|nua\s+do){E}"
    rf"|{B}(?P<any>before that|the one before|the previous one|ky truoc|lan truoc|truoc do){E}"
)


@dataclass(frozen=True)
class Relative:
    """A period before the previous question's ("the month before"; unit None: same unit)."""

    start: int
    end: int
    unit: str | None


def relative_period(folded: str) -> Relative | None:
    """A period said relative to the previous question's ("and the month before?")."""
    m = _RELATIVE.search(folded)
    if m is None:
        return None
    word = m.group("u") or m.group("u2")
    return Relative(m.start(), m.end(), UNIT_WORDS.get(word) if word else None)
