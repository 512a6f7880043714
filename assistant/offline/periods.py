"""Date ranges the parser works with, and the calendar arithmetic behind them."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

UNIT_MONTHS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class Period:
    """An inclusive range of shop-local days; `calendar` = (period, periods_back) if plain."""

    start: date
    end: date
    calendar: tuple[str, int] | None = None
    rolling_days: int | None = None
    implicit_year: bool = False
    implicit_month: bool = False  # a day of the month said without its month ("the 20th")

    @property
    def days(self) -> int:
        """Number of days in the range."""
        return (self.end - self.start).days + 1

    def explicit(self) -> Period:
        """The same range, no longer a plain calendar period."""
        return replace(self, calendar=None, rolling_days=None)


def month_end(year: int, month: int) -> date:
    """The last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months (the day clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def clamp(period: Period, today: date) -> Period:
    """Cut a range that has begun at today (no future days)."""
    if period.start <= today < period.end:
        return replace(period, end=today)
    return period


def calendar_period(unit: str, back: int, today: date) -> Period:
    """The calendar `unit` (day/week/month/quarter/year) `back` periods before today's."""
    if unit == "day":
        day = today - timedelta(days=back)
        return Period(day, day, ("day", back))
    if unit == "week":
        start = today - timedelta(days=today.weekday() + 7 * back)
        end = start + timedelta(days=6)
    else:
        size = UNIT_MONTHS[unit]
        first = date(today.year, (today.month - 1) // size * size + 1, 1)
        start = add_months(first, -size * back)
        end = add_months(start, size) - timedelta(days=1)
    return clamp(Period(start, end, (unit, back)), today)


def rolling_period(count: int, unit: str, today: date) -> Period:
    """The last `count` units up to and including today."""
    if unit == "day":
        start = today - timedelta(days=count - 1)
    elif unit == "week":
        start = today - timedelta(days=7 * count - 1)
    else:
        start = add_months(today, -count * UNIT_MONTHS[unit]) + timedelta(days=1)
    return Period(start, today, rolling_days=(today - start).days + 1)


def month_period(year: int, month: int, today: date, implicit: bool = False) -> Period:
    """A whole calendar month."""
    return clamp(Period(date(year, month, 1), month_end(year, month), None, None, implicit), today)


def year_before(period: Period) -> Period:
    """The same calendar period a year earlier, whole ("the same month last year"); a
    Monday-Sunday week is the week 52 weeks earlier, so weekdays line up."""
    unit = period.calendar[0] if period.calendar else "day"
    if unit == "week":
        start = period.start - timedelta(weeks=52)
        return Period(start, start + timedelta(days=6))
    start = add_months(period.start, -12)
    if unit == "day":
        return Period(start, start)
    return Period(start, add_months(start, UNIT_MONTHS[unit]) - timedelta(days=1))


def week_of_month(year: int, month: int, which: int, today: date) -> Period:
    """Days 1-7 of a month (which=1), 8-14 (2), 15-21 (3), 22-28 (4); the last 7 days (0)."""
    last = month_end(year, month)
    if which == 0:
        return clamp(Period(last - timedelta(days=6), last), today)
    start = date(year, month, 7 * (which - 1) + 1)
    return clamp(Period(start, start + timedelta(days=6)), today)


def day_of_month(day: int, today: date) -> Period:
    """A day said without its month ("the 20th"): this month's, or last month's when it is
    still to come."""
    first = today.replace(day=1)
    month = first if day <= today.day else add_months(first, -1)
    found = date(month.year, month.month, day)
    return Period(found, found, implicit_month=True)


def recent_year(month: int, day: int, today: date) -> int:
    """The year in which (month, day) was last reached, today included."""
    return today.year if (month, day) <= (today.month, today.day) else today.year - 1


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def period_from_args(args: dict[str, Any], today: date) -> Period | None:
    """Recover the range an earlier intent's arguments describe (None if they hold none)."""
    try:
        return _from_args(args, today)
    except (ValueError, OverflowError, TypeError):
        return None


def _from_args(args: dict[str, Any], today: date) -> Period | None:
    if "period" in args:
        back = args.get("periods_back", 0)
        if args["period"] in ("day", "week", "month", "quarter", "year") and isinstance(back, int):
            return calendar_period(args["period"], back, today)
    for start_key, end_key in (("start_date", "end_date"), ("date_range_start", "date_range_end")):
        start, end = _date(args.get(start_key)), _date(args.get(end_key))
        if start or end:
            return Period(start or end or today, end or today)
    days = args.get("days_back")
    if isinstance(days, int) and days > 0:
        return rolling_period(days, "day", today)
    return None


def days_back(period: Period | None, today: date) -> int:
    """A range as the "last N days" window of get_business_insights (30 when none)."""
    if period is None:
        return 30
    return max(1, min(3660, (today - period.start).days + 1))
