"""The filters of a figures question: catalog and staff names, customers, payment, premium,
order amounts.

A category word filters the category before a product is tried ("cà phê" is Coffee); a
product is found by its whole name, the half of it in or out of parentheses, or by part of
it ("tumblers", "brown sugar boba"); staff by any word of their name, accents ignored; a name
the shop does not know is a customer or a staff member only when the words around it say so.
Several values of one kind ("Thảo với Khoa", "trà sữa và cà phê") are compared side by side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from assistant.offline.analysis import Analysis
from assistant.offline.entities import employee_display
from assistant.offline.normalise import Token, fold, prepare, tokenize
from assistant.offline.phrases import book


def _typed(a: Analysis, first: int, stop: int) -> str:
    """The words as typed, English plurals made singular ("croissants" → "croissant")."""
    out = []
    for token in a.tokens[first:stop]:
        out.append(token.stem if token.text.isascii() and token.text.isalpha() else token.text)
    return " ".join(word.lower() for word in out)


def _catalog_filters(a: Analysis, found: dict[str, list[str]]) -> None:
    for hit in a.vocab:
        if hit.kind == "category":
            found.setdefault("category", []).append(hit.term)
        elif hit.kind == "brand":
            found.setdefault("brand", []).append(hit.term)
        elif hit.kind == "product":
            found.setdefault("product", []).append(_typed(a, hit.first, hit.stop))


@lru_cache(maxsize=32)
def _product_words(names: tuple[str, ...]) -> dict[str, list[tuple[int, str]]]:
    """Each folded word of the product names → (product number, the word's accents)."""
    index: dict[str, list[tuple[int, str]]] = {}
    for number, name in enumerate(names):
        for token in tokenize(*prepare(name)):
            index.setdefault(token.fold, []).append((number, token.marks))
            if token.stem != token.fold:
                index.setdefault(token.stem, []).append((number, token.marks))
    return index


def _products_of(token: Token, index: dict[str, list[tuple[int, str]]]) -> set[int]:
    found = index.get(token.fold, []) + index.get(token.stem, [])
    return {n for n, marks in found if not token.marks or not marks or marks == token.marks}


def product_runs(a: Analysis, terms: tuple[str, ...], taken: set[int]) -> list[tuple[int, int]]:
    """Runs of free words that all belong to one product name ("tumblers", "brown sugar
    boba", "trà tắc"): a product named by part of its name. A lone common word ("thu",
    "tea") is not enough."""
    index = _product_words(terms)
    runs: list[tuple[int, int]] = []
    start, common = -1, set[int]()
    for token in [*a.tokens, None]:
        names: set[int] = set()
        if token is not None and token.index not in taken and not _ignorable(a, token):
            names = _products_of(token, index)
        if start >= 0 and names and common & names:
            common &= names
            continue
        if start >= 0:
            runs.append((start, token.index if token is not None else len(a.tokens)))
        start, common = (token.index, names) if (names and token is not None) else (-1, set())
    keywords = book().known - book().folded_set("common_words")
    return [(i, j) for i, j in runs if j - i > 1 or a.tokens[i].stem not in keywords]


def _ignorable(a: Analysis, token: Token) -> bool:
    return len(token.fold) < 3 or token.fold.isdigit() or a.is_stop(token)


def _money_filters(a: Analysis, filters: dict[str, Any]) -> None:
    if a.amounts.min_value is not None:
        filters["min_amount"] = a.amounts.min_value
    if a.amounts.max_value is not None:
        filters["max_amount"] = a.amounts.max_value


def _premium(a: Analysis) -> bool | None:
    dimensions = [set(hit.indices) for hit in a.slot("dimensions")]
    said = {
        hit.key
        for hit in a.slot("metric_markers")
        if hit.key in ("premium", "premium_no")
        and not any(set(hit.indices) <= words for words in dimensions)  # "staff member"
    }
    if "premium_no" in said or a.g("premium_no"):
        return False
    if "premium" in said or a.g("premium"):
        return True
    return None


@dataclass
class People:
    """Names of people in the message that the catalog does not know."""

    customer: str | None = None
    employee: str | None = None
    used: set[int] = field(default_factory=set)
    several: bool = False  # more than one staff member named: compare them, not filter


def _name_run(a: Analysis, index: int, taken: set[int]) -> list[Token]:
    run: list[Token] = []
    for token in a.tokens[index:]:
        if token.index in taken or a.is_stop(token) or not token.fold.isalpha():
            break
        if len(token.fold) < 2:
            break
        if run and not token.capitalised:
            break
        run.append(token)
        if len(run) == 3:
            break
    return run


def _unknown_person(a: Analysis, taken: set[int]) -> tuple[list[Token], str | None]:
    """A name the shop's lists do not know, and whose it is when the words say so: after an
    honorific ("chị Mai") or a customer / staff word ("khách Lan", "nv Hùng"), or a
    capitalised word after "from" / "by" or with a verb of buying or selling."""
    nouns = {h.stop: h.key for h in a.slot("dimensions") if h.key in ("customer", "employee")}
    for hit in a.slot("honorifics"):
        run = _name_run(a, hit.stop, taken)
        if run and (run[0].capitalised or not book().is_stop(run[0])):
            return run, nouns.get(hit.first)
    for stop, kind in nouns.items():
        run = _name_run(a, stop, taken)
        if run and run[0].capitalised:
            return run, kind
    for token in a.tokens[1:]:
        if token.capitalised and token.index not in taken and not a.is_stop(token):
            before = a.tokens[token.index - 1].fold
            hint = {"from": "customer", "by": "employee", "cua": None}.get(before)
            verb = a.has("measures", "buy", "sell") or a.g("spend")
            if before in ("from", "by", "cua") or verb:
                return _name_run(a, token.index, taken), hint
    return [], None


def people(a: Analysis, taken: set[int]) -> People:
    """Customer and staff named in the message (staff from the vocabulary, else by the
    words around the name)."""
    found = People()
    staff = a.terms("employee")
    if len({hit.term for hit in staff}) > 1:  # "Thảo với Khoa ai bán nhiều hơn": side by side
        found.several = True
        found.used.update(i for hit in staff for i in range(hit.first, hit.stop))
        staff = []
    if staff:
        found.employee = employee_display(staff[0])
        found.used.update(range(staff[0].first, staff[0].stop))
    if a.email or a.phone:
        found.customer = a.email or a.phone
        return found
    run, kind = _unknown_person(a, taken | found.used)
    if not run:
        return found
    name = a.original[run[0].start : run[-1].end]
    buyer = a.has("measures", "buy") or a.g("spend")
    seller = a.has("measures", "sell") and found.employee is None
    if kind == "employee" or (kind is None and seller and not buyer):
        found.employee = name
    else:
        found.customer = name
    found.used.update(t.index for t in run)
    return found


def _first_or_group(values: list[str]) -> tuple[str | None, bool]:
    distinct = list(dict.fromkeys(fold(v) for v in values))
    if not distinct:
        return None, False
    return values[0], len(distinct) > 1


def read_filters(a: Analysis, terms: tuple[str, ...]) -> tuple[dict[str, Any], list[str], set[int]]:
    """(filters, dimensions to group by instead — "milk tea vs coffee" —, tokens used)."""
    named: dict[str, list[str]] = {}
    _catalog_filters(a, named)
    used = a.vocab_tokens() | a.payment_tokens
    taken = used | a.keyword_tokens() | {i for h in a.slot("measures") for i in h.indices}
    taken |= {i for h in a.slot("dimensions") for i in h.indices}
    taken |= {i for h in a.slot("metric_markers") for i in h.indices}
    taken |= {i for h in a.slot("fillers") for i in h.indices}
    for start, stop in product_runs(a, terms, taken):
        named.setdefault("product", []).append(_typed(a, start, stop))
        used.update(range(start, stop))
    filters: dict[str, Any] = {}
    grouped: list[str] = []
    for key in ("category", "product", "brand"):
        value, several = _first_or_group(named.get(key, []))
        if several:
            grouped.append(key)
        elif value is not None:
            filters[key] = value
    if "category" in filters and fold(str(filters.get("product"))) == fold(filters["category"]):
        filters.pop("product")
    who = people(a, taken | used)
    used |= who.used
    if who.several:
        grouped.append("employee")
    if who.employee:
        filters["employee"] = who.employee
    if who.customer:
        filters["customer"] = who.customer
    if a.payment:
        filters["payment_method"] = a.payment
    premium = _premium(a)
    if premium is not None:
        filters["premium"] = premium
    _money_filters(a, filters)
    return filters, grouped, used
