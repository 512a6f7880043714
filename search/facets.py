"""What a shopper asks beyond words to match — for a child, vegan, no sugar, a hot drink,
something to eat — and what each product's own text says of it (core/data/facets.yaml).

A search whose query carries such constraints browses: its candidates are filtered (hard
constraints: caffeine for a child, dairy for the lactose intolerant, nuts for an allergy)
and ordered (soft ones: less sugar, served hot, a drink rather than a snack) by what the
product text says, never by a guess of the model. A product that says nothing either way
stays in, after those that say they fit.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from core import data
from core.text import accent_only, fold

_KID_AGE = re.compile(r"\b(\d{1,2})\s*(?:yo|y/o|(?:yrs?|years?)[\s-]*old|tuoi)\b")
KID_AGE_MAX = 12


def _has_marks(text: str) -> bool:
    """Whether `text` carries Vietnamese (or other) diacritics."""
    return fold(text) != unicodedata.normalize("NFC", text).lower()


def _bounded(word: str) -> str:
    """`word` as a whole word: no letter or digit may touch an end that is one ("50% sugar"
    matches "% sugar", whose start is not a letter)."""
    start = r"(?<![^\W_])" if word[:1].isalnum() else ""
    end = r"(?![^\W_])" if word[-1:].isalnum() else ""
    return f"{start}{re.escape(word)}{end}"


@dataclass(frozen=True)
class Phrases:
    """Phrases matched as whole words: with their accents in accented text, folded otherwise
    (so "chạy deadline" is not "chay", vegetarian, while "an chay" typed bare still is)."""

    accented: tuple[re.Pattern[str], ...]
    folded: tuple[re.Pattern[str], ...]

    @classmethod
    def of(cls, words: list[str]) -> Phrases:
        def pattern(items: list[str]) -> tuple[re.Pattern[str], ...]:
            if not items:
                return ()
            # One alternation per list, longest first: "nóng quá" before "nóng".
            ordered = sorted(dict.fromkeys(items), key=lambda w: (-len(w), w))
            return (re.compile("|".join(_bounded(w) for w in ordered)),)

        items = [unicodedata.normalize("NFC", str(w)).lower().strip() for w in words]
        # "ăn", "quà", "cá" typed bare are other words ("an", "qua", "ca"): as written only.
        return cls(pattern(items), pattern([fold(w) for w in items if not accent_only(w)]))

    def found(self, text: Text) -> bool:
        patterns = self.accented if text.marked else self.folded
        source = text.lower if text.marked else text.folded
        return any(p.search(source) for p in patterns)


@dataclass(frozen=True)
class Text:
    """A text as both forms the phrases match against."""

    lower: str
    folded: str
    marked: bool

    @classmethod
    def of(cls, text: str) -> Text:
        lower = unicodedata.normalize("NFC", text).lower()
        return cls(lower, fold(lower), _has_marks(lower))


@dataclass(frozen=True)
class Facet:
    name: str
    hard: bool
    name_only: bool
    has: Phrases
    free: Phrases
    less: Phrases
    negated: frozenset[str]
    implied: Phrases
    wanted: Phrases


@dataclass(frozen=True)
class Book:
    facets: tuple[Facet, ...]
    kinds: dict[str, Phrases]
    asks: dict[str, Phrases]
    temperature_asks: dict[str, Phrases]
    temperature_product: dict[str, Phrases]


@cache
def book() -> Book:
    table = data.load("facets.yaml")
    facets = tuple(
        Facet(
            name,
            bool(spec.get("hard")),
            spec.get("scope") == "name",
            Phrases.of(spec.get("has", [])),
            Phrases.of(spec.get("free", [])),
            Phrases.of(spec.get("less", [])),
            frozenset(fold(str(w)) for w in spec.get("negated", [])),
            Phrases.of(spec.get("implied", [])),
            Phrases.of(spec.get("wanted", [])),
        )
        for name, spec in table["facets"].items()
    )
    temperature = table["temperature"]
    return Book(
        facets,
        {kind: Phrases.of(words) for kind, words in table["kinds"].items()},
        {kind: Phrases.of(words) for kind, words in table["asks"].items()},
        {key: Phrases.of(spec["asks"]) for key, spec in temperature.items()},
        {key: Phrases.of(spec["product"]) for key, spec in temperature.items()},
    )


@dataclass(frozen=True)
class Constraints:
    """What the query asks of products beyond its words."""

    avoid: tuple[str, ...] = ()  # facets the products must not have (hard) or should not
    want: tuple[str, ...] = ()  # facets that put products first
    kind: str | None = None  # drink / food
    temperature: str | None = None  # hot / cold
    hard: frozenset[str] = field(default_factory=frozenset)
    # Avoided in so many words ("matcha latte but no dairy"): about the product asked for,
    # not the person (a child, a diet) — a product they name is held to it too.
    explicit: frozenset[str] = field(default_factory=frozenset)

    def __bool__(self) -> bool:
        return bool(self.avoid or self.want or self.kind or self.temperature)


def constraints(query: str, negative: list[str]) -> Constraints:
    """The constraints of a shopper's query; `negative` are its negated words (folded)."""
    b = book()
    text = Text.of(query)
    negated = {fold(word) for word in negative}
    kid = any(int(m.group(1)) <= KID_AGE_MAX for m in _KID_AGE.finditer(text.folded))
    avoid: list[str] = []
    want: list[str] = []
    explicit: list[str] = []
    for facet in b.facets:
        implied = facet.implied.found(text) or (kid and facet.name == "caffeine")
        refused = any(set(phrase.split()) <= negated for phrase in facet.negated)
        if refused:
            explicit.append(facet.name)
        if implied or refused:
            avoid.append(facet.name)
        elif facet.wanted.found(text):
            want.append(facet.name)
    # "ăn chay" (to eat vegetarian) is a diet, not a bite to eat: read kinds without it.
    plain = text
    for facet in b.facets:
        plain = _without(plain, facet.implied)
    kinds = [kind for kind, phrases in b.asks.items() if phrases.found(plain)]
    # A gift or something to brew at home first ("quà cho bạn thích uống trà"); goods named
    # ("a reusable cup to keep my drink cold") are what is asked for; a drink and a bite:
    # either. "Caffeine free" in so many words is about drinks.
    if kinds and kinds[0] in ("gift", "packaged"):
        kind: str | None = kinds[0]
    elif "goods" in kinds:
        kind = "goods"
    else:
        kind = kinds[0] if len(kinds) == 1 else None
    if kind is None and "caffeine" in explicit:
        kind = "drink"
    temps = _temperature(text, b)
    return Constraints(
        tuple(avoid),
        tuple(want),
        kind,
        temps,
        frozenset(f.name for f in b.facets if f.hard and f.name in avoid),
        frozenset(explicit),
    )


def _temperature(text: Text, b: Book) -> str | None:
    """hot / cold as asked, a longer phrase first ("a hot afternoon" is the weather)."""
    cold = b.temperature_asks["cold"].found(text)
    hot = b.temperature_asks["hot"].found(_without(text, b.temperature_asks["cold"]))
    if hot == cold:
        return None
    return "hot" if hot else "cold"


def _without(text: Text, phrases: Phrases) -> Text:
    lower, folded = text.lower, text.folded
    for pattern in phrases.accented:
        lower = pattern.sub(" ", lower)
    for pattern in phrases.folded:
        folded = pattern.sub(" ", folded)
    return Text(lower, folded, text.marked)


@dataclass(frozen=True)
class Profile:
    """What one product's text says."""

    kind: str | None
    has: frozenset[str]
    free: frozenset[str]
    less: frozenset[str]  # less of it on request ("a less sugar option")
    served: frozenset[str]  # hot / cold
    giftable: bool = False  # goods, packaged, or its text calls it a gift


def profile(card: dict[str, Any]) -> Profile:
    """A product's kind, facets and serving temperatures, from its shopper card."""
    sizes = " ".join(str(v.get("classification") or "") for v in card.get("variants", []))
    return _profile(
        f"{card['name']} {card.get('category') or ''}", f"{card.get('description') or ''} {sizes}"
    )


@lru_cache(maxsize=4096)  # a product's text rarely changes; search reads it on every query
def _profile(title: str, rest: str) -> Profile:
    b = book()
    name = Text.of(title)
    whole = Text.of(f"{title} {rest}")
    has = set()
    free = set()
    less = set()
    for facet in b.facets:
        if facet.free.found(whole):
            free.add(facet.name)
        elif facet.less.found(whole):
            less.add(facet.name)
        elif facet.has.found(name if facet.name_only else whole):
            has.add(facet.name)
    kind = _kind(name, b)
    return Profile(
        kind,
        frozenset(has),
        frozenset(free),
        frozenset(less),
        frozenset(key for key, phrases in b.temperature_product.items() if phrases.found(whole)),
        kind in ("goods", "packaged") or b.kinds["giftable"].found(whole),
    )


def _kind(name: Text, b: Book) -> str | None:
    found = [kind for kind in ("goods", "drink", "food") if b.kinds[kind].found(name)]
    if "drink" in found and b.kinds["packaged"].found(name):
        return "packaged"  # tea leaves, ground coffee: not a drink to have here
    return found[0] if found else None


def covered(word: str) -> bool:
    """Whether a negated word ("milk", "sugar") is read as a facet (then the product text's
    "dairy-free" or "less sugar option" decides, not the bare word)."""
    return any(fold(word) in facet.negated for facet in book().facets)


def ruled_out(product: Profile, asked: Constraints) -> bool:
    """Whether a hard constraint leaves the product out (its text says it has the facet)."""
    return bool(product.has & asked.hard)


def refused(product: Profile, asked: Constraints) -> bool:
    """Whether the query says in so many words that it does not want what the product has
    ("matcha latte but no dairy" refuses the Matcha Latte made with milk, named or not)."""
    return bool(product.has & asked.hard & asked.explicit)


def fit(product: Profile, asked: Constraints) -> tuple[int, int, int]:
    """How well the product fits the soft constraints (lower first): the kind asked for (or
    unknown), then wanted facets it has and avoided ones it says it can do without, then the
    temperature asked for (a product whose text names none fits any)."""
    if asked.kind == "gift":
        wrong_kind = not product.giftable
    elif asked.kind is not None:
        fitting = ("packaged", "goods") if asked.kind == "packaged" else (asked.kind,)
        wrong_kind = product.kind is not None and product.kind not in fitting
    else:  # a child, a diet: something to have here, not a mug or a bag of leaves
        wrong_kind = bool(asked.avoid or asked.want) and product.kind in ("goods", "packaged")
    soft = [name for name in asked.avoid if name not in asked.hard]
    score = 2 * sum(1 for name in asked.want if name not in product.has)
    score += 2 * sum(1 for name in soft if name in product.has)
    # None of it before less of it before a text that says nothing.
    score -= 2 * sum(1 for name in asked.avoid if name in product.free)
    score -= sum(1 for name in soft if name in product.less)
    served = product.served
    wrong_temperature = asked.temperature is not None and served and asked.temperature not in served
    return int(wrong_kind), score, int(bool(wrong_temperature))
