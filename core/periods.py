"""Shop-local calendar arithmetic: dates to timestamptz bounds, periods, "today"."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PERIODS = ("day", "week", "month", "quarter", "year")


def local_today(tz: ZoneInfo, now: datetime | None = None) -> date:
    """Today's date in the shop's time zone."""
    return (now or datetime.now(tz)).astimezone(tz).date()


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    """The instant the shop-local day begins."""
    return datetime.combine(day, time.min, tzinfo=tz)


def day_bounds(
    start: date | None, end: date | None, tz: ZoneInfo
) -> tuple[datetime | None, datetime | None]:
    """Half-open [lower, upper) instants for an inclusive range of local days; None = open."""
    lower = start_of_day(start, tz) if start is not None else None
    upper = start_of_day(end + timedelta(days=1), tz) if end is not None else None
    return lower, upper


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def period_range(period: str, periods_back: int, today: date) -> tuple[date, date]:
    """First and last local day of the calendar `period`, `periods_back` periods before today's."""
    if period == "day":
        day = today - timedelta(days=periods_back)
        return day, day
    if period == "week":
        monday = today - timedelta(days=today.weekday()) - timedelta(weeks=periods_back)
        return monday, monday + timedelta(days=6)
    if period in ("month", "quarter", "year"):
        size = {"month": 1, "quarter": 3, "year": 12}[period]
        first_month = ((today.month - 1) // size) * size + 1
        start = _add_months(date(today.year, first_month, 1), -size * periods_back)
        end = _add_months(start, size) - timedelta(days=1)
        return start, end
    raise ValueError(f"unknown period {period!r}")


def local_date(instant: datetime | None, tz: ZoneInfo) -> str | None:
    """The shop-local date of an instant, as YYYY-MM-DD."""
    return instant.astimezone(tz).date().isoformat() if instant is not None else None
