"""Joins period expressions ("from A to B", "since A") and picks the message's period."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

from assistant.offline.dates import Found, Grammar, grammar
from assistant.offline.periods import Period, clamp

# "from 1 to 15 Nov", "1-15/11", "từ 1 đến 15/11": a bare day before a dated end.
_BARE_START = re.compile(
    r"(?:(?<![a-z0-9])(?:from|between|tu ngay|tu)\s+)?(?:the\s+)?(?<![\d/.-])(?P<d>\d{1,2})"
    r"(?:st|nd|rd|th)?\s*(?:to|-|–|~|until|till|through|thru|and|den|toi)\s*(?:the\s+)?$"
)


def _point(period: Period) -> bool:
    return period.start == period.end and period.calendar is None


def combine(g: Grammar, found: list[Found], folded: str, today: date) -> list[Found]:
    """Add ranges ("from A to B") and open ranges ("since A") built from the candidates."""
    extra: list[Found] = []
    for a in found:
        before = g.since.search(folded[: a.start])
        if before and before.group().strip() == "from" and not _point(a.period):
            before = None
        if before and a.period.rolling_days is None and a.period.start <= today:
            extra.append(Found(before.start(), a.end, Period(a.period.start, today)))
        for b in found:
            merged = _range(g, a, b, folded)
            if merged is not None:
                extra.append(merged)
        bare = _bare_range(a, folded)
        if bare is not None:
            extra.append(bare)
        week = _week_of(a, folded, today)
        if week is not None:
            extra.append(week)
    return found + extra


_WEEK_OF = re.compile(
    r"(?<![a-z0-9])(?:the\s+)?week\s+(?:of|starting|beginning|commencing|from)\s+(?:the\s+)?$"
    r"|(?<![a-z0-9])tuan\s+(?:co|cua|tu)(?:\s+ngay)?\s+$"
)


def _week_of(b: Found, folded: str, today: date) -> Found | None:
    """ "the week of Nov 16", "tuần có ngày 16/11": the Monday-Sunday week of that day."""
    if b.period.start != b.period.end or b.period.calendar:
        return None
    m = _WEEK_OF.search(folded[: b.start])
    if m is None:
        return None
    monday = b.period.start - timedelta(days=b.period.start.weekday())
    return Found(m.start(), b.end, clamp(Period(monday, monday + timedelta(days=6)), today))


def _bare_range(b: Found, folded: str) -> Found | None:
    """A range whose first day is a bare number: "from 1 to 15 Nov"."""
    if b.period.start != b.period.end or b.period.calendar or b.period.implicit_month:
        return None
    m = _BARE_START.search(folded[: b.start])
    if m is None:
        return None
    try:
        start = b.period.start.replace(day=int(m.group("d")))
    except ValueError:
        return None
    if start > b.period.end:
        return None
    return Found(m.start(), b.end, Period(start, b.period.end))


def _range(g: Grammar, a: Found, b: Found, folded: str) -> Found | None:
    if b.start <= a.end or a.period.rolling_days or b.period.rolling_days:
        return None
    sep = g.range_sep.fullmatch(folded[a.end : b.start])
    prefix = g.range_start.search(folded[: a.start])
    if sep is None or (sep.group().strip() == "and" and prefix is None):
        return None
    end = b.period.end
    if a.period.implicit_month:
        try:  # "the 20th to the 25th of November": the first day is in the second's month
            start = a.period.start.replace(year=end.year, month=end.month)
        except ValueError:
            return None
        a = replace(a, period=Period(start, start))
    if end < a.period.start and b.period.implicit_year:
        try:
            end = end.replace(year=end.year + 1)
        except ValueError:
            return None
    if end < a.period.start:
        return None
    return Found(prefix.start() if prefix else a.start, b.end, Period(a.period.start, end))


def find_period(original: str, folded: str, today: date) -> tuple[Period | None, list[Found]]:
    """The first period of the message and every span that belongs to a period."""
    g = grammar()
    found = combine(g, g.candidates(original, folded, today), folded, today)
    found.sort(key=lambda f: (f.start - f.end, f.start))
    chosen: list[Found] = []
    for item in found:
        if all(item.end <= c.start or item.start >= c.end for c in chosen):
            chosen.append(item)
    chosen.sort(key=lambda f: f.start)
    chosen = [replace(f, period=clamp(f.period, today)) for f in chosen]  # no days to come
    if not chosen:
        return None, []
    first = chosen[0].period
    return replace(first, implicit_year=False), chosen
