"""What a shopper's query says: the words to look for (with café synonyms, Vietnamese and
English), the words they do not want ("without milk", "ít đường"), and the text to embed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from core import data
from core.text import STOP_WORDS, fold

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_SAFE = re.compile(r"^[a-z0-9]+$")
PREFIX_MIN = 4  # shorter words match whole ("car" must not find "caramel")
SKIP_AFTER_NEGATION = frozenset(data.load("words.yaml")["skip_after_negation"])
_AMOUNT = re.compile(r"^\d+(?:k|kk|d|vnd|nghin|ngan|tr)?$")  # "45k", "30", "200000d"


@dataclass(frozen=True)
class Vocabulary:
    synonyms: dict[str, tuple[str, ...]]
    longest: int
    before: frozenset[str]
    after: frozenset[str]
    generic: frozenset[str]


@cache
def vocabulary() -> Vocabulary:
    table = data.load("synonyms.yaml")
    synonyms = {
        " ".join(fold(key).split()): tuple(fold(str(v)) for v in values)
        for key, values in table["synonyms"].items()
    }
    negations = table["negations"]
    return Vocabulary(
        synonyms,
        max(len(key.split()) for key in synonyms),
        frozenset(" ".join(fold(w).split()) for w in negations["before"]),
        frozenset(fold(w) for w in negations["after"]),
        frozenset(" ".join(fold(w).split()) for w in table["generic"]),
    )


@dataclass
class Unit:
    """A word, or a phrase the synonym table knows ("tra sua"), of the query."""

    text: str  # folded
    original: str  # as typed (lower case), for the text to embed
    synonyms: tuple[str, ...] = ()
    negated: bool = False

    @property
    def words(self) -> list[str]:
        return self.text.split()


@dataclass(frozen=True)
class QueryWords:
    """The analysed query."""

    groups: list[str]  # one tsquery group per wanted word or phrase
    negative: list[str] = field(default_factory=list)  # words (folded) not wanted
    embed_text: str = ""  # what to embed: the query without what is not wanted, plus synonyms

    @property
    def tsquery(self) -> str:
        """Any of the wanted words."""
        return " | ".join(self.groups)


def _units(text: str, vocab: Vocabulary) -> list[Unit]:
    originals = _WORD.findall(text.lower())
    tokens = [fold(word) for word in originals]  # folding keeps word boundaries
    units: list[Unit] = []
    index = 0
    while index < len(tokens):
        for size in range(min(vocab.longest, len(tokens) - index), 0, -1):
            phrase = " ".join(tokens[index : index + size])
            if size == 1 or phrase in vocab.synonyms or phrase in vocab.before:
                original = " ".join(originals[index : index + size])
                units.append(Unit(phrase, original, vocab.synonyms.get(phrase, ())))
                index += size
                break
    return units


def _mark_negations(units: list[Unit], vocab: Vocabulary) -> list[Unit]:
    """Drop the cue words; mark what they negate (the next content unit, or the one before
    "free")."""
    kept: list[Unit] = []
    pending = False
    for unit in units:
        if unit.text in vocab.before:
            pending = True
            continue
        if unit.text in vocab.after and kept:
            kept[-1].negated = True
            continue
        if pending and unit.text in SKIP_AFTER_NEGATION:
            continue
        if pending and unit.text not in STOP_WORDS:
            unit.negated = True
            pending = False
        kept.append(unit)
    return kept


def _term(word: str) -> str | None:
    if not _SAFE.match(word):
        return None
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]  # "cookies" finds "cookie"
    return f"{word}:*" if len(word) >= PREFIX_MIN else word


Corrector = Callable[[str], str | None]


def _group(unit: Unit, correct: Corrector | None = None) -> str | None:
    """`(word | synonym …)`; a phrase matches as all its words together, or a synonym; a word
    the catalog does not have also matches the catalog word it is a typo of."""
    own = [term for term in (_term(word) for word in unit.words) if term]
    alternatives = [" & ".join(own)] if len(own) > 1 else own
    alternatives += [term for term in (_term(word) for word in unit.synonyms) if term]
    if correct is not None and len(unit.words) == 1 and not unit.synonyms:
        fixed = correct(unit.text)
        if fixed and fixed != unit.text:
            alternatives += [term for term in [_term(fixed)] if term]
    alternatives = list(dict.fromkeys(a for a in alternatives if a))
    if not alternatives:
        return None
    return "(" + " | ".join(f"({a})" if "&" in a else a for a in alternatives) + ")"


def analyse(text: str, correct: Corrector | None = None) -> QueryWords:
    """The query's wanted words as tsquery groups, its unwanted words, and its text to embed.

    `correct` maps a word to the catalog word it is probably a typo of (or None)."""
    vocab = vocabulary()
    units = _mark_negations(_units(text, vocab), vocab)
    wanted = [
        u for u in units if not u.negated and u.text not in STOP_WORDS and not _AMOUNT.match(u.text)
    ]
    specific = [u for u in wanted if u.text not in vocab.generic]
    groups = [group for group in (_group(u, correct) for u in specific or wanted) if group]
    negative = [w for u in units if u.negated for w in dict.fromkeys([*u.words, *u.synonyms])]
    extra = [s for u in units if not u.negated for s in u.synonyms if s not in u.words]
    kept = " ".join(u.original for u in units if not u.negated)
    embed_text = " ".join([kept, *dict.fromkeys(extra)]).strip() or text
    return QueryWords(groups, negative, embed_text)


def typo_corrector(known: frozenset[str], cutoff: float = 0.8) -> Corrector:
    """Corrects a word of 5+ letters the catalog does not have to its closest catalog word."""
    import difflib
    from collections import defaultdict

    by_start: dict[str, list[str]] = defaultdict(list)  # a typo rarely hits the first letter
    for word in sorted(known):
        by_start[word[0]].append(word)

    def correct(word: str) -> str | None:
        if len(word) < 5 or word in known:
            return None
        choices = [w for w in by_start.get(word[0], []) if abs(len(w) - len(word)) <= 2]
        close = difflib.get_close_matches(word, choices, n=1, cutoff=cutoff)
        return close[0] if close else None

    return correct
