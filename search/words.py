"""What a shopper's query says: the words to look for (with café synonyms, Vietnamese and
English), the words they do not want ("without milk", "ít đường"), and the text to embed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from core import data
from core.text import STOP_WORDS, accent_only, fold

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_CLAUSE = re.compile(r"[,.;:!?\n]+")
_SAFE = re.compile(r"^[a-z0-9]+$")
PREFIX_MIN = 4  # shorter words match whole ("car" must not find "caramel")
SKIP_AFTER_NEGATION = frozenset(data.load("words.yaml")["skip_after_negation"])
_AMOUNT = re.compile(r"^\d+(?:k|kk|d|vnd|nghin|ngan|tr)?$")  # "45k", "30", "200000d"


@dataclass(frozen=True)
class Vocabulary:
    synonyms: dict[str, tuple[str, ...]]  # folded key → folded words/phrases to find too
    accented: dict[str, tuple[str, ...]]  # the same, keyed as written (NFC, lower case)
    embed: dict[str, tuple[str, ...]]  # folded key → English words for the embedded text
    embed_accented: dict[str, tuple[str, ...]]
    things: frozenset[str]  # folded terms of things a shop may sell or not ("sandwich")
    things_accented: frozenset[str]  # the same, as written
    longest: int
    before: frozenset[str]
    before_marked: frozenset[str]  # cues matched only as written ("ít" is not "it")
    after: frozenset[str]
    generic: frozenset[str]


def _lower(text: str) -> str:
    return unicodedata.normalize("NFC", text).lower()


def _key(text: str) -> str:
    return " ".join(_WORD.findall(_lower(text)))


@cache
def vocabulary() -> Vocabulary:
    table = data.load("synonyms.yaml")
    pairs: list[tuple[str, list[str], list[str]]] = []  # (key, find too, embed too)
    for key, values in table["synonyms"].items():
        words = [str(v) for v in values]
        pairs.append((str(key), words, words))
    food = data.load("food_words.yaml")
    things: set[str] = set()
    for group in [*food["things"], *food["qualities"]]:
        english = [str(t) for t in group.get("en", [])]
        vietnamese = [str(t) for t in group.get("vi", [])]
        for term in english:
            pairs.append((term, [t for t in english + vietnamese if t != term], []))
        for term in vietnamese:
            pairs.append((term, [t for t in vietnamese if t != term] + english, english))
    things_accented: set[str] = set()
    for group in food["things"]:
        terms = [str(t) for t in [*group.get("en", []), *group.get("vi", [])]]
        things.update(_key(fold(t)) for t in terms if not accent_only(t))
        things_accented.update(_key(t) for t in terms)
    synonyms: dict[str, dict[str, None]] = {}
    accented: dict[str, dict[str, None]] = {}
    embed: dict[str, dict[str, None]] = {}
    embed_accented: dict[str, dict[str, None]] = {}
    for key, find, extra in pairs:
        bare = not accent_only(key)  # "quà" typed bare is "qua" (very): as written only
        keys = [(accented, embed_accented, _key(key))]
        keys += [(synonyms, embed, _key(fold(key)))] if bare else []
        for found, embedded, key_ in keys:
            found.setdefault(key_, {}).update(dict.fromkeys(_key(fold(v)) for v in find))
            embedded.setdefault(key_, {}).update(dict.fromkeys(_lower(v) for v in extra))
    negations = table["negations"]
    return Vocabulary(
        {k: tuple(v) for k, v in synonyms.items()},
        {k: tuple(v) for k, v in accented.items()},
        {k: tuple(v) for k, v in embed.items()},
        {k: tuple(v) for k, v in embed_accented.items()},
        frozenset(things),
        frozenset(things_accented),
        max(len(key.split()) for key in synonyms),
        frozenset(" ".join(fold(w).split()) for w in negations["before"] if not accent_only(w)),
        frozenset(_key(w) for w in negations["before"] if accent_only(w)),
        frozenset(fold(w) for w in negations["after"]),
        frozenset(" ".join(fold(w).split()) for w in table["generic"]),
    )


@dataclass
class Unit:
    """A word, or a phrase the synonym table knows ("tra sua"), of the query."""

    text: str  # folded
    original: str  # as typed (lower case), for the text to embed
    synonyms: tuple[str, ...] = ()  # folded words or phrases to find too
    extra: tuple[str, ...] = ()  # words for the embedded text (English for Vietnamese)
    thing: bool = False  # names a thing a shop sells or not (food_words.yaml's `things`)
    negated: bool = False

    @property
    def words(self) -> list[str]:
        return self.text.split()


@dataclass(frozen=True)
class QueryWords:
    """The analysed query."""

    groups: list[str]  # one tsquery group per wanted word or phrase
    things: list[str] = field(default_factory=list)  # the groups that name a thing to sell
    negative: list[str] = field(default_factory=list)  # words (folded) not wanted
    embed_text: str = ""  # what to embed: the query without what is not wanted, plus synonyms

    @property
    def tsquery(self) -> str:
        """Any of the wanted words."""
        return " | ".join(self.groups)


def _units(text: str, vocab: Vocabulary) -> list[Unit]:
    """The query's words, a phrase the tables know as one unit (the longest first). Typed
    with accents, a phrase matches the tables as written ("dâu" is not "đâu"); without,
    folded."""
    originals = _WORD.findall(_lower(text))
    tokens = [fold(word) for word in originals]  # folding keeps word boundaries
    marked = originals != tokens
    find, embed = (
        (vocab.accented, vocab.embed_accented) if marked else (vocab.synonyms, vocab.embed)
    )
    things = vocab.things_accented if marked else vocab.things
    keys = originals if marked else tokens
    units: list[Unit] = []
    index = 0
    while index < len(tokens):
        for size in range(min(vocab.longest, len(tokens) - index), 0, -1):
            phrase = " ".join(tokens[index : index + size])
            key = " ".join(keys[index : index + size])
            if key not in find and key.endswith("s") and len(key) > 3 and key[:-1] in find:
                key = key[:-1]  # "biscuits" as "biscuit"
            if size == 1 or key in find or phrase in vocab.before:
                original = " ".join(originals[index : index + size])
                thing = key in things or (key.endswith("s") and key[:-1] in things)
                units.append(Unit(phrase, original, find.get(key, ()), embed.get(key, ()), thing))
                index += size
                break
    return units


def _mark_negations(units: list[Unit], vocab: Vocabulary) -> list[Unit]:
    """Drop the cue words; mark what they negate (the next content unit, or the one before
    "free")."""
    kept: list[Unit] = []
    pending = False
    for unit in units:
        if unit.text in vocab.before or unit.original in vocab.before_marked:
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
    prefix = len(word) >= PREFIX_MIN  # as typed: "nuts" finds "nut" and "nuts", "car" only "car"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]  # "cookies" finds "cookie"
    return f"{word}:*" if prefix else word


def _phrase(value: str) -> str | None:
    """A synonym as a tsquery term: a phrase as all its words ("tra & sua")."""
    terms = [_term(word) for word in value.split()]
    if not terms or any(term is None for term in terms):
        return None
    return " & ".join(t for t in terms if t)


Corrector = Callable[[str], str | None]


def _group(unit: Unit, correct: Corrector | None = None) -> str | None:
    """`(word | synonym …)`; a phrase matches as all its words together, or a synonym; a word
    the catalog does not have also matches the catalog word it is a typo of."""
    own = [term for term in (_term(word) for word in unit.words) if term]
    alternatives = [" & ".join(own)] if len(own) > 1 else own
    alternatives += [term for term in (_phrase(value) for value in unit.synonyms) if term]
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
    # A negation ends with its clause: "có cà phê hông, sữa đá ngọt quá" negates nothing.
    units = [
        unit
        for clause in _CLAUSE.split(text)
        for unit in _mark_negations(_units(clause, vocab), vocab)
    ]
    wanted = [
        u for u in units if not u.negated and u.text not in STOP_WORDS and not _AMOUNT.match(u.text)
    ]
    specific = [u for u in wanted if u.text not in vocab.generic]
    grouped = [(u, _group(u, correct)) for u in specific or wanted]
    groups = [group for _, group in grouped if group]
    things = [group for u, group in grouped if group and u.thing]
    negative = [
        word
        for u in units
        if u.negated
        for word in dict.fromkeys([*u.words, *(w for s in u.synonyms for w in s.split())])
    ]
    kept = " ".join(u.original for u in units if not u.negated)
    typed = set(kept.split())
    extra = [
        w for u in units if not u.negated for e in u.extra for w in e.split() if w not in typed
    ]
    embed_text = " ".join([kept, *dict.fromkeys(extra)]).strip() or text
    return QueryWords(groups, things, negative, embed_text)


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
