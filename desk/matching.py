"""How well a question and a knowledge entry cover each other: the asker's words, the share
of an entry's question (or of its best phrasing) they cover. Pure, shared by search and tests.
"""

from __future__ import annotations

import re

from core import data
from core.text import STOP_WORDS, fold
from desk.redact import PLACEHOLDER

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PHRASES = re.compile(r"[?!.;:,\n]+")
# Extra words that say nothing about *which* fact is asked for.
QUESTION_WORDS: frozenset[str] = frozenset(data.load("words.yaml")["question_words"])


def search_words(query: str) -> list[str]:
    """The query's meaningful words, as written (lower-case) and accent-folded, in order."""
    words: list[str] = []
    for word in _WORD.findall(query.lower()):
        folded = fold(word)
        if (
            folded in STOP_WORDS
            or folded in QUESTION_WORDS
            or (len(word) < 2 and not word.isdigit())
        ):
            continue
        words.append(folded)
    return list(dict.fromkeys(words))


def squash(text: str) -> str:
    """Folded letters and digits only, as SQL's shop_squash: "Wi-Fi" is "wifi"."""
    return "".join(_WORD.findall(fold(text)))


def coverage_of(question: str, query: str, words: list[str], *, whole: bool) -> float:
    """The share of an entry's question that `query` (its search words `words`) covers: of
    the whole question when `whole` (a learnt one), else of its best-covered phrasing.
    Placeholders of redacted details are no words of the question."""
    question = PLACEHOLDER.sub(" ", question)
    phrases = [question] if whole else [question, *_PHRASES.split(question)]
    asked = squash(query)
    return max(_phrase_coverage(phrase, asked, words) for phrase in phrases)


def _phrase_coverage(phrase: str, asked: str, words: list[str]) -> float:
    own, own_words = squash(phrase), search_words(phrase)
    if len(own) >= 3 and own in asked and (own_words or not words):
        return 1.0  # the whole phrasing is in the question ("where is the shop?")
    share = len(asked) / len(own) if len(asked) >= 3 and asked in own else 0.0
    if own_words:
        hits = sum(1 for mine in own_words if any(_same(mine, word) for word in words))
        share = max(share, hits / len(own_words))
    return share


def _same(mine: str, asked: str) -> bool:
    """One word either way of a prefix ("deliver"/"delivery", "park"/"parking"); numbers whole."""
    if mine == asked:
        return True
    if min(len(mine), len(asked)) < 3 or mine.isdigit() or asked.isdigit():
        return False
    return mine.startswith(asked) or asked.startswith(mine)
