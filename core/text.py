"""Text as it is stored and matched: cleaning, accent folding (as SQL's shop_fold), stop words."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from core import data

_VIETNAMESE = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđäöüëïçñ"
WORD_RE = re.compile(r"[^\W_]+")
STOP_WORDS: frozenset[str] = frozenset(data.load("words.yaml")["stop_words"])


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Incoming text as it is stored and matched: without NUL (PostgreSQL text cannot hold
    it), lone UTF-16 surrogates replaced with U+FFFD, in Unicode NFC (decomposed accents from
    some keyboards composed, so "#3 nosave:" matches however it was typed)."""
    if value.isascii():
        return value.replace("\x00", "") if "\x00" in value else value
    value = _SURROGATE.sub("\ufffd", value.replace("\x00", ""))
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


@cache
def fold_map() -> tuple[str, str]:
    """The (from, to) strings of translate() that strip Vietnamese and Latin accents."""
    source = _VIETNAMESE
    target = "".join("d" if ch == "đ" else unicodedata.normalize("NFD", ch)[0] for ch in source)
    return source, target


def fold(text: str) -> str:
    """Lower-case `text` and strip its accents, exactly as the SQL side does (decomposed
    accents, as some keyboards send them, are composed first)."""
    source, target = fold_map()
    composed = unicodedata.normalize("NFC", text)
    return composed.lower().translate(str.maketrans(source, target))


def _lower_char(ch: str) -> str:
    low = ch.lower()
    return low if len(low) == 1 else ch  # "İ" lowers to two characters: kept as it is


_COLLISIONS = frozenset(data.load("words.yaml")["folded_collisions"])
_FOLDED_OK = frozenset(data.load("words.yaml")["folded_ok"])
SHORT_WORD = 3  # an accented word this short folds into too many others


def accent_only(term: str) -> bool:
    """Whether `term` (a word list's entry) may match only as written, with its accents: a
    single accented word whose bare form is short or a common other word ("ăn", "quà",
    "trứng"). Phrases and longer words also match typed without accents."""
    folded = fold(term).strip()
    if folded == unicodedata.normalize("NFC", term).lower().strip() or " " in folded:
        return False
    return (len(folded) <= SHORT_WORD or folded in _COLLISIONS) and folded not in _FOLDED_OK


def fold_aligned(text: str) -> tuple[str, str]:
    """The NFC text and its folded twin of the same length (character i of one is character i
    of the other), folded as `fold` does: for parsers that map matches back to the text."""
    original = unicodedata.normalize("NFC", text)
    source, target = fold_map()
    lowered = "".join(_lower_char(ch) for ch in original)
    return original, lowered.translate(str.maketrans(source, target))


def marks_of(word: str) -> str:
    """The word's diacritics as a sorted signature, whatever the tone-mark placement."""
    low = word.lower()
    marks = sorted(c for c in unicodedata.normalize("NFD", low) if unicodedata.combining(c))
    return "".join(marks) + ("đ" if "đ" in low else "")


def stem(word: str) -> str:
    """A folded word without a plural -s."""
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass(frozen=True)
class Token:
    """One word of a message, with its span in the (NFC) text."""

    index: int
    start: int
    end: int
    text: str
    fold: str
    stem: str
    marks: str

    @property
    def capitalised(self) -> bool:
        """Whether the word was typed with a capital first letter."""
        return self.text[:1].isupper()


def tokenize(original: str, folded: str) -> list[Token]:
    """The words of `folded` (as `fold_aligned` gives it), each linked to its original spelling."""
    tokens: list[Token] = []
    for match in WORD_RE.finditer(folded):
        start, end = match.span()
        word = match.group()
        raw = original[start:end]
        tokens.append(Token(len(tokens), start, end, raw, word, stem(word), marks_of(raw)))
    return tokens
