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
    synonym: bool = False  # an owner's word for a category ("trà sữa"), not its name


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


_PARENTHESES = re.compile(r"\(([^()]*)\)")


def aliases(name: str) -> list[str]:
    """Other ways a product is called: its name without the part in parentheses, and that
    part ("Vietnamese Iced Coffee (Cà Phê Sữa Đá)": both halves)."""
    inner = [m.group(1).strip() for m in _PARENTHESES.finditer(name)]
    outer = _PARENTHESES.sub(" ", name).strip()
    found = [alias for alias in (outer, *inner) if alias and alias != name]
    return [alias for alias in found if not re.fullmatch(r"[\d\s\w]{0,2}|\d+\s*\w*", alias)]


def category_synonyms(categories: Sequence[str]) -> list[tuple[str, str]]:
    """(owner's word, category) for the shop's categories ("trà sữa" → "milk tea")."""
    table = book().data.get("category_words") or {}
    have = {fold(c).strip(): c for c in categories}
    found: list[tuple[str, str]] = []
    for category, synonyms in table.items():
        term = have.get(fold(str(category)).strip())
        if term is not None:
            found += [(str(word), term) for word in synonyms]
    return found


def _entries(vocab: Vocabulary) -> list[tuple[str, Phrase, float]]:
    entries: list[tuple[str, Phrase, float]] = []
    columns = (vocab.product_names, vocab.categories, vocab.brands, vocab.employee_names)
    tables = zip(KINDS, columns, strict=True)
    for kind, terms in tables:
        for term in terms:
            spellings = [term, *(aliases(term) if kind == "product" else [])]
            for spelling in spellings:
                phrase = compile_phrase(spelling, book().strict, loose=True)
                if phrase is not None:
                    entries.append((f"{kind}\x1f{term}", phrase, 1.0))
    for word, category in category_synonyms(vocab.categories):
        phrase = compile_phrase(word, book().strict)
        if phrase is not None:
            entries.append((f"category_word\x1f{category}", phrase, 1.0))
    counts = Counter(w for name in vocab.employee_names for w in set(WORD_RE.findall(fold(name))))
    surnames = book().folded_set("common_surnames")
    for name in vocab.employee_names:
        parts = name.split()
        if len(parts) < 2:
            continue
        for part in parts:
            phrase = compile_phrase(part, book().strict, loose=True)
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
        synonym = kind == "category_word"
        kind = "category" if synonym else kind.removesuffix("_part")
        found.append(VocabHit(kind, term, hit.first, hit.stop, partial, text, synonym))
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
