"""Things a message names: e-mails, quoted text, payment methods and catalog/staff terms."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from assistant.offline.intent import Vocabulary
from assistant.offline.normalise import Phrase, PhraseMatcher, close, compile_phrase
from assistant.offline.phrases import book
from core.text import WORD_RE, Token, fold

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
QUOTED_RE = re.compile(
    r"[\"“”«»]([^\"“”«»]{1,120})[\"“”«»]|(?:^|\s)['‘’]([^'‘’]{1,120})['‘’](?=\s|$|[?.!,])"
)
KINDS = ("product", "category", "brand", "employee")


@dataclass(frozen=True)
class VocabHit:
    """A catalog or staff term found at tokens [first, stop)."""

    kind: str
    term: str
    first: int
    stop: int
    partial: bool
    text: str


def find_email(text: str) -> tuple[str | None, list[tuple[int, int]]]:
    """The first e-mail address (lower-cased) and the spans of all of them."""
    spans = [m.span() for m in EMAIL_RE.finditer(text)]
    first = EMAIL_RE.search(text)
    return (first.group().lower().strip(".") if first else None), spans


def find_quoted(text: str) -> str | None:
    """Text the user put in quotes, if any."""
    m = QUOTED_RE.search(text)
    if not m:
        return None
    value = (m.group(1) or m.group(2) or "").strip()
    return value or None


def find_payment(tokens: Sequence[Token]) -> tuple[str | None, set[int]]:
    """The payment method named (cash / bank / card / e-wallet) and its tokens."""
    hits = book().payments.find(tokens)
    if not hits:
        return None, set()
    return hits[0].key, {i for hit in hits for i in hit.indices}


def _entries(vocab: Vocabulary) -> list[tuple[str, Phrase, float]]:
    entries: list[tuple[str, Phrase, float]] = []
    columns = (vocab.product_names, vocab.categories, vocab.brands, vocab.employee_names)
    tables = zip(KINDS, columns, strict=True)
    for kind, terms in tables:
        for term in terms:
            phrase = compile_phrase(term, book().strict)
            if phrase is not None:
                entries.append((f"{kind}\x1f{term}", phrase, 1.0))
    counts = Counter(w for name in vocab.employee_names for w in set(WORD_RE.findall(fold(name))))
    surnames = book().folded_set("common_surnames")
    for name in vocab.employee_names:
        parts = name.split()
        if len(parts) < 2:
            continue
        for part in parts:
            phrase = compile_phrase(part, book().strict)
            if phrase is None or len(phrase.terms) != 1 or phrase.terms[0].fold in surnames:
                continue
            if counts[phrase.terms[0].fold] == 1:
                entries.append((f"employee_part\x1f{name}", phrase, 1.0))
    return entries


@lru_cache(maxsize=32)
def vocabulary_matcher(vocab: Vocabulary) -> PhraseMatcher:
    """A matcher over the vocabulary's terms (cached per vocabulary)."""
    return PhraseMatcher(_entries(vocab), book().known)


def _partial_ok(token: Token) -> bool:
    if len(token.fold) < 2:
        return False
    if token.fold in book().strict:
        return token.capitalised and token.index > 0
    return token.capitalised or not book().is_stop(token)


def find_vocabulary(tokens: Sequence[Token], vocab: Vocabulary, original: str) -> list[VocabHit]:
    """Catalog and staff terms in the message, longest first, not overlapping."""
    if not (vocab.product_names or vocab.categories or vocab.brands or vocab.employee_names):
        return []
    found: list[VocabHit] = []
    for hit in vocabulary_matcher(vocab).find(tokens):
        kind, term = hit.key.split("\x1f", 1)
        partial = kind == "employee_part"
        if partial and not _partial_ok(tokens[hit.first]):
            continue
        text = original[tokens[hit.first].start : tokens[hit.stop - 1].end]
        found.append(VocabHit(kind.removesuffix("_part"), term, hit.first, hit.stop, partial, text))
    return found


def employee_display(hit: VocabHit) -> str:
    """The staff name to filter by: the matched part of the name, title-cased."""
    if not hit.partial:
        return hit.term.title()
    folded = fold(hit.text)
    for part in hit.term.split():
        if fold(part) == folded or close(folded, fold(part)):
            return part.title()
    return hit.text.title()
