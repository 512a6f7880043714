"""The shop's knowledge: facts no other table holds (delivery area, opening hours, policies).

Searched with PostgreSQL full text (`simple` configuration, so English and Vietnamese
both work, over the words as written and accent-folded), with a case- and
accent-insensitive containment fallback for very short entries or queries.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from asyncpg.exceptions import PostgresError
from loguru import logger
from tortoise.exceptions import OperationalError

from database import connection, load_sql, state
from search.hybrid import fuse, query_vector
from tools.text import STOP_WORDS, fold

SQL = load_sql("desk.sql")
SEARCH_SQL = load_sql("search.sql")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_PLAIN = re.compile(r"^[a-z0-9]+$")
# Extra words that say nothing about *which* fact is asked for.
QUESTION_WORDS = frozenset(
    """when where who whom whose why will shall should may might must am be been being was were
    at as by from into about
    did doing done there their they them then than also just about tell know let us your
    ve khi dau nao sao the thi lam gi vay khong nhi a ah oi""".split()
)
MAX_QUESTION = 500
# An entry answers the question when it has at least half of its words, or — found by
# meaning — it is the nearest entry by a clear margin (multilingual-e5 similarities of
# related texts bunch at 0.77–0.90, so the margin matters more than the level).
ENOUGH_WORDS = 0.5
NEAR_ENOUGH = 0.85
NEAR_MARGIN = 0.03
MAX_ANSWER = 2000


class KnowledgeError(ValueError):
    """Bad input for a knowledge entry (names the field)."""


@dataclass(frozen=True)
class Entry:
    """One knowledge entry as search returns it."""

    id: int
    question: str
    answer: str
    source: str
    matched_words: int = 0
    query_words: int = 0
    similarity: float | None = None  # by meaning (cosine), where vectors are set up
    nearest_by: float = 0.0  # how much nearer than the next entry (the first entry only)

    @property
    def answers(self) -> bool:
        """Whether the entry answers the question (not just shares a word with it)."""
        if self.coverage >= ENOUGH_WORDS:
            return True
        near = self.similarity is not None and self.similarity >= NEAR_ENOUGH
        return near and self.nearest_by >= NEAR_MARGIN

    @property
    def coverage(self) -> float:
        """The share of the query's words this entry matched (1.0 for a containment match)."""
        return self.matched_words / self.query_words if self.query_words else 1.0

    def as_dict(self) -> dict[str, Any]:
        """For a tool result."""
        return {
            "entry": f"#{self.id}",
            "question": self.question,
            "answer": self.answer,
            "matched_words": self.matched_words,
            "query_words": self.query_words,
            **({"similarity": round(self.similarity, 3)} if self.similarity is not None else {}),
            "answers_it": self.answers,
        }


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


async def search(query: str, limit: int = 3) -> list[Entry]:
    """The best few active entries for `query`, best first: full text (with a containment
    fallback for very short entries), fused with the nearest entries by meaning where
    pgvector is set up (those found by meaning alone report 0 matched words)."""
    query = query.strip()
    if not query:
        return []
    words = search_words(query)
    keyword: list[dict[str, Any]] = []
    if words:
        keyword = await connection().execute_query_dict(
            SQL["knowledge_search"], [" or ".join(words), words, limit]
        )
    if not keyword:
        keyword = await connection().execute_query_dict(
            SQL["knowledge_contains"], [query[:200], limit]
        )
    vector = await _nearest(query, limit)
    by_words = {row["id"]: row for row in keyword}
    by_meaning = {row["id"]: row for row in vector}
    entries = []
    for entry_id, _ in fuse(keyword, vector)[:limit]:
        row = by_words.get(entry_id) or by_meaning[entry_id]
        if entry_id in by_words:  # a containment match (no word counts) answers it whole
            matched, total = (
                int(row.get("matched_words") or 0),
                len(words) if "matched_words" in row else 0,
            )
        else:  # found by meaning alone: no word of the question matched
            matched, total = 0, max(len(words), 1)
        near = by_meaning.get(entry_id)
        similarity = 1.0 - float(near["distance"]) if near else None
        entries.append(
            Entry(
                row["id"], row["question"], row["answer"], row["source"], matched, total, similarity
            )
        )
    return entries


async def _nearest(query: str, limit: int) -> list[dict[str, Any]]:
    settings = state().settings
    vector = await query_vector(settings, query)
    if vector is None:
        return []
    try:
        rows = await connection().execute_query_dict(
            SEARCH_SQL["knowledge_vector_candidates"], [vector, settings.EMBEDDING_MODEL, limit]
        )
    except (OperationalError, PostgresError) as exc:
        logger.warning("Knowledge search by meaning failed: {}; by words only", exc)
        return []
    return sorted(rows, key=lambda row: float(row["distance"]))


def _checked(question: str, answer: str) -> tuple[str, str]:
    question, answer = (question or "").strip(), (answer or "").strip()
    if not question:
        raise KnowledgeError("question: must not be empty")
    if not answer:
        raise KnowledgeError("answer: must not be empty")
    if len(question) > MAX_QUESTION:
        raise KnowledgeError(f"question: at most {MAX_QUESTION} characters")
    if len(answer) > MAX_ANSWER:
        raise KnowledgeError(f"answer: at most {MAX_ANSWER} characters")
    return question, answer


async def add(
    question: str,
    answer: str,
    *,
    added_by: str | None = None,
    source: str = "manual",
    escalation_id: int | None = None,
) -> int:
    """Add an entry and return its id (an escalation's answer, or the same question and
    answer again, is added only once)."""
    question, answer = _checked(question, answer)
    if escalation_id is None:
        same = await connection().execute_query_dict(SQL["knowledge_same"], [question, answer])
        if same:
            return int(same[0]["id"])
    rows = await connection().execute_query_dict(
        SQL["knowledge_add"], [question, answer, added_by, source, escalation_id]
    )
    return int(rows[0]["id"])


async def entries(*, include_inactive: bool = False, limit: int = 100) -> list[dict[str, Any]]:
    """Entries, newest first."""
    return await connection().execute_query_dict(SQL["knowledge_list"], [include_inactive, limit])


async def remove(entry_id: int) -> tuple[str, bool] | None:
    """Deactivate an entry: (its question, whether it was active), or None when there is no
    such entry. Removing it again changes nothing."""
    rows = await connection().execute_query_dict(SQL["knowledge_remove"], [entry_id])
    return (str(rows[0]["question"]), bool(rows[0]["was_active"])) if rows else None


def read_entries(path: Path) -> list[tuple[str, str]]:
    """(question, answer) pairs from a CSV file (header question,answer) or a YAML list."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        data = yaml.safe_load(text) or []
        if not isinstance(data, list):
            raise KnowledgeError(f"{path.name}: expected a list of {{question, answer}}")
        items = data
    elif path.suffix.lower() == ".csv":
        items = list(csv.DictReader(io.StringIO(text)))
    else:
        raise KnowledgeError(f"{path.name}: use a .csv or .yaml file")
    pairs = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise KnowledgeError(f"{path.name}: entry {number} is not a question/answer mapping")
        try:
            pairs.append(_checked(str(item.get("question") or ""), str(item.get("answer") or "")))
        except KnowledgeError as exc:
            raise KnowledgeError(f"{path.name}: entry {number}: {exc}") from None
    return pairs
