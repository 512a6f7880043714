"""The period a comparison is made with, and the time buckets a series must show.

For a calendar period — a day, a Monday–Sunday week, a month, a quarter, a year — whole or to
date (from its first day to a day before its last), the previous period is the previous such
calendar period, to the same day when the period is to date (1–5 December compares with 1–5
November; all of November with all of October). Any other range compares with the same
number of days just before it. The same period last year is the same dates a year earlier
(29 February becomes the 28th); a Monday–Sunday week, whole or to date, is the week 52 weeks
earlier, so weekdays line up.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

PREVIOUS_PERIOD = "previous_period"
SAME_PERIOD_LAST_YEAR = "same_period_last_year"


@dataclass(frozen=True)
class Period:
    """An inclusive range of shop-local days, and what kind of calendar period it is."""

    start: date
    end: date
    kind: str = "range"  # day, week, month, quarter, year (whole or to date), or range
    to_date: bool = False

    @property
    def days(self) -> int:
        """How many days it covers."""
        return (self.end - self.start).days + 1

    def describe(self) -> dict[str, str]:
        """For a tool result."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "kind": self.kind}


def _add_months(day: date, months: int) -> date:
    """`day` moved by whole months, its day of month kept where the month has it."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _calendar_end(start: date, kind: str) -> date | None:
    """The last day of the calendar period of `kind` starting at `start`, if it starts one."""
    if kind == "day":
        return start
    if kind == "week":
        return start + timedelta(days=6) if start.weekday() == 0 else None
    if start.day != 1:
        return None
    months = {"month": 1, "quarter": 3, "year": 12}[kind]
    if kind == "quarter" and start.month % 3 != 1:
        return None
    if kind == "year" and start.month != 1:
        return None
    return _add_months(start, months) - timedelta(days=1)


def classify(start: date, end: date) -> Period:
    """What kind of period [start, end] is (the largest calendar period it fits)."""
    if start == end:
        return Period(start, end, "day")
    for kind in ("year", "quarter", "month", "week"):
        last = _calendar_end(start, kind)
        if last is not None and end <= last:
            return Period(start, end, kind, to_date=end < last)
    return Period(start, end)


def _months_back(period: Period, months: int) -> Period:
    """The same calendar period `months` earlier: whole, or to the same day of its month."""
    start = _add_months(period.start, -months)
    if period.to_date:
        end = _add_months(period.end, -months)
    else:
        end = _calendar_end(start, period.kind) or _add_months(period.end, -months)
    return Period(start, end, period.kind, period.to_date)


def _days_back(period: Period, days: int) -> Period:
    delta = timedelta(days=days)
    return Period(period.start - delta, period.end - delta, period.kind, period.to_date)


MONTHS = {"month": 1, "quarter": 3, "year": 12}


def previous_period(period: Period) -> Period:
    """The period a "vs before" comparison uses (see the module's rules)."""
    if period.kind in MONTHS:
        return _months_back(period, MONTHS[period.kind])
    if period.kind == "week":
        return _days_back(period, 7)
    return _days_back(period, period.days)  # a day, or any other range: just before it


def _year_before(day: date) -> date:
    if day.month == 2 and day.day == 29:
        return date(day.year - 1, 2, 28)
    return day.replace(year=day.year - 1)


def same_period_last_year(period: Period) -> Period:
    """The period a "vs last year" comparison uses (see the module's rules)."""
    if period.kind == "week":
        return _days_back(period, 52 * 7)
    if period.kind in MONTHS:
        return _months_back(period, 12)
    start, end = _year_before(period.start), _year_before(period.end)
    return Period(start, end, period.kind, period.to_date)


def compared(period: Period, how: str) -> Period:
    """The other period of a comparison (`previous_period` or `same_period_last_year`)."""
    return previous_period(period) if how == PREVIOUS_PERIOD else same_period_last_year(period)


def buckets(dimension: str, period: Period) -> list[date | int]:
    """Every bucket of a time grouping over the period, in order (empty ones included)."""
    if dimension == "weekday":
        return list(range(7))
    if dimension == "hour":
        return list(range(24))
    if dimension == "day":
        return [period.start + timedelta(days=n) for n in range(period.days)]
    if dimension == "week":
        first = period.start - timedelta(days=period.start.weekday())
        return [first + timedelta(weeks=n) for n in range((period.end - first).days // 7 + 1)]
    if dimension == "month":
        out: list[date | int] = []
        month = period.start.replace(day=1)
        while month <= period.end:
            out.append(month)
            month = _add_months(month, 1)
        return out
    raise ValueError(f"not a time grouping: {dimension}")


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def whole_months(start: date, end: date) -> tuple[date, date] | None:
    """The first day of the first and of the last whole month inside [start, end], if any."""
    first = start if start.day == 1 else next_month(start)
    month_end = calendar.monthrange(end.year, end.month)[1]
    # The last whole month ends on `end`, or is the month before `end`'s.
    last = end if end.day == month_end else end.replace(day=1) - timedelta(days=1)
    if last < first:
        return None
    return first, last.replace(day=1)
