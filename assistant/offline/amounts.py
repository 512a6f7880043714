"""Money amounts with their comparators ("over 100k", "dưới 50 nghìn"), counts and "top N"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.offline.phrases import alternation, book
from core.text import fold

B, E = r"(?<![a-z0-9])", r"(?![a-z0-9])"
MAX_AMOUNT = 10**12
COMPARATORS = (
    "min_strict",
    "min_inclusive",
    "max_strict",
    "max_inclusive",
    "min_after",
    "max_after",
)
Number = int | float


@dataclass
class Amounts:
    """Bounds found in a message; counts are numbers of orders ("at least 5 orders")."""

    min_value: Number | None = None
    max_value: Number | None = None
    min_count: int | None = None
    max_count: int | None = None
    limit: int | None = None

    @property
    def money(self) -> bool:
        """Whether a money bound was found."""
        return self.min_value is not None or self.max_value is not None


def parse_number(text: str) -> float | None:
    """A number written 100,000 / 100.000 / 1,5 / 1.5 / 1,000.50."""
    if "," in text and "." in text:
        decimal = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        text = text.replace(thousands, "").replace(decimal, ".")
    else:
        for sep in ",.":
            parts = text.split(sep)
            if len(parts) > 2 or (len(parts) == 2 and len(parts[1]) == 3):
                text = text.replace(sep, "")
            elif len(parts) == 2:
                text = text.replace(sep, ".")
    try:
        return float(text)
    except ValueError:
        return None


def _amount(tag: str, units: str, after: str) -> str:
    return (
        rf"(?P<cur{tag}>\$|usd\s?|vnd\s?)?(?P<num{tag}>\d+(?:[.,]\d+)*)"
        rf"(?:\s?(?P<unit{tag}>{units})(?P<tail{tag}>\d{{1,3}})?)?"
        rf"(?:\s?(?P<after{tag}>{after}))?{E}"
    )


class AmountGrammar:
    """Amount patterns compiled from the `amounts` section of phrases.yaml."""

    def __init__(self) -> None:
        a = book().data["amounts"]
        self.unit_map = {fold(k).strip(): float(v) for k, v in a["units"].items()}
        units = alternation(list(a["units"]))
        after = alternation(a["currency_after"])
        one, two = _amount("a", units, after), _amount("b", units, after)
        cmp = {
            key: alternation(a[key])
            for key in ("min_strict", "min_inclusive", "max_strict", "max_inclusive")
        }
        self.between = re.compile(
            rf"(?<![a-z0-9])(?P<pre>{alternation(a['range_start'])})\s+{one}\s*"
            rf"{alternation(a['range_sep'])}\s*{two}"
        )
        self.dash = re.compile(rf"{B}{one}\s*(?:-|–|~|to|den|toi)\s*{two}")
        self.before = re.compile(
            rf"(?<![a-z0-9])(?:(?P<min_strict>{cmp['min_strict']})|(?P<min_inclusive>"
            rf"{cmp['min_inclusive']})|(?P<max_strict>{cmp['max_strict']})|(?P<max_inclusive>"
            rf"{cmp['max_inclusive']}))\s*{one}"
        )
        self.after = re.compile(
            rf"{B}{one}\s*(?:(?P<min_after>{alternation(a['min_after'])})|"
            rf"(?P<max_after>{alternation(a['max_after'])}))(?![a-z0-9])"
        )
        self.count = re.compile(rf"\s*{alternation(a['count_nouns'])}{E}")
        nouns, between = alternation(a["limit_nouns"]), alternation(a["limit_between"])
        self.limits = [
            re.compile(rf"{B}{alternation(a['limit_before'])}\s+(?P<n>\d{{1,3}}){E}"),
            re.compile(rf"{B}(?P<n>\d{{1,3}})\s+(?:{between}\s+)?{nouns}{E}"),
        ]

    def value(self, m: re.Match[str], tag: str, original: str) -> tuple[Number | None, bool]:
        """(amount, has unit or currency) of one amount group of a match."""
        number = parse_number(m.group(f"num{tag}"))
        if number is None:
            return None, False
        unit = m.group(f"unit{tag}")
        after = m.group(f"after{tag}")
        if after and after.strip() == "d" and original[m.start(f"after{tag}")] not in "đĐ":
            after = None
        if unit:
            multiplier = self.unit_map.get(re.sub(r"\s+", " ", unit), 1.0)
            tail = m.group(f"tail{tag}")
            if tail:
                number += int(tail) / 10 ** len(tail)
            number *= multiplier
        if number > MAX_AMOUNT:
            return None, False
        marked = bool(unit or after or m.group(f"cur{tag}"))
        return (int(number) if float(number).is_integer() else round(number, 2)), marked


@lru_cache(maxsize=1)
def amount_grammar() -> AmountGrammar:
    """The compiled amount grammar."""
    return AmountGrammar()


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + "#" * (end - start) + text[end:]


def _set(found: Amounts, side: str, value: Number, is_count: bool, strict: bool) -> None:
    if is_count:
        count = int(value) + (1 if strict and side == "min" else -1 if strict else 0)
        name = f"{side}_count"
        if getattr(found, name) is None and count >= 0:
            setattr(found, name, count)
    elif getattr(found, f"{side}_value") is None:
        setattr(found, f"{side}_value", value)


def _ranges(g: AmountGrammar, original: str, text: str, found: Amounts) -> str:
    for pattern in (g.between, g.dash):
        for m in list(pattern.finditer(text)):
            low, low_marked = g.value(m, "a", original)
            high, high_marked = g.value(m, "b", original)
            if low is None or high is None:
                continue
            if not (low_marked or high_marked or m.groupdict().get("pre")):
                continue
            if high_marked and not low_marked and m.group("unita") is None and m.group("unitb"):
                low *= g.unit_map.get(re.sub(r"\s+", " ", m.group("unitb")), 1.0)
            counted = g.count.match(text, m.end())
            is_count = counted is not None and not high_marked
            low, high = min(low, high), max(low, high)
            _set(found, "min", low, is_count, False)
            _set(found, "max", high, is_count, False)
            text = _mask(text, m.start(), counted.end() if counted and is_count else m.end())
    return text


def _bounds(g: AmountGrammar, original: str, text: str, found: Amounts) -> str:
    for pattern in (g.before, g.after):
        for m in list(pattern.finditer(text)):
            value, marked = g.value(m, "a", original)
            if value is None:
                continue
            kind = next(k for k in COMPARATORS if m.groupdict().get(k))
            counted = g.count.match(text, m.end())
            is_count = counted is not None and not marked
            _set(found, kind.split("_")[0], value, is_count, kind.endswith("strict"))
            text = _mask(text, m.start(), counted.end() if counted and is_count else m.end())
    return text


def find_amounts(original: str, folded: str) -> tuple[Amounts, str]:
    """The bounds and "top N" of the message, and the text with them masked out."""
    g = amount_grammar()
    found = Amounts()
    text = _bounds(g, original, _ranges(g, original, folded, found), found)
    for number, pattern in enumerate(g.limits):
        m = pattern.search(text)
        least = 1 if number == 0 else 2  # "top 1", but "1 đơn" is one order, not a top
        if m and found.limit is None and int(m.group("n")) >= least:
            found.limit = int(m.group("n"))
            text = _mask(text, m.start("n"), m.end("n"))
    return found, text
