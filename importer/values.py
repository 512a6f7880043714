"""Values as point-of-sale exports and people write them: money, dates and times, phone
numbers, order statuses. Each reader returns the value or raises `ValueProblem` with a reason
fit for a row report ("unreadable amount '1,2,3'").

The readings every importer must share:
- money: a dot or comma followed by exactly three digits is a thousands separator
  ("1.500" is 1500, "1.234.000" is 1234000), otherwise it is the decimal mark ("12,50 €",
  "$12.50"); currency signs and words (₫, đ, VND, $, €) and spaces are ignored; a minus or
  brackets make it negative;
- a time with an explicit offset ("2026-11-03T14:05:00-05:00") is that instant; a time
  without one is shop-local; a date alone is its midnight, shop-local; "05/12/2026" is day
  first unless the caller says month first; a bare number is an Excel serial date;
- phone numbers "0901 234 567" and "+84 901 234 567" are one number, "+84901234567".
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from core import data
from core.text import fold


class ValueProblem(ValueError):
    """A value that cannot be read; the message says why, for the row report."""


_CURRENCY = re.compile(r"(?i)(?:vnđ|vnd|vn₫|usd|eur|đồng|dong|₫|đ|\$|€|£|¥)")
_SPACES = re.compile(r"[\s\u00a0\u202f']+")


def money(text: str) -> Decimal:
    """An amount as written in an export ("1.234.000", "45.000₫", "$12.50", "12,50 €")."""
    return _money(str(text))


@lru_cache(maxsize=65536)  # exports repeat their prices; a Decimal is immutable
def _money(text: str) -> Decimal:
    raw = text.strip()
    value = _SPACES.sub("", _CURRENCY.sub("", raw))
    negative = value.startswith("-") or (value.startswith("(") and value.endswith(")"))
    if value.startswith("(") and value.endswith(")"):
        value = value[1:-1]
    elif value[:1] in ("-", "+"):
        value = value[1:]
    if not value or not re.fullmatch(r"\d+(?:[.,]\d+)*", value):
        raise ValueProblem(f"unreadable amount {raw!r}")
    runs = re.split(r"[.,]", value)
    digits, decimals = runs[0], ""
    for index, run in enumerate(runs[1:], 1):
        if len(run) == 3:
            digits += run  # a thousands separator
        elif index == len(runs) - 1:
            decimals = run  # the decimal mark, last
        else:
            raise ValueProblem(f"unreadable amount {raw!r}")
    try:
        amount = Decimal(f"{digits}.{decimals}" if decimals else digits)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above rules it out
        raise ValueProblem(f"unreadable amount {raw!r}") from exc
    return -amount if negative else amount


EXCEL_EPOCH = datetime(1899, 12, 30)
_DMY = re.compile(
    r"^(?P<a>\d{1,2})[/.\-](?P<b>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
    r"(?:[ T,]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?)?$",
    re.IGNORECASE,
)


EARLIEST, LATEST = 1900, 2200  # a sale outside these years is a placeholder ("0001-01-01")


def moment(text: str, tz: tzinfo, *, month_first: bool = False) -> datetime:
    """An aware datetime: an explicit offset is kept, otherwise the time is shop-local."""
    found = _moment(text, tz, month_first=month_first)
    if not EARLIEST <= found.year <= LATEST:
        raise ValueProblem(f"date {str(text).strip()!r} is out of range")
    return found


def _moment(text: str, tz: tzinfo, *, month_first: bool = False) -> datetime:
    raw = str(text).strip()
    if not raw:
        raise ValueProblem("empty date")
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):  # an Excel serial number
        serial = float(raw)
        if not 1 <= serial < 2958466:
            raise ValueProblem(f"unreadable date {raw!r}")
        local = EXCEL_EPOCH + timedelta(days=serial)
        return _local(local.replace(microsecond=0) + _round(local), tz)
    iso = raw.replace("Z", "+00:00") if raw.endswith("Z") else raw
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is not None:
            return parsed
        return _local(parsed, tz)
    found = _DMY.match(raw)
    if not found:
        raise ValueProblem(f"unreadable date {raw!r}")
    first, second = int(found["a"]), int(found["b"])
    day, month = (second, first) if month_first else (first, second)
    year = int(found["y"]) + (2000 if len(found["y"]) == 2 else 0)
    hour, minute, second_ = int(found["h"] or 0), int(found["mi"] or 0), int(found["s"] or 0)
    if found["ampm"]:
        if not 1 <= hour <= 12:
            raise ValueProblem(f"unreadable time {raw!r}")
        hour = hour % 12 + (12 if found["ampm"].lower().startswith("p") else 0)
    try:
        return _local(datetime(year, month, day, hour, minute, second_), tz)
    except ValueError as exc:
        raise ValueProblem(f"unreadable date {raw!r}") from exc


def _round(moment_: datetime) -> timedelta:
    """Excel stores times as fractions of a day: round to the nearest second."""
    return timedelta(seconds=round(moment_.microsecond / 1_000_000))


def _local(naive: datetime, tz: tzinfo) -> datetime:
    return naive.replace(tzinfo=tz)


def day(text: str, tz: tzinfo, *, month_first: bool = False) -> date:
    """The shop-local date of a value read by `moment`."""
    value = moment(text, tz, month_first=month_first)
    return value.astimezone(tz).date()


def phone(text: str, country_code: str = "84") -> str:
    """A phone number as one canonical string (+ and digits): a national number starting
    with 0 gets the shop's country code ("0901 234 567" → "+84901234567")."""
    raw = str(text).strip()
    digits = re.sub(r"\D", "", raw)
    if raw.startswith("00"):
        digits, raw = digits[2:], "+" + digits[2:]
    if len(digits) < 7 or len(digits) > 15:
        raise ValueProblem(f"unreadable phone number {raw!r}")
    if raw.startswith("+"):
        return "+" + digits
    if digits.startswith("0"):
        return f"+{country_code}{digits[1:]}"
    if digits.startswith(country_code) and len(digits) >= 11:
        return "+" + digits
    return f"+{country_code}{digits}"


# Status words → the orders table's status: 0 pending, 1 completed, 2 cancelled, 3 refunded
# (core/data/import_words.yaml; a mapping file may add more).
STATUS_WORDS: dict[str, int] = {
    " ".join(fold(word).split()): int(code)
    for code, words in data.load("import_words.yaml")["statuses"].items()
    for word in words
}


def status(text: str, extra: dict[str, int] | None = None) -> int:
    """An order status word ("Hoàn thành", "Đã hủy", "refunded") as 0-3."""
    key = " ".join(fold(str(text)).replace("_", " ").split())
    table = {**STATUS_WORDS, **{" ".join(fold(k).split()): v for k, v in (extra or {}).items()}}
    if key in table:
        return table[key]
    raise ValueProblem(f"unknown status {str(text).strip()!r}")
