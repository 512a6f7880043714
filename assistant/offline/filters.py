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
from assistant.offline.phrases import book
from core.text import Token, fold, fold_aligned, tokenize


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
        for token in tokenize(*fold_aligned(name)):
            index.setdefault(token.fold, []).append((number, token.marks))
            if token.stem != token.fold:
                index.setdefault(token.stem, []).append((number, token.marks))
    return index


def _products_of(token: Token, index: dict[str, list[tuple[int, str]]]) -> set[int]:
    found = index.get(token.fold, []) + index.get(token.stem, [])
    return {n for n, marks in found if not token.marks or not marks or marks == token.marks}


MAX_ONE_WORD_PRODUCTS = 4  # a single word naming more products than this names none


@dataclass(frozen=True)
class Unit:
    """One word of a product run, or a Vietnamese phrase standing for an English word."""

    first: int
    stop: int
    direct: frozenset[int]  # products whose name has the typed word
    english: str | None = None  # "đào" → "peach"
    translated: frozenset[int] = frozenset()  # products whose name has the English word

    @property
    def products(self) -> frozenset[int]:
        return self.direct | self.translated


def _units(a: Analysis, index: dict[str, list[tuple[int, str]]], taken: set[int]) -> list[Unit]:
    hits = {h.first: h for h in book().slots["product_words"].find(a.tokens)}
    units: list[Unit] = []
    i = 0
    while i < len(a.tokens):
        token = a.tokens[i]
        hit = hits.get(i)
        free = all(j not in taken for j in range(i, hit.stop)) if hit else i not in taken
        if hit is not None and free:
            english = str(hit.key)
            direct = frozenset(_products_of(token, index)) if hit.stop - i == 1 else frozenset()
            translated = frozenset(n for n, _ in index.get(fold(english), []))
            units.append(Unit(i, hit.stop, direct, english, translated))
            i = hit.stop
            continue
        if free and not _ignorable(a, token):
            units.append(Unit(i, i + 1, frozenset(_products_of(token, index))))
        else:
            units.append(Unit(i, i + 1, frozenset()))
        i += 1
    return units


def product_runs(
    a: Analysis, terms: tuple[str, ...], taken: set[int]
) -> list[tuple[int, int, str]]:
    """Runs of free words that all belong to one product name ("tumblers", "brown sugar
    boba", "trà tắc"; "trà đào" through the English "peach tea"): a product named by part of
    its name, as (first token, stop, the words to filter by). A lone common word ("thu",
    "tea") is not enough."""
    index = _product_words(terms)
    runs: list[list[Unit]] = []
    current: list[Unit] = []
    common: frozenset[int] = frozenset()
    for unit in [*_units(a, index, taken), None]:
        products = unit.products if unit is not None else frozenset()
        if current and products and common & products:
            current.append(unit)  # type: ignore[arg-type]
            common &= products
            continue
        if current:
            runs.append(current)
        current, common = (
            ([unit], products) if (unit is not None and products) else ([], frozenset())
        )
    keywords = book().known - book().folded_set("common_words")
    found = []
    for run in runs:
        first, stop = run[0].first, run[-1].stop
        if len(run) == 1 and (
            len(run[0].products) > MAX_ONE_WORD_PRODUCTS
            or (run[0].english is None and a.tokens[first].stem in keywords)
        ):
            continue  # "trà", "tea", "thu" alone: too common to name a product
        found.append((first, stop, _run_words(a, run)))
    return found


def _run_words(a: Analysis, run: list[Unit]) -> str:
    """The words to filter by: as typed when the name has them, else in English."""
    together = frozenset.intersection(*(u.direct for u in run)) if run else frozenset()
    if together:
        return _typed(a, run[0].first, run[-1].stop)
    return " ".join(u.english if u.english else _typed(a, u.first, u.stop) for u in run)


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
    worded = {i for h in a.slot("product_words") for i in h.indices}  # "sữa chua" is no "chưa"
    taken |= {i for h in a.slot("fillers") for i in h.indices} - worded
    for start, stop, words in product_runs(a, terms, taken):
        named.setdefault("product", []).append(words)
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
