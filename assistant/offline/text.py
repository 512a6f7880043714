"""Free text taken from a message: search words, order-search text and people's names."""

from __future__ import annotations

from collections.abc import Iterable

from assistant.offline.analysis import Analysis
from assistant.offline.phrases import book
from core.text import Token

_BREAK = set(",;?!.#()[]")
_QUERY_FALLBACK_DROP = (
    "greeting",
    "thanks",
    "shop_ask",
    "price",
    "picture",
    "followup",
    "followup_start",
    "help",
    "list_verb",
    "search_verb",
    "in_stock",
    "my",
)


def join(tokens: Iterable[Token]) -> str:
    """The tokens' original words, lower-cased, separated by spaces."""
    return " ".join(token.text.lower() for token in tokens)


def _prepositions() -> frozenset[str]:
    return frozenset(w for item in book().folded_set("search_prepositions") for w in item.split())


def content_tokens(a: Analysis, keep_vocab: bool = True) -> list[Token]:
    """Words that are not keywords, payment methods or stop words (terms kept if asked)."""
    used = a.keyword_tokens() | a.payment_tokens
    if not keep_vocab:
        used |= a.vocab_tokens()
    vocab = a.vocab_tokens()
    return [t for t in a.tokens if t.index not in used and (t.index in vocab or not a.is_stop(t))]


def shopper_query(a: Analysis) -> str:
    """What the shopper is looking for, with question and stop words removed."""
    words = [t for t in content_tokens(a) if not t.fold.isdigit()]
    if words:
        return join(words)
    dropped = {i for hit in a.hits if hit.key in _QUERY_FALLBACK_DROP for i in hit.indices}
    keywords = a.keyword_tokens()
    words = [
        t for t in a.tokens if t.index not in dropped and (t.index in keywords or not a.is_stop(t))
    ]
    return join(words or a.tokens) or "menu"


def _gap(a: Analysis, left: Token, right: Token) -> bool:
    return any(c in _BREAK for c in a.folded[left.end : right.start])


def _trim(token: Token) -> bool:
    return token.fold in book().folded_set("search_trim")


def run_after(a: Analysis, index: int, *, skip: frozenset[str], limit: int = 12) -> list[Token]:
    """The contiguous words from token `index` on, filler words at either end dropped."""
    tokens = a.tokens[index:]
    while tokens and (tokens[0].fold in skip or _trim(tokens[0])):
        tokens = tokens[1:]
    run: list[Token] = []
    for token in tokens[:limit]:
        if run and _gap(a, run[-1], token):
            break
        run.append(token)
    while run and (_trim(run[-1]) or run[-1].fold in skip):
        run.pop()
    return run


def _span(a: Analysis, tokens: list[Token]) -> str:
    return a.original[tokens[0].start : tokens[-1].end].strip(" \"'“”‘’")


def order_search_text(a: Analysis) -> tuple[str | None, int]:
    """(text to search orders for, strength 3 = explicit marker, 2 = "orders from X")."""
    markers, orders = a.group_hits("search_marker"), a.group_hits("order_noun")
    if a.quoted and (markers or orders):
        return a.quoted, 3
    preps = _prepositions()
    if markers:
        anchor, strength = markers[0].stop, 3
    elif orders:
        anchor = orders[0].stop
        skipped = anchor < len(a.tokens) and a.tokens[anchor].fold in preps
        strength = 2 if skipped or a.g("search_verb") else 0
    else:
        return None, 0
    run = run_after(a, anchor, skip=preps)
    taken = a.vocab_tokens() | a.payment_tokens
    if not run or strength == 0 or all(t.index in taken for t in run):
        return None, 0
    return _span(a, run), strength


def _free_run(a: Analysis, tokens: list[Token], limit: int = 4) -> list[Token]:
    used = a.used()
    run: list[Token] = []
    for token in tokens:
        name_part = bool(run) and run[-1].capitalised and token.capitalised
        if token.index in used or (a.is_stop(token) and not name_part):
            break
        if run and _gap(a, run[-1], token):
            break
        run.append(token)
        if len(run) == limit:
            break
    return run


def name_after(a: Analysis, groups: tuple[str, ...], lower_ok: bool = False) -> str | None:
    """A name typed right after a word of `groups` ("customer Hoa", "nhân viên tên Hùng").

    Lower-case names count after "named"/"tên", or when `lower_ok` and the word is singular.
    """
    naming = book().folded_set("naming_words")
    for hit in a.hits:
        if hit.key not in groups:
            continue
        rest = a.tokens[hit.stop :]
        named = False
        while rest and (rest[0].fold in naming or rest[0].fold in _prepositions()):
            named = named or rest[0].fold in naming
            rest = rest[1:]
        run = _free_run(a, rest)
        singular = lower_ok and not hit.phrase.endswith("s")
        if run and (run[0].capitalised or named or singular):
            return _span(a, run)
    return None


def capitalised_name(a: Analysis) -> str | None:
    """A run of capitalised free words after the first word ("who is Hoa Nguyen")."""
    used = a.used()
    for token in a.tokens[1:]:
        if token.capitalised and token.index not in used and not a.is_stop(token):
            run = _free_run(a, a.tokens[token.index :])
            run = [t for t in run if t.capitalised] if run else []
            if run:
                return _span(a, run)
    return None


def employee_name(a: Analysis) -> str | None:
    """The staff member the message is about: a known name, or "by X" / "nhân viên X"."""
    if a.vocab_employee:
        return a.vocab_employee
    named = name_after(a, ("employee_noun",))
    if named:
        return named
    for token in a.tokens:
        if token.fold in ("by", "boi") and token.index + 1 < len(a.tokens):
            run = _free_run(a, a.tokens[token.index + 1 :], 3)
            if run and run[0].capitalised:
                return _span(a, run)
    return None


def product_words(a: Analysis) -> str | None:
    """The words of an owner's product search that are not keywords, terms or stop words."""
    words = content_tokens(a, keep_vocab=False)
    return join(words) if words else None
