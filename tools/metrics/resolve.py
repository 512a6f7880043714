"""Names in a question → the rows they mean: staff, customers, products, categories, brands.

Names match accent- and case-insensitively by any of their words, in any order: Vietnamese
names put the given name last, so "Tuấn" is "Vo Minh Tuan" and "chị Hà" is "Pham Thu Ha".
Honorifics (anh, chị, em, cô, chú, bạn, Mr, Ms…) are not part of a name. A word that names a
category filters the category before it is tried as a product ("cà phê" is Coffee, not
"Salted Cream Coffee"); Vietnamese words reach English category names through the shop's
word table. A filter that matches nothing is an error naming the field — never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from core import data
from core.text import fold
from tools.args import ToolArgumentError
from tools.metrics.args import MetricsArgs
from tools.metrics.definitions import payment_key
from tools.metrics.question import Filters

Fetch = Callable[[str, list[Any]], Awaitable[list[dict[str, Any]]]]
HONORIFICS = frozenset(
    "anh chi em co chu ban bac ong ba di nv mr mrs ms miss mx sir madam staff".split()
)
# Vietnamese catalog words the shop's synonym table (core/data/synonyms.yaml) may lack.
EXTRA_PHRASES = {
    "trai cay": ("fruit",),
    "hoa qua": ("fruit",),
    "tra la": ("tea", "leaves"),
    "cf": ("coffee",),
}
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_MATCHES = 50
SHOWN = 20


@cache
def _catalog_phrases() -> list[tuple[str, tuple[str, ...]]]:
    """Vietnamese words → the catalog's English words, longest phrases first."""
    table = data.load("synonyms.yaml")["synonyms"]
    phrases = {" ".join(_WORD.findall(fold(str(k)))): tuple(v) for k, v in table.items()}
    phrases.update(EXTRA_PHRASES)
    return sorted(phrases.items(), key=lambda item: (-len(item[0].split()), item[0]))


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def name_words(text: str) -> list[str]:
    """The folded words of a person's name as asked, without honorifics."""
    words = _WORD.findall(fold(text))
    kept = [w for w in words if w not in HONORIFICS]
    return list(dict.fromkeys(kept or words))


Slots = list[frozenset[str]]


def catalog_slots(text: str) -> Slots:
    """What a catalog name asks for, each slot a set of words any of which will do: a word
    (and its singular), or a Vietnamese phrase's English words — a one-word phrase's are
    alternatives ("bánh": cake, bread, cookie…), a longer one's each a slot of its own
    ("trà sữa": milk, tea)."""
    folded = " " + " ".join(_WORD.findall(fold(text))) + " "
    slots: Slots = []
    for phrase, english in _catalog_phrases():
        while f" {phrase} " in folded:
            folded = folded.replace(f" {phrase} ", " ", 1)
            if len(phrase.split()) == 1:
                slots.append(frozenset({phrase, *english}))
            else:
                slots += [frozenset({word}) for word in english]
    slots += [frozenset({w, _singular(w)}) for w in folded.split() if w not in HONORIFICS]
    return list(dict.fromkeys(slots))


def _words_of(name: str) -> set[str]:
    have = set(_WORD.findall(fold(name)))
    return have | {_singular(word) for word in have}


def matches_words(asked: list[str], name: str) -> bool:
    """Whether every asked word (or its singular) is a word of `name`."""
    have = _words_of(name)
    return bool(asked) and all({w, _singular(w)} & have for w in asked)


def matches_slots(slots: Slots, name: str) -> bool:
    """Whether every slot has a word of `name`."""
    have = _words_of(name)
    return bool(slots) and all(slot & have for slot in slots)


def names_whole(slots: Slots, name: str) -> bool:
    """Whether the slots name all of `name`'s words ("trà sữa" is all of Milk Tea)."""
    have = set(_WORD.findall(fold(name)))
    return bool(have) and all(any(word in slot or _singular(word) in slot for slot in slots)
                              for word in have)  # fmt: skip


def phone_digits(text: str) -> str | None:
    """A phone number as digits with a leading 0 (+84 901… and 0901… are one), else None."""
    digits = re.sub(r"\D", "", text)
    if len(digits) < 8 or len(digits) > 15 or re.search(r"[^\d\s+().-]", text.strip()):
        return None
    if digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    return digits


@dataclass
class Resolved:
    """The filters for SQL, and what each matched (for the answer)."""

    filters: Filters
    matched: dict[str, list[str]] = field(default_factory=dict)


def _none_found(name: str, value: str, known: list[str] | None = None) -> ToolArgumentError:
    hint = f"; known: {', '.join(known[:SHOWN])}" if known else ""
    return ToolArgumentError(name, f"nothing matches {value!r}{hint}")


async def _employees(fetch: Fetch, value: str) -> tuple[list[str], list[str]]:
    rows = await fetch("metrics_employees", [])
    asked = name_words(value)
    found = [row for row in rows if matches_words(asked, str(row["name"]))]
    if not found:
        raise _none_found("employee", value, [str(row["name"]) for row in rows])
    return [str(row["id"]) for row in found], [str(row["name"]) for row in found]


async def _customers(fetch: Fetch, value: str) -> tuple[list[str], list[str]]:
    text = value.strip()
    phone = phone_digits(text)
    if "@" in text:
        rows = await fetch("metrics_customers_by_email", [text.lower()])
    elif phone is not None:
        rows = await fetch("metrics_customers_by_phone", [phone])
    else:
        patterns = [rf"\m{re.escape(word)}\M" for word in name_words(text)]
        rows = await fetch("metrics_customers_by_name", [patterns, MAX_MATCHES])
    if not rows:
        raise _none_found("customer", value)
    return [str(row["id"]) for row in rows], [str(row["name"] or row["id"]) for row in rows]


async def _categories(fetch: Fetch, value: str, field: str) -> list[tuple[str, str]]:
    """(lower-case key, name) of the categories `value` names (all its words)."""
    rows = await fetch("metrics_categories", [])
    slots = catalog_slots(value)
    # A category named whole ("trà sữa": Milk Tea), else every one with all the words asked
    # ("trà": every tea).
    whole = [r for r in rows if names_whole(slots, str(r["name"]))
             and matches_slots(slots, str(r["name"]))]  # fmt: skip
    found = whole or [r for r in rows if matches_slots(slots, str(r["name"]))]
    return [(str(r["key"]), str(r["name"])) for r in found]


async def _brands(fetch: Fetch, value: str) -> list[tuple[str, str]]:
    rows = await fetch("metrics_brands", [])
    slots = catalog_slots(value)
    found = [r for r in rows if matches_slots(slots, str(r["name"]))]
    if not found:
        raise _none_found("brand", value, [str(r["name"]) for r in rows])
    return [(str(r["key"]), str(r["name"])) for r in found]


async def _products(fetch: Fetch, value: str) -> tuple[list[str], list[str]]:
    """Products with every word asked: as written first (a name the catalog writes in
    Vietnamese, "cà phê sữa đá"), else through the catalog's English words."""
    written = [frozenset({w, _singular(w)}) for w in name_words(value)]
    for slots in dict.fromkeys((tuple(written), tuple(catalog_slots(value)))):
        patterns = [
            # Whole words, singular or plural ("cookie" finds "Almond Cookies").
            "(" + "|".join(rf"\m{re.escape(option)}s?\M" for option in sorted(slot)) + ")"
            for slot in slots
        ]
        rows = await fetch("metrics_products_by_name", [patterns, MAX_MATCHES])
        if rows:
            return [str(row["id"]) for row in rows], [str(row["name"]) for row in rows]
    raise _none_found("product", value)


async def _catalog(fetch: Fetch, args: MetricsArgs, values: dict[str, Any]) -> dict[str, list]:
    """The product, category and brand filters (a product word naming a category is one)."""
    matched: dict[str, list[str]] = {}
    categories: list[tuple[str, str]] = []
    if args.category is not None:
        categories = await _categories(fetch, args.category, "category")
        if not categories:
            rows = await fetch("metrics_categories", [])
            raise _none_found("category", args.category, [str(r["name"]) for r in rows])
    if args.product is not None:
        as_category = await _categories(fetch, args.product, "product")
        if as_category and not categories:
            categories = as_category  # "cà phê": the Coffee category, not a product named so
        else:
            ids, names = await _products(fetch, args.product)
            values["products"] = tuple(ids)
            matched["product"] = names
    if categories:
        values["categories"] = tuple(dict.fromkeys(key for key, _ in categories))
        matched["category"] = list(dict.fromkeys(name for _, name in categories))
    if args.brand is not None:
        brands = await _brands(fetch, args.brand)
        values["brands"] = tuple(dict.fromkeys(key for key, _ in brands))
        matched["brand"] = list(dict.fromkeys(name for _, name in brands))
    return matched


async def resolve(fetch: Fetch, args: MetricsArgs) -> Resolved:
    """Turn the question's names into ids and keys; raise ToolArgumentError for a name that
    matches nothing."""
    values: dict[str, Any] = {}
    matched = await _catalog(fetch, args, values)
    if args.employee is not None:
        ids, names = await _employees(fetch, args.employee)
        values["employees"] = tuple(ids)
        matched["employee"] = names
    if args.customer is not None:
        ids, names = await _customers(fetch, args.customer)
        values["customers"] = tuple(ids)
        matched["customer"] = names
    if args.payment_method is not None:
        key = payment_key(args.payment_method)
        if key is None:
            raise ToolArgumentError("payment_method", "must not be empty")
        values["payment"] = key
        matched["payment_method"] = [key]
    if args.premium is not None:
        values["premium"] = args.premium
        matched["premium"] = ["premium" if args.premium else "regular"]
    for bound in ("min_amount", "max_amount"):
        amount = getattr(args, bound)
        if amount is not None:
            values[bound] = amount
            matched[bound] = [str(amount)]
    return Resolved(Filters(**values), matched)
