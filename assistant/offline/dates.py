"""Finds the period a message talks about: calendar periods, rolling windows, days, ranges."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from assistant.offline.normalise import compile_phrase, term_matches
from assistant.offline.periods import (
    Period,
    calendar_period,
    clamp,
    day_of_month,
    month_end,
    month_period,
    recent_year,
    rolling_period,
    week_of_month,
    year_before,
)
from assistant.offline.phrases import alternation, book, word_map, words
from core.text import fold_aligned, tokenize

B, E = r"(?<![a-z0-9])", r"(?![a-z0-9])"
Handler = Callable[[re.Match[str], "Ctx"], Period | None]
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_ORDINAL = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4}
# Which week of a month: 1-4, 0 the last one.
_WEEK_ORDINAL = {
    **_ORDINAL,
    "4th": 4,
    "last": 0,
    "final": 0,
    "dau": 1,
    "dau tien": 1,
    "thu nhat": 1,
    "thu hai": 2,
    "thu 2": 2,
    "thu ba": 3,
    "thu 3": 3,
    "thu tu": 4,
    "thu 4": 4,
    "cuoi": 0,
    "cuoi cung": 0,
}
ALL_TIME = date(2000, 1, 1)  # "all time": since before any shop kept orders here
_LAST_YEAR = r"(?:last year|a year ago|the year before|nam ngoai|nam truoc|nam roi)"
_YEAR_CONTEXT = re.compile(
    r"(?:in|of|for|during|year|nam|since|from|between|and|to|tu|den|fy|until)\s+$"
)


@dataclass(frozen=True)
class Ctx:
    """The message being read."""

    today: date
    original: str
    folded: str


@dataclass(frozen=True)
class Found:
    """A period expression at [start, end) of the folded text."""

    start: int
    end: int
    period: Period


def _f(m: re.Match[str], name: str) -> str:
    return (m.groupdict().get(name) or "").strip()


def _in(value: str, items: list[str]) -> bool:
    return bool(value) and re.sub(r"\s+", " ", value) in {fold_aligned(i)[1] for i in items}


class Grammar:
    """The date patterns, compiled from the `dates` section of phrases.yaml."""

    def __init__(self) -> None:
        d = book().data["dates"]
        self.d = d
        self.units = word_map(d["units"])
        self.months = {k: int(v) for k, v in word_map(d["months"]).items()}
        self.months.update({k: int(v) for k, v in word_map(d["months_short"]).items()})
        self.weekdays = {k: int(v) for k, v in word_map(d["weekdays"]).items()}
        self.weekdays.update({k: int(v) for k, v in word_map(d["weekdays_short"]).items()})
        self.abbr = {k: int(v) for k, v in word_map(d["weekday_abbreviations"]).items()}
        numbers = d["number_words"]
        en = {fold_aligned(k)[1]: int(v) for k, v in numbers["en"].items()}
        vi = {fold_aligned(k)[1]: int(v) for k, v in numbers["vi"].items()}
        self.numbers = {**en, **vi}
        self.accented = {
            fold_aligned(w)[1]: compile_phrase(w) for w in words(d["weekdays"]) + words(d["months"])
        }
        self.context = re.compile(rf"{B}{alternation(d['month_context_before'])}\s+$")
        a = alternation
        num = rf"(?P<n>\d{{1,3}}|{a(self.numbers)})"
        num_en = rf"(?P<n>\d{{1,3}}|{a(en)})"
        num_vi = rf"(?P<n>\d{{1,3}}|{a(vi)})"
        unit = rf"(?P<u>{a(self.units)})"
        mon = rf"(?P<mon>{a(self.months)})"
        year = r"(?P<y>(?:19|20)\d{2})"
        rel_year = r"(?P<ry>this year|last year|nam nay|nam ngoai|nam truoc|nam roi)"
        days = d["today"] + d["yesterday"] + d["day_before_yesterday"]
        week_ordinal = rf"(?P<o>{a(_WEEK_ORDINAL)})"
        which_month = (
            rf"(?:(?P<rel>this|last|previous|the|thang nay|thang truoc|thang roi)\s+month|"
            rf"thang\s+(?P<rel2>nay|truoc|roi)|{mon}(?:\s*,?\s*{year})?|"
            rf"thang\s+(?P<m>\d{{1,2}})(?:\s*(?:/|nam)\s*(?P<y2>(?:19|20)\d{{2}}))?|"
            r"(?P<bare>thang))"
        )
        rules: list[tuple[str, Handler]] = [
            (rf"{B}(?P<w>{a(days)}){E}", self._relative_day),
            (
                rf"{B}(?:the\s+)?(?:same|cung)\s+{unit}\s+(?:as\s+)?{_LAST_YEAR}{E}",
                self._same_last_year,
            ),
            (rf"{B}(?:the\s+)?{unit}\s+before\s+last{E}", self._before_last),
            (rf"{B}{unit}\s+(?:truoc|roi)\s+nua{E}", self._before_last),
            (
                rf"{B}(?:the\s+)?{week_ordinal}\s+week\s+(?:of\s+|in\s+)?{which_month}{E}",
                self._week_of_month,
            ),
            (rf"{B}tuan\s+{week_ordinal}\s+(?:cua\s+)?{which_month}{E}", self._week_of_month),
            (
                rf"{B}(?:the\s+)?(?P<h>first|1st|second|2nd|last|latter)\s+half\s+(?:of\s+|in\s+)?"
                rf"{which_month}{E}",
                self._half_month,
            ),
            (rf"{B}nua\s+(?P<h>dau|cuoi|sau)\s+(?:cua\s+)?{which_month}{E}", self._half_month),
            (
                rf"{B}(?:the\s+)?(?P<h>first|1st|second|2nd|last|latter)\s+half\s+(?:of\s+)?"
                rf"(?:(?P<rel>this|last|the)\s+year|{year}){E}",
                self._half_year,
            ),
            (
                rf"{B}nua\s+(?P<h>dau|cuoi|sau)\s+(?:cua\s+)?(?:nam\s+(?P<rel>nay|ngoai|truoc)|"
                rf"nam\s+{year}){E}",
                self._half_year,
            ),
            (rf"{B}h(?P<h>[12])(?:\s*[/,-]?\s*{year})?{E}", self._half_year),
            (
                rf"{B}(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+of\s+(?P<q>this|last|"
                rf"previous|the previous|the last)\s+month{E}",
                self._day_of_this_month,
            ),
            (
                rf"{B}ngay\s+(?P<d>\d{{1,2}})\s+thang\s+(?P<q>nay|truoc|roi){E}",
                self._day_of_this_month,
            ),
            (rf"{B}(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th){E}", self._bare_day),
            (rf"{B}ngay\s+(?P<d>\d{{1,2}}){E}(?!\s*(?:/|-|thang|ngay|tuan))", self._bare_day),
            (rf"{B}(?P<q>{a(d['this'] + d['last'])})\s+{unit}{E}", self._this_last),
            (rf"{B}{unit}\s+(?P<q>{a(d['vi_this'] + d['vi_last'])}){E}", self._this_last),
            # Not when a month follows: "từ đầu tháng 10", "since the start of October".
            (rf"{B}(?P<w>{a(d['ytd'] + d['mtd'] + d['wtd'])}){E}(?!\s+\d)", self._to_date),
            (rf"{B}{a(d['all_time'])}{E}(?!\s+(?:of|cua)\s)", self._all_time),
            (rf"{B}{num_en}\s+{unit}\s+{a(d['ago'])}{E}", self._ago),
            (
                rf"{B}(?:{a(d['vi_ago_prefix'])}\s+)?{num_vi}\s+{unit}\s+{a(d['vi_ago_suffix'])}{E}",
                self._ago,
            ),
            (rf"{B}{a(d['vi_ago_prefix'])}\s+{num_vi}\s+{unit}{E}", self._ago),
            (rf"{B}{a(d['past'])}\s+{num}\s+{unit}{E}", self._rolling),
            (rf"{B}{num_vi}\s+{unit}\s+{a(d['vi_rolling_suffix'])}{E}", self._rolling),
            (rf"{B}{a(d['past_single'])}\s+{unit}{E}", self._rolling),
            (rf"{B}{unit}\s+qua{E}", self._rolling),
            (
                rf"{B}(?:(?P<q>{a(d['this'] + d['weekend_last'])})\s+)?{a(d['weekend'])}"
                rf"(?:\s+(?P<q2>{a(d['vi_this'] + d['weekend_last'])}))?{E}",
                self._weekend,
            ),
            (
                rf"(?<!doanh ){B}(?:(?P<q>{a(d['this'] + d['last'] + ['on', 'past'])})\s+)?"
                rf"(?P<wd>{a(self.weekdays)}){E}(?:\s+(?P<q2>"
                rf"{a(d['weekday_this_week'] + d['weekday_last_week'])}){E})?",
                self._weekday,
            ),
            (
                rf"{B}(?:(?P<s>since|from)|(?P<q>{a(d['this'] + d['last'] + ['on'])}))\s+"
                rf"(?P<wd>{a(self.abbr)}){E}",
                self._weekday,
            ),
            (rf"{B}(?P<y>\d{{4}})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}}){E}", self._day),
            (
                rf"{B}(?:ngay\s+)?(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}})(?:/(?P<y>\d{{4}}|\d{{2}}))?{E}"
                r"(?!/)",
                self._day,
            ),
            (rf"{B}(?P<d>\d{{1,2}})-(?P<m>\d{{1,2}})-(?P<y>\d{{4}}){E}", self._day),
            (
                rf"{B}(?:ngay\s+)?(?P<d>\d{{1,2}})\s+thang\s+(?P<m>\d{{1,2}})"
                rf"(?:\s+nam\s+(?P<y>\d{{4}}))?{E}",
                self._day,
            ),
            (
                rf"{B}(?:ngay\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?{mon}{E}"
                rf"(?:,?\s+{year}{E})?",
                self._day,
            ),
            (rf"{B}{mon}\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?{E}(?:,?\s+{year}{E})?", self._day),
            (rf"{B}(?P<m>\d{{1,2}})/{year}{E}", self._month),
            (
                rf"{B}thang\s+(?P<m>\d{{1,2}}){E}(?:\s*(?:/|-|,|nam)\s*{year}{E}|\s+{rel_year})?",
                self._month,
            ),
            (rf"{B}{mon}{E}(?:\s*,?\s*{year}{E}|\s+(?:of\s+)?{rel_year}{E})?", self._month),
            (rf"{B}q(?P<q>[1-4]){E}(?:\s*[/,-]?\s*{year}{E})?", self._quarter),
            (
                rf"{B}(?:quy|quarter)\s+(?P<q>[1-4]|iv|i{{1,3}}){E}(?:\s*(?:/|,|-|nam|of)?\s*"
                rf"{year}{E})?",
                self._quarter,
            ),
            (rf"{B}(?P<o>{a(_ORDINAL)})\s+quarter(?:\s+(?:of\s+)?{year})?{E}", self._quarter),
            (rf"{B}{year}{E}", self._year),
        ]
        self.rules = [(re.compile(pattern), handler) for pattern, handler in rules]
        # "since October", "since the start of October", "từ đầu tháng 10"
        start_of = r"(?:(?:the\s+)?(?:start|beginning)\s+of\s+(?:the\s+)?|dau\s+)?"
        self.since = re.compile(rf"{B}{a(d['since'])}\s+{start_of}$")
        self.range_start = re.compile(rf"{B}{a(d['range_start'] + ['between'])}\s+{start_of}$")
        # "… to the end of November", "… đến cuối tháng 11"
        end_of = r"(?:(?:the\s+)?end\s+of\s+(?:the\s+)?|cuoi\s+)?"
        self.range_sep = re.compile(rf"\s*{a(d['range_sep'])}\s*(?:the\s+)?{end_of}")

    # ------------------------------------------------------------------ handlers

    def _num(self, m: re.Match[str]) -> int:
        value = _f(m, "n")
        return int(value) if value.isdigit() else self.numbers.get(re.sub(r"\s+", " ", value), 1)

    def _unit(self, m: re.Match[str]) -> str:
        return str(self.units[re.sub(r"\s+", " ", _f(m, "u"))])

    def _relative_day(self, m: re.Match[str], c: Ctx) -> Period:
        word = _f(m, "w")
        back = 0 if _in(word, self.d["today"]) else 1 if _in(word, self.d["yesterday"]) else 2
        return calendar_period("day", back, c.today)

    def _same_last_year(self, m: re.Match[str], c: Ctx) -> Period:
        return year_before(calendar_period(self._unit(m), 0, c.today))

    def _before_last(self, m: re.Match[str], c: Ctx) -> Period:
        return calendar_period(self._unit(m), 2, c.today)

    def _week_of_month(self, m: re.Match[str], c: Ctx) -> Period | None:
        which = _WEEK_ORDINAL.get(re.sub(r"\s+", " ", _f(m, "o")))
        found = self._month_of(m, c)
        if which is None or found is None:
            return None
        return week_of_month(*found, which, c.today)

    def _day_of_this_month(self, m: re.Match[str], c: Ctx) -> Period:
        back = 0 if _f(m, "q") in ("this", "nay") else 1
        first = calendar_period("month", back, c.today).start
        day = first.replace(day=int(_f(m, "d")))
        return Period(day, day)

    def _month_of(self, m: re.Match[str], c: Ctx) -> tuple[int, int] | None:
        """The month a "which_month" part names (this month when it says only "tháng")."""
        if _f(m, "m") or _f(m, "mon"):
            month = int(_f(m, "m")) if _f(m, "m") else self._month_word(m, c)
            if month is None or not 1 <= month <= 12:
                return None
            given = _f(m, "y") or _f(m, "y2")
            return (int(given) if given else recent_year(month, 1, c.today)), month
        rel = _f(m, "rel") or _f(m, "rel2")
        back = 1 if rel in ("last", "previous", "truoc", "roi") else 0
        first = calendar_period("month", back, c.today).start
        return first.year, first.month

    def _half_month(self, m: re.Match[str], c: Ctx) -> Period | None:
        found = self._month_of(m, c)
        if found is None:
            return None
        year, month = found
        first = _f(m, "h") in ("first", "1st", "dau")
        start = date(year, month, 1 if first else 16)
        end = date(year, month, 15) if first else month_end(year, month)
        return clamp(Period(start, end), c.today)

    def _half_year(self, m: re.Match[str], c: Ctx) -> Period | None:
        rel = _f(m, "rel")
        year = int(_f(m, "y")) if _f(m, "y") else c.today.year - (rel in ("last", "ngoai", "truoc"))
        first = _f(m, "h") in ("first", "1st", "dau", "1")
        start = date(year, 1 if first else 7, 1)
        end = date(year, 6, 30) if first else date(year, 12, 31)
        if start > c.today:
            return None
        return clamp(Period(start, end), c.today)

    def _bare_day(self, m: re.Match[str], c: Ctx) -> Period:
        return day_of_month(int(_f(m, "d")), c.today)

    def _this_last(self, m: re.Match[str], c: Ctx) -> Period:
        q = _f(m, "q")
        this = _in(q, self.d["this"]) or _in(q, self.d["vi_this"])
        return calendar_period(self._unit(m), 0 if this else 1, c.today)

    def _to_date(self, m: re.Match[str], c: Ctx) -> Period:
        word = _f(m, "w")
        unit = (
            "year" if _in(word, self.d["ytd"]) else "month" if _in(word, self.d["mtd"]) else "week"
        )
        return calendar_period(unit, 0, c.today)

    def _all_time(self, m: re.Match[str], c: Ctx) -> Period:
        return Period(ALL_TIME, c.today)

    def _ago(self, m: re.Match[str], c: Ctx) -> Period:
        return calendar_period(self._unit(m), self._num(m), c.today)

    def _rolling(self, m: re.Match[str], c: Ctx) -> Period | None:
        count = self._num(m) if _f(m, "n") else 1
        return rolling_period(count, self._unit(m), c.today) if count > 0 else None

    def _weekend(self, m: re.Match[str], c: Ctx) -> Period:
        q = _f(m, "q") or _f(m, "q2")
        saturday = c.today - timedelta(days=c.today.weekday()) + timedelta(days=5)
        if _in(q, self.d["weekend_last"]) or (not q and c.today.weekday() < 5):
            saturday -= timedelta(days=7)
        return clamp(Period(saturday, saturday + timedelta(days=1)), c.today)

    def _weekday(self, m: re.Match[str], c: Ctx) -> Period | None:
        key = re.sub(r"\s+", " ", _f(m, "wd"))
        if key in self.accented and not self._accents(m, c, "wd", key):
            return None
        weekday = self.weekdays.get(key, self.abbr.get(key, 0))
        q, q2 = _f(m, "q"), _f(m, "q2")
        monday = c.today - timedelta(days=c.today.weekday())
        if _in(q2, self.d["weekday_last_week"]) or _in(q, self.d["last"] + ["past"]):
            day = monday - timedelta(days=7 - weekday)
        elif _in(q2, self.d["weekday_this_week"]) or _in(q, self.d["this"]):
            day = monday + timedelta(days=weekday)
        else:
            day = c.today - timedelta(days=(c.today.weekday() - weekday) % 7)
        return Period(day, c.today) if _f(m, "s") else Period(day, day)

    def _accents(self, m: re.Match[str], c: Ctx, group: str, key: str) -> bool:
        phrase = self.accented.get(key)
        original = c.original[m.start(group) : m.end(group)]
        tokens = tokenize(*fold_aligned(original))
        if phrase is None or len(tokens) != len(phrase.terms):
            return True
        pairs = zip(tokens, phrase.terms, strict=True)
        return all(term_matches(token, term, False)[0] for token, term in pairs)

    def _year_of(self, m: re.Match[str], month: int, day: int, today: date) -> tuple[int, bool]:
        y = _f(m, "y")
        if y:
            return (int(y) + 2000 if len(y) == 2 else int(y)), False
        return recent_year(month, day, today), True

    def _day(self, m: re.Match[str], c: Ctx) -> Period | None:
        month = int(_f(m, "m")) if _f(m, "m") else self._month_word(m, c)
        if month is None:
            return None
        day = int(_f(m, "d"))
        year, implicit = self._year_of(m, month, day, c.today)
        found = date(year, month, day)
        return Period(found, found, implicit_year=implicit)

    def _month_word(self, m: re.Match[str], c: Ctx) -> int | None:
        key = re.sub(r"\s+", " ", _f(m, "mon"))
        if key in self.accented and not self._accents(m, c, "mon", key):
            return None
        return self.months.get(key)

    def _month(self, m: re.Match[str], c: Ctx) -> Period | None:
        month = int(_f(m, "m")) if _f(m, "m") else self._month_word(m, c)
        if month is None or not 1 <= month <= 12:
            return None
        ry, word = _f(m, "ry"), re.sub(r"\s+", " ", _f(m, "mon"))
        needs = word in {fold_aligned(w)[1] for w in self.d["months_need_context"]}
        if needs and not (_f(m, "y") or ry or self.context.search(c.folded[: m.start()])):
            return None
        if ry:
            back = 0 if ry.endswith("nay") or ry.startswith("this") else 1
            return month_period(c.today.year - back, month, c.today)
        if _f(m, "y"):
            return month_period(int(_f(m, "y")), month, c.today)
        return month_period(recent_year(month, 1, c.today), month, c.today, implicit=True)

    def _quarter(self, m: re.Match[str], c: Ctx) -> Period | None:
        raw = _f(m, "q")
        q = int(raw) if raw.isdigit() else _ROMAN.get(raw) or _ORDINAL.get(_f(m, "o"), 0)
        if not 1 <= q <= 4:
            return None
        current = (c.today.month - 1) // 3 + 1
        year = int(_f(m, "y")) if _f(m, "y") else c.today.year - (q > current)
        start = date(year, 3 * q - 2, 1)
        return clamp(Period(start, month_end(year, 3 * q), implicit_year=not _f(m, "y")), c.today)

    def _year(self, m: re.Match[str], c: Ctx) -> Period | None:
        if not _YEAR_CONTEXT.search(c.folded[: m.start()]):
            return None
        year = int(_f(m, "y"))
        return clamp(Period(date(year, 1, 1), date(year, 12, 31)), c.today)

    # ---------------------------------------------------------------- matching

    def candidates(self, original: str, folded: str, today: date) -> list[Found]:
        """Every period expression in the (folded, masked) text."""
        ctx = Ctx(today, original, folded)
        found: list[Found] = []
        for pattern, handler in self.rules:
            for m in pattern.finditer(folded):
                try:
                    period = handler(m, ctx)
                except (ValueError, OverflowError, KeyError):
                    period = None
                if period is not None:
                    found.append(Found(m.start(), m.end(), period))
        return found


@lru_cache(maxsize=1)
def grammar() -> Grammar:
    """The compiled date grammar."""
    return Grammar()
