"""Numeric fidelity: every number in a reply must come from the turn's tools, message or dates."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from decimal import Decimal, InvalidOperation

# 1,234,567.89 | 1.234.567 | 1234.5 | 12 — with an optional k/m/tr/triệu scale after it (on
# the same line, a word of its own: "353\nMình…" and "8 mục" are no millions).
_NUMBER = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d+)?)"
    r"[ \t]*(k|m|tr|triệu|nghìn|ngàn|million|thousand|bn|billion)?(?!\w)",
    re.IGNORECASE,
)
_SCALE = {
    "k": 1_000,
    "nghìn": 1_000,
    "ngàn": 1_000,
    "thousand": 1_000,
    "m": 1_000_000,
    "tr": 1_000_000,
    "triệu": 1_000_000,
    "million": 1_000_000,
    "bn": 1_000_000_000,
    "billion": 1_000_000_000,
}
# Numbers small enough to be list positions, "top 5", "2 items": never flagged.
SMALL = 10


def _parse(token: str) -> Decimal | None:
    """Read `1,234,567.89`, `1.234.567` (dot thousands) and `12,5` as numbers."""
    separators = set(re.findall(r"[.,]", token))
    if len(separators) == 2:  # both kinds: the last one is the decimal point
        decimal_mark = "." if token.rfind(".") > token.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        token = token.replace(thousands, "").replace(decimal_mark, ".")
    elif separators:
        mark = separators.pop()
        parts = token.split(mark)
        if len(parts) > 2 or len(parts[1]) == 3:
            token = "".join(parts)
        else:
            token = ".".join(parts)
    try:
        return Decimal(token)
    except InvalidOperation:
        return None


def numbers_in(text: str) -> list[tuple[str, Decimal, bool]]:
    """Every number written in `text`: (as written, value, written with a scale word)."""
    found = []
    for match in _NUMBER.finditer(text or ""):
        value = _parse(match.group(1))
        if value is None:
            continue
        scale = match.group(2)
        if scale:
            value *= _SCALE[scale.lower()]
        found.append((match.group(0).strip(), value, bool(scale)))
    return found


def date_numbers(today: date) -> set[Decimal]:
    """Numbers the date context of a turn makes legitimate (year, month, day, week parts)."""
    values = {today.year, today.month, today.day, today.year - 1, today.year + 1}
    values |= set(range(1, 32))
    return {Decimal(v) for v in values}


def unsupported_numbers(reply: str, sources: Iterable[str], today: date) -> list[str]:
    """Numbers in `reply` found in none of `sources` (tool results, the user's message) or dates."""
    allowed: set[Decimal] = set(date_numbers(today))
    for source in sources:
        allowed |= {value for _, value, _ in numbers_in(source)}
    flagged = []
    for written, value, scaled in numbers_in(reply):
        if value <= SMALL or value in allowed:
            continue
        if _close_to_any(value, allowed, relative=Decimal("0.005") if scaled else Decimal(0)):
            continue
        flagged.append(written)
    return flagged


def _close_to_any(value: Decimal, allowed: set[Decimal], *, relative: Decimal) -> bool:
    for candidate in allowed:
        if abs(candidate - value) < 1 and candidate.to_integral_value() != candidate:
            return True  # a rounded form of a decimal figure
        if relative and candidate and abs(candidate - value) <= abs(candidate) * relative:
            return True
    return False
