"""The language of a message, Vietnamese or English: one rule for every package.

Vietnamese when a word has a letter only Vietnamese writes, or two words carry accents, or
it has more Vietnamese than English marker words (as typed without accents); English when
it has English marker words; no clue otherwise. The word lists are core/data/language.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from core import data
from core.text import Token, fold_aligned, tokenize


@cache
def _markers() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    table = data.load("language.yaml")
    return (
        frozenset(table["vietnamese_letters"]),
        frozenset(table["vietnamese_markers"]),
        frozenset(table["english_markers"]),
    )


def language_of_tokens(tokens: Sequence[Token]) -> str | None:
    """'vi' or 'en' from letters, accents and marker words; None when there is no clue."""
    letters, vietnamese, english = _markers()
    typed = {c for token in tokens for c in token.text.lower()}
    if typed & letters or sum(1 for t in tokens if t.marks) >= 2:
        return "vi"
    vi = sum(1 for t in tokens if t.fold in vietnamese)
    en = sum(1 for t in tokens if t.fold in english)
    if vi > en:
        return "vi"
    return "en" if en else None


def detect_language(text: str, default: str = "en") -> str:
    """`vi` or `en` for `text`; `default` when it gives no clue."""
    return language_of_tokens(tokenize(*fold_aligned(text))) or default
