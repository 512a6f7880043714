"""Reads a message once: masks e-mails, dates and amounts, then finds keywords and names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from assistant.offline.amounts import Amounts, find_amounts
from assistant.offline.dates import Found
from assistant.offline.entities import (
    VocabHit,
    employee_display,
    find_email,
    find_payment,
    find_quoted,
    find_vocabulary,
)
from assistant.offline.grouping import Relative, TimeGroup, relative_period, time_groups
from assistant.offline.intent import Vocabulary
from assistant.offline.normalise import Hit
from assistant.offline.periods import Period
from assistant.offline.phrases import book
from assistant.offline.ranges import find_period
from assistant.offline.spelling import correct
from core.language import language_of_tokens
from core.text import Token, fold_aligned, tokenize

MAX_CHARS = 1000
PHONE_RE = re.compile(r"(?<![\d/.-])(?:\+?84|0)\d{2,3}[\s.-]?\d{3}[\s.-]?\d{3,4}(?![\d/])")


def mask(text: str, start: int, end: int) -> str:
    """`text` with [start, end) replaced by '#' (same length)."""
    return text[:start] + "#" * (end - start) + text[end:]


@dataclass
class Analysis:
    """Everything the parser found in one message."""

    original: str
    folded: str
    tokens: list[Token]
    today: date
    period: Period | None
    amounts: Amounts
    email: str | None
    quoted: str | None
    hits: list[Hit]
    payment: str | None
    payment_tokens: set[int]
    vocab: list[VocabHit]
    language: str | None
    groups: dict[str, float] = field(default_factory=dict)
    # query_metrics' slots (slots.py): every period with its place, time groupings, a period
    # relative to the previous question's, a phone number, and the slot tables' hits.
    periods: list[Found] = field(default_factory=list)
    time_groups: list[TimeGroup] = field(default_factory=list)
    relative: Relative | None = None
    phone: str | None = None
    slot_hits: dict[str, list[Hit]] = field(default_factory=dict)
    product_names: tuple[str, ...] = ()
    amount_at: frozenset[int] = frozenset()  # characters of amount filters ("trên 500k")

    def slot(self, table: str, key: str | None = None) -> list[Hit]:
        """The hits of one slot table (measures, dimensions, metric_markers, fillers,
        honorifics), or of one of its keys."""
        hits = self.slot_hits.get(table, [])
        return hits if key is None else [hit for hit in hits if hit.key == key]

    def has(self, table: str, *keys: str) -> bool:
        """Whether any of `keys` of a slot table was found."""
        return any(hit.key in keys for hit in self.slot_hits.get(table, []))

    def g(self, group: str) -> float:
        """The summed weight of the group's phrases found in the message."""
        return self.groups.get(group, 0.0)

    def group_hits(self, group: str) -> list[Hit]:
        """The hits of one group, in message order."""
        return [hit for hit in self.hits if hit.key == group]

    def keyword_tokens(self) -> set[int]:
        """Tokens that are part of a keyword phrase."""
        return {i for hit in self.hits for i in hit.indices}

    def vocab_tokens(self) -> set[int]:
        """Tokens that are part of a catalog or staff term."""
        return {i for hit in self.vocab for i in range(hit.first, hit.stop)}

    def used(self) -> set[int]:
        """Tokens already explained by a keyword, a payment method or a term."""
        return self.keyword_tokens() | self.payment_tokens | self.vocab_tokens()

    def is_stop(self, token: Token) -> bool:
        """Whether the token is a stop word."""
        return book().is_stop(token)

    def terms(self, kind: str, synonyms: bool = True) -> list[VocabHit]:
        """The vocabulary hits of one kind (product, category, brand, employee); `synonyms`:
        with owners' words for a category ("trà sữa" for Milk Tea)."""
        return [hit for hit in self.vocab if hit.kind == kind and (synonyms or not hit.synonym)]

    def first_term(self, kind: str, synonyms: bool = True) -> str | None:
        """The first vocabulary term of one kind."""
        found = self.terms(kind, synonyms)
        return found[0].term if found else None

    @property
    def subject(self) -> bool:
        """Whether a product, category or brand of the catalog is named."""
        return any(hit.kind in ("product", "category", "brand") for hit in self.vocab)

    @property
    def vocab_employee(self) -> str | None:
        """The staff member named, as the tools should filter by it."""
        found = self.terms("employee")
        return employee_display(found[0]) if found else None

    def stock_level(self) -> str | None:
        """critical / needs_restock / out_of_stock when the message asks for one."""
        if self.g("stock_critical"):
            return "critical"
        if self.g("stock_low"):
            return "needs_restock"
        if self.g("stock_out"):
            return "out_of_stock"
        return None

    def is_premium(self) -> bool | None:
        """True / False when the message asks for premium / regular customers."""
        if self.g("premium_no"):
            return False
        return True if self.g("premium") else None


def _keywords(tokens: list[Token], blocked: frozenset[int], extra: frozenset[str]) -> list[Hit]:
    hits = book().groups.find(tokens, blocked, extra)
    return [hit for hit in hits if hit.key != "followup_start" or hit.first == 0]


@lru_cache(maxsize=32)
def _vocabulary_words(vocabulary: Vocabulary) -> frozenset[str]:
    terms = (*vocabulary.product_names, *vocabulary.brands, *vocabulary.employee_names)
    return frozenset(re.findall(r"[^\W_]+", fold_aligned(" ".join(terms))[1]))


def _phone(original: str, folded: str) -> tuple[str | None, str]:
    m = PHONE_RE.search(original)
    if m is None:
        return None, folded
    return re.sub(r"[\s.-]", "", m.group()), mask(folded, m.start(), m.end())


def _honorifics_before_names(tokens: list[Token], vocab: list[VocabHit]) -> frozenset[int]:
    """Honorifics before a staff name ("anh Bảo", "chị Thảo") name the person: they are no
    keyword ("anh" is not "ảnh", a picture)."""
    titles = book().folded_set("honorifics")
    return frozenset(
        hit.first - 1
        for hit in vocab
        if hit.kind == "employee" and hit.first > 0 and tokens[hit.first - 1].fold in titles
    )


def _slot_hits(tokens: list[Token], blocked: frozenset[int]) -> dict[str, list[Hit]]:
    tables = book().slots
    return {name: matcher.find(tokens, blocked) for name, matcher in tables.items()}


def analyse(text: str, today: date, vocabulary: Vocabulary) -> Analysis:
    """Read `text` (at most MAX_CHARS of it)."""
    original, folded = fold_aligned(text[:MAX_CHARS])
    email, spans = find_email(original)
    for start, end in spans:
        folded = mask(folded, start, end)
    language = language_of_tokens(tokenize(original, folded))
    original, folded = correct(original, folded, _vocabulary_words(vocabulary), language)
    phone, folded = _phone(original, folded)
    groupings = time_groups(original, folded)
    for group in groupings:
        folded = mask(folded, group.start, group.end)
    relative = relative_period(folded)
    if relative is not None:
        folded = mask(folded, relative.start, relative.end)
    period, found = find_period(original, folded, today)
    for item in found:
        folded = mask(folded, item.start, item.end)
    before_amounts = folded
    amounts, folded = find_amounts(original, folded)
    amount_at = frozenset(
        i for i, (x, y) in enumerate(zip(before_amounts, folded, strict=True)) if x != y
    )
    tokens = tokenize(original, folded)
    vocab = find_vocabulary(tokens, vocabulary, original)
    names = {
        i
        for hit in vocab
        if hit.kind in ("employee", "product")
        for i in range(hit.first, hit.stop)
    }
    if language == "vi" and names:
        # "how much did Thảo sell": an accented name alone does not make the question Vietnamese
        language = language_of_tokens([t for t in tokens if t.index not in names]) or language
    fixed = frozenset(
        i
        for hit in vocab
        if hit.kind in ("product", "employee")
        for i in range(hit.first, hit.stop)
    ) | _honorifics_before_names(tokens, vocab)
    extra = frozenset(re.findall(r"[^\W_]+", fold_aligned(" ".join(h.term for h in vocab))[1]))
    hits = _keywords(tokens, fixed, extra)
    payment, payment_tokens = find_payment(tokens)
    groups: dict[str, float] = {}
    for hit in hits + book().owner_only.find(tokens, fixed, extra):
        groups[hit.key] = groups.get(hit.key, 0.0) + hit.weight
    named = frozenset(i for hit in vocab for i in range(hit.first, hit.stop))
    return Analysis(
        original=original,
        folded=folded,
        tokens=tokens,
        today=today,
        period=period,
        amounts=amounts,
        email=email,
        quoted=find_quoted(original),
        hits=hits,
        payment=payment,
        payment_tokens=payment_tokens,
        vocab=vocab,
        language=language,
        groups=groups,
        periods=found,
        time_groups=groupings,
        relative=relative,
        phone=phone,
        slot_hits=_slot_hits(tokens, named | frozenset(payment_tokens)),
        product_names=vocabulary.product_names,
        amount_at=amount_at,
    )
