"""Typo-tolerant phrase matching for the offline parser (folding and tokens: core/text.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from core.text import WORD_RE, Token, fold_aligned, marks_of, stem


@dataclass(frozen=True)
class Term:
    """One word of a phrase table entry."""

    fold: str
    stem: str
    marks: str
    exact: bool
    loose: bool = False  # a name written without accents matches them typed with any


@dataclass(frozen=True)
class Phrase:
    """A phrase table entry, compiled."""

    text: str
    terms: tuple[Term, ...]


def compile_phrase(
    text: str, strict: frozenset[str] = frozenset(), loose: bool = False
) -> Phrase | None:
    """Compile `text`; a lone accented word folding to a word in `strict` must keep its accents.

    `loose`: words written without accents match the same words typed with any accents
    (a staff list spelled "Thao Vo" matches "Thảo")."""
    original, folded = fold_aligned(text)
    found = [(m.group(), original[m.start() : m.end()]) for m in WORD_RE.finditer(folded)]
    single = len(found) == 1
    terms = []
    for word, raw in found:
        marks = marks_of(raw)
        exact = single and bool(marks) and word in strict
        terms.append(Term(word, stem(word), marks, exact, loose and not marks))
    return Phrase(text, tuple(terms)) if terms else None


def _osa(a: str, b: str) -> int:
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]


@lru_cache(maxsize=16384)
def close(word: str, target: str) -> bool:
    """Whether `word` is a plausible typo of `target` (same first letter, 1-2 edits)."""
    if not word or not target or word[0] != target[0] or word == target:
        return False
    limit = 1 if len(target) <= 7 else 2
    return abs(len(word) - len(target)) <= limit and _osa(word, target) <= limit


def term_matches(token: Token, term: Term, fuzzy: bool) -> tuple[bool, bool]:
    """(matches, by typo tolerance) for one message word against one phrase word."""
    if token.stem == term.stem or token.fold == term.fold:
        if token.marks:
            return token.marks == term.marks or term.loose, False
        return not term.exact, False
    if fuzzy and len(term.stem) >= 5 and close(token.stem, term.stem):
        return True, True
    return False, False


@dataclass(frozen=True)
class Hit:
    """A phrase found in the message: tokens [first, stop) of the group `key`."""

    key: str
    phrase: str
    first: int
    stop: int
    weight: float
    fuzzy: bool

    @property
    def indices(self) -> range:
        """The token indices the hit covers."""
        return range(self.first, self.stop)


class PhraseMatcher:
    """Finds non-overlapping phrases of a table in a token list, longest first."""

    def __init__(self, entries: Iterable[tuple[str, Phrase, float]], known: frozenset[str]):
        self._index: dict[str, list[tuple[str, Phrase, float]]] = {}
        self._pool: dict[str, set[str]] = {}
        words = set(known)
        for key, phrase, weight in entries:
            first = phrase.terms[0].stem
            self._index.setdefault(first, []).append((key, phrase, weight))
            if len(first) >= 5:
                self._pool.setdefault(first[0], set()).add(first)
            words.update(term.fold for term in phrase.terms)
            words.update(term.stem for term in phrase.terms)
        self.known = frozenset(words)

    def fuzzy_ok(self, token: Token, extra: frozenset[str] = frozenset()) -> bool:
        """Whether `token` is an unknown plain word that may be a typo."""
        word = token.fold
        return (
            not token.marks
            and len(word) >= 4
            and word.isalpha()
            and word.isascii()
            and word not in self.known
            and token.stem not in self.known
            and word not in extra
        )

    def _starts(self, token: Token, fuzzy: bool) -> list[tuple[str, Phrase, float]]:
        found = list(self._index.get(token.stem, ()))
        if token.fold != token.stem:
            found += self._index.get(token.fold, ())
        if fuzzy:
            for target in self._pool.get(token.stem[:1], ()):
                if close(token.stem, target):
                    found += self._index[target]
        return found

    def _candidates(
        self, tokens: Sequence[Token], blocked: frozenset[int], extra: frozenset[str]
    ) -> list[Hit]:
        fuzzy = [self.fuzzy_ok(token, extra) for token in tokens]
        hits: list[Hit] = []
        for i, token in enumerate(tokens):
            if i in blocked:
                continue
            for key, phrase, weight in self._starts(token, fuzzy[i]):
                stop = i + len(phrase.terms)
                if stop > len(tokens) or any(j in blocked for j in range(i, stop)):
                    continue
                results = [
                    term_matches(tokens[i + k], term, fuzzy[i + k])
                    for k, term in enumerate(phrase.terms)
                ]
                if all(ok for ok, _ in results):
                    hits.append(Hit(key, phrase.text, i, stop, weight, any(f for _, f in results)))
        return hits

    def find(
        self,
        tokens: Sequence[Token],
        blocked: frozenset[int] = frozenset(),
        extra: frozenset[str] = frozenset(),
    ) -> list[Hit]:
        """The hits in `tokens`; where phrases overlap the longest (then exact) one wins."""
        candidates = self._candidates(tokens, blocked, extra)
        candidates.sort(key=lambda h: (h.first - h.stop, h.fuzzy, h.first))
        taken: set[int] = set()
        spans: set[tuple[int, int]] = set()
        seen: set[tuple[int, int, str]] = set()
        chosen: list[Hit] = []
        for hit in candidates:
            span = (hit.first, hit.stop)
            if (hit.first, hit.stop, hit.key) in seen:
                continue
            if span not in spans and any(j in taken for j in hit.indices):
                continue
            taken.update(hit.indices)
            spans.add(span)
            seen.add((hit.first, hit.stop, hit.key))
            chosen.append(hit)
        return sorted(chosen, key=lambda h: h.first)
