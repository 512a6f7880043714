"""Typos of the words the date and amount grammars read ("yestrday", "las week", "mnay").

Keyword tables tolerate typos as they match; the date and amount grammars are patterns over
the text, so an English word that is no known word but one edit from a date word (or from
"many"/"much") is spelled right before they run. The text keeps its shape otherwise.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.offline.normalise import close
from assistant.offline.phrases import book, words
from core.text import fold

_WORD = re.compile(r"(?<![a-z0-9])[a-z]+(?![a-z0-9])")
EXTRA = ("many", "much", "orders", "since", "ago", "past", "last", "this", "weekend")
# Vietnamese period words typed without a letter ("thág", "tuầ"): folded.
VIETNAMESE = ("thang", "tuan", "ngay", "truoc")


@lru_cache(maxsize=1)
def targets() -> frozenset[str]:
    """The words a typo may be corrected to: English date words of the tables."""
    d = book().data["dates"]
    tables = (d["months"], d["weekdays"], d["units"], d["today"], d["yesterday"])
    found = {fold(w) for w in words(tables) if w.isascii() and " " not in w}
    return frozenset(w for w in found | set(EXTRA) | set(VIETNAMESE) if len(w) >= 4)


def _candidate(word: str, known: frozenset[str], extra: frozenset[str]) -> str | None:
    if len(word) < 3 or word in known or word in extra:
        return None
    for target in sorted(targets()):
        if close(word, target) and (len(word) >= 4 or len(target) == 4):
            return target
    return None


def correct(
    original: str, folded: str, extra: frozenset[str], language: str | None = None
) -> tuple[str, str]:
    """Both texts with typos of date words corrected (`extra`: the shop's own words); a
    Vietnamese message only gets its Vietnamese period words corrected."""
    known = book().known
    pieces_original: list[str] = []
    pieces_folded: list[str] = []
    last = 0
    for m in _WORD.finditer(folded):
        start, end = m.span()
        fixed = _candidate(m.group(), known, extra)
        english = original[start:end].isascii() and language != "vi"
        if fixed is not None and not english and fixed not in VIETNAMESE:
            continue
        if fixed is None:
            continue
        pieces_original += [original[last:start], fixed]
        pieces_folded += [folded[last:start], fixed]
        last = end
    if not pieces_folded:
        return original, folded
    return "".join(pieces_original) + original[last:], "".join(pieces_folded) + folded[last:]
