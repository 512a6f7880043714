"""Hybrid search: full-text matches and nearest vectors, fused by reciprocal rank.

Multilingual-e5 similarities bunch together (0.7–0.95 for anything), so similarity
alone cannot rank or decide "nothing matches": the two halves are fused by rank
(reciprocal rank fusion), a name the shopper typed always comes first, and results
found by meaning alone must be close to the best of them and above a floor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from loguru import logger

from config import Settings
from search.embedder import EmbeddingError, embed_query, literal
from search.index import vectors_ready
from tools.text import TRANSLATIONS, fold, query_words

RRF_K = 60  # the usual constant of reciprocal rank fusion
CANDIDATES = 40  # from each half
# Results found only by meaning: similarity at least FLOOR, and within BAND of the best one.
VECTOR_FLOOR = 0.82
VECTOR_BAND = 0.035
# pgvector: keep scanning the HNSW graph until the filters leave enough rows.
VECTOR_SETTINGS = {"hnsw.iterative_scan": "relaxed_order", "hnsw.ef_search": "100"}
_SAFE = re.compile(r"^[^\W_]+$", re.UNICODE)


@dataclass(frozen=True)
class KeywordQuery:
    """A query's words as tsquery text: each word (and its translations) also as a prefix."""

    groups: list[str]

    @property
    def tsquery(self) -> str:
        """Any of the words."""
        return " | ".join(self.groups)


def keyword_query(text: str) -> KeywordQuery | None:
    """The full-text query of a shopper's words (None when no word is left)."""
    groups = []
    for word in query_words(text):
        stem = (
            word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word
        )
        alternatives = [stem, *TRANSLATIONS.get(word, "").split("|")]
        terms = [f"{alt}:*" for alt in dict.fromkeys(alternatives) if alt and _SAFE.match(alt)]
        if terms:
            groups.append("(" + " | ".join(terms) + ")")
    return KeywordQuery(groups) if groups else None


async def query_vector(settings: Settings, text: str) -> str | None:
    """The query's vector in pgvector's text form, or None (no vectors, or the model failed)."""
    if not vectors_ready(settings):
        return None
    try:
        return literal(await embed_query(settings, text))
    except EmbeddingError as exc:
        logger.warning("Search by meaning unavailable for this query: {}", exc)
        return None


def fuse(
    keyword: list[dict[str, Any]], vector: list[dict[str, Any]], key: str = "id"
) -> list[tuple[Any, float]]:
    """(id, score) best first: reciprocal rank fusion of the keyword and vector rankings,
    where vector-only results must be near the best similarity and above the floor."""
    scores: dict[Any, float] = {}
    for rank, row in enumerate(keyword, 1):
        scores[row[key]] = scores.get(row[key], 0.0) + 1.0 / (RRF_K + rank)
    if vector:
        best = 1.0 - float(vector[0]["distance"])
        for rank, row in enumerate(vector, 1):
            similarity = 1.0 - float(row["distance"])
            if row[key] not in scores and (
                similarity < VECTOR_FLOOR or similarity < best - VECTOR_BAND
            ):
                continue
            scores[row[key]] = scores.get(row[key], 0.0) + 1.0 / (RRF_K + rank)
    return sorted(scores.items(), key=lambda item: -item[1])


def name_rank(name: str, folded_query: str) -> int:
    """0 for the exact name, 1 for a name the query begins, 2 for a name the query contains."""
    folded = fold(name)
    if folded == folded_query:
        return 0
    if folded.startswith(folded_query):
        return 1
    if folded in folded_query:
        return 2
    return 3
