"""The YAML phrase tables, loaded once and compiled into matchers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.offline.normalise import Phrase, PhraseMatcher, Term, compile_phrase, term_matches
from core import data as data_files
from core.text import WORD_RE, Token, fold

SLOT_TABLES = (
    "measures",
    "dimensions",
    "metric_markers",
    "fillers",
    "honorifics",
    "product_words",
)


def words(value: Any) -> list[str]:
    """Every string in a YAML value (lists and mappings flattened)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [w for item in value.values() for w in words(item)]
    if isinstance(value, list | tuple):
        return [w for item in value for w in words(item)]
    return []


def alternation(items: Iterable[str]) -> str:
    """A regex alternation of the folded `items`, longest first, spaces as \\s+."""
    folded = sorted({fold(item).strip() for item in items if item.strip()}, key=len, reverse=True)
    parts = [r"\s+".join(re.escape(part) for part in item.split()) for item in folded]
    return "(?:" + "|".join(parts) + ")" if parts else "(?!x)x"


def word_map(table: dict[Any, Any]) -> dict[str, Any]:
    """{folded phrase: key} for a YAML mapping of key -> [phrases]."""
    return {fold(w).strip(): key for key, value in table.items() for w in words(value)}


@dataclass(frozen=True)
class PhraseBook:
    """The compiled phrase tables."""

    data: dict[str, Any]
    groups: PhraseMatcher
    payments: PhraseMatcher
    metrics: PhraseMatcher
    owner_only: PhraseMatcher
    slots: dict[str, PhraseMatcher]  # measures, dimensions, metric_markers, fillers, honorifics
    stops: dict[str, tuple[Term, ...]]
    strict: frozenset[str]
    known: frozenset[str]

    def is_stop(self, token: Token) -> bool:
        """Whether `token` is a stop word."""
        return any(term_matches(token, term, False)[0] for term in self.stops.get(token.fold, ()))

    def folded_set(self, key: str) -> frozenset[str]:
        """The folded strings of a top-level YAML list."""
        return frozenset(fold(w).strip() for w in words(self.data.get(key, [])))


def spellings(text: str) -> list[str]:
    """A phrase as written, and without its apostrophes ("haven't" is often "havent")."""
    bare = text.replace("'", "").replace("\u2019", "")
    return [text] if bare == text else [text, bare]


def _entries(
    table: dict[str, Any], strict: frozenset[str], weighted: bool
) -> list[tuple[str, Phrase, float]]:
    entries: list[tuple[str, Phrase, float]] = []
    for key, value in table.items():
        pairs = value.items() if weighted and isinstance(value, dict) else [(1.0, value)]
        for weight, items in pairs:
            for text in (spelling for item in words(items) for spelling in spellings(item)):
                phrase = compile_phrase(text, strict)
                if phrase is not None:
                    entries.append((str(key), phrase, float(weight)))
    return entries


def _stops(data: dict[str, Any], strict: frozenset[str]) -> dict[str, tuple[Term, ...]]:
    stops: dict[str, list[Term]] = {}
    for text in words(data["stop_words"]):
        phrase = compile_phrase(text, strict)
        if phrase is not None and len(phrase.terms) == 1:
            term = phrase.terms[0]
            stops.setdefault(term.fold, []).append(term)
    return {key: tuple(value) for key, value in stops.items()}


@lru_cache(maxsize=1)
def book() -> PhraseBook:
    """The phrase tables (read from core/data/phrases.yaml on first use)."""
    data: dict[str, Any] = data_files.load("phrases.yaml")
    english = words(data["stop_words"]["en"]) + words(data["common_words"])
    strict = frozenset(fold(w) for w in english if w.isascii())
    known = set(strict)
    tables = (
        "dates",
        "stop_words",
        "amounts",
        "groups",
        "payment_methods",
        "metric_words",
        "owner_only",
        *SLOT_TABLES,
        "category_words",
    )
    for text in (s for name in tables for w in words(data[name]) for s in spellings(w)):
        known.update(WORD_RE.findall(fold(text)))
    known.update(WORD_RE.findall(fold(" ".join(str(k) for k in data["category_words"]))))
    frozen_known = frozenset(known)
    slots = {
        name: PhraseMatcher(
            _entries(
                data[name] if isinstance(data[name], dict) else {name: data[name]}, strict, False
            ),
            frozen_known,
        )
        for name in SLOT_TABLES
    }
    return PhraseBook(
        data=data,
        groups=PhraseMatcher(_entries(data["groups"], strict, True), frozen_known),
        payments=PhraseMatcher(_entries(data["payment_methods"], strict, False), frozen_known),
        metrics=PhraseMatcher(_entries(data["metric_words"], strict, False), frozen_known),
        owner_only=PhraseMatcher(
            _entries({"owner_only": {3: data["owner_only"]}}, strict, True), frozen_known
        ),
        slots=slots,
        stops=_stops(data, strict),
        strict=strict,
        known=frozen_known,
    )
