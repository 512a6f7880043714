"""Hybrid search: full-text matches and nearest vectors, fused by reciprocal rank.

Multilingual-e5 similarities bunch together (0.7–0.95 for anything), so similarity
alone cannot rank or decide "nothing matches": the two halves are fused by rank
(reciprocal rank fusion), a name the shopper typed always comes first, and results
found by meaning alone must be close to the best of them and above a floor.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from loguru import logger

from config import Settings
from core.text import fold
from search.embedder import EmbeddingError, embed_query, literal
from search.index import EXACT_LIMIT, STATE, ranking_by_meaning

RRF_K = 60  # the usual constant of reciprocal rank fusion
# A query of WEAK_GROUPS word groups or more: a row matching fewer than 1/WEAK_SHARE of them
# by words alone is not enough (see `fuse`).
WEAK_GROUPS = 3
WEAK_SHARE = 3
CANDIDATES = 40  # from each half
# Results found only by meaning: similarity at least FLOOR, and within BAND of the best one.
VECTOR_FLOOR = 0.83
VECTOR_BAND = 0.035
# pgvector: keep scanning the HNSW graph until the filters leave enough rows (0.8+), and
# look at more neighbours than the default 40.
ITERATIVE_SETTINGS = {"hnsw.iterative_scan": "relaxed_order", "hnsw.ef_search": "100"}
PLAIN_SETTINGS = {"hnsw.ef_search": "100"}
# A catalog of up to EXACT_LIMIT products is scanned whole: the true nearest, whatever
# order the HNSW graph was built in (the same answer on a copy of the database too).
EXACT_SETTINGS = {"enable_indexscan": "off"}
# Similarities compared at this many decimals: noise below it never decides a rank.
DECIMALS = 5
# The vector half's misses since start, by cause (logged as they happen): a query then
# ranks by words alone.
MISSES: Counter[str] = Counter()


def vector_settings() -> dict[str, str]:
    """The transaction settings of a vector query, for this server's pgvector and catalog."""
    if STATE.product_vectors <= EXACT_LIMIT:
        return EXACT_SETTINGS
    return ITERATIVE_SETTINGS if STATE.iterative_scan else PLAIN_SETTINGS


def missed(cause: str, exc: BaseException) -> None:
    """Log and count a vector half that could not answer (the words half still does)."""
    MISSES[cause] += 1
    logger.warning(
        "Search by meaning unavailable for this query ({}; {} such misses since start): {}",
        cause,
        MISSES.total(),
        exc,
    )


def nearest_first(rows: list[dict[str, Any]], key: str = "id") -> list[dict[str, Any]]:
    """Vector rows by distance (at DECIMALS), then by id: ties never follow scan order."""
    return sorted(rows, key=lambda row: (round(float(row["distance"]), DECIMALS), str(row[key])))


_WORD = re.compile(r"[^\W_]+", re.UNICODE)


async def query_vector(settings: Settings, text: str, kind: str = "product") -> str | None:
    """The query's vector in pgvector's text form for searching `kind`, or None (no vectors
    yet, or the model failed)."""
    if not await ranking_by_meaning(settings, kind):
        return None
    try:
        return literal(await embed_query(settings, text))
    except EmbeddingError as exc:
        missed("embedding", exc)
        return None


def fuse(
    keyword: list[dict[str, Any]],
    vector: list[dict[str, Any]],
    key: str = "id",
    *,
    floor: float = VECTOR_FLOOR,
    groups: int = 0,
) -> list[tuple[Any, float]]:
    """(id, score) best first: reciprocal rank fusion of the keyword and vector rankings,
    where vector-only results must be near the best similarity and above `floor` (0 when
    the shopper's filters — a category, a price — already say what they browse).

    A long query (`groups` word groups, WEAK_GROUPS or more) whose words a row matches only
    in small part ("vé máy bay đi đà nẵng" finding "đá" in a coffee's name) keeps that row
    only where meaning agrees — unless what matched names a thing ("matched_things")."""
    scores: dict[Any, float] = {}
    nearest: dict[Any, int] = {row[key]: rank for rank, row in enumerate(vector, 1)}
    admitted: dict[Any, int] = {}
    if vector:
        best = round(1.0 - float(vector[0]["distance"]), DECIMALS)
        for rank, row in enumerate(vector, 1):
            similarity = round(1.0 - float(row["distance"]), DECIMALS)
            # Browsing (no floor): every candidate by meaning; else near the best only.
            if floor <= 0 or (similarity >= floor and similarity >= best - VECTOR_BAND):
                admitted[row[key]] = rank
    found_by_words = set()
    for rank, row in _tied_ranks(keyword):
        matched = row.get("matched_words")
        weak = groups >= WEAK_GROUPS and matched is not None and matched * WEAK_SHARE < groups
        weak = weak and not row.get("matched_things")  # "quà" (a gift) is no chance match
        if weak and row[key] not in admitted:
            continue
        scores[row[key]] = scores.get(row[key], 0.0) + 1.0 / (RRF_K + rank)
        found_by_words.add(row[key])
    for rank, row in enumerate(vector, 1):
        if row[key] in found_by_words or row[key] in admitted:
            scores[row[key]] = scores.get(row[key], 0.0) + 1.0 / (RRF_K + rank)
    # Equal scores (first by words, second by meaning, and the other way round): meaning wins,
    # then the words' own order (the SQL's, which ends with the id), then the id.
    by_words = {row[key]: position for position, row in enumerate(keyword)}
    return sorted(
        scores.items(),
        key=lambda item: (
            -round(item[1], 9),
            nearest.get(item[0], len(vector) + 1),
            by_words.get(item[0], len(keyword)),
            str(item[0]),
        ),
    )


def _tied_ranks(rows: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Full-text ranks, equal for rows that matched as many words as well (then the vector
    half decides their order, not an arbitrary tie-break)."""
    ranked: list[tuple[int, dict[str, Any]]] = []
    previous: tuple[Any, ...] | None = None
    for position, row in enumerate(rows, 1):
        score = (row.get("matched_words"), round(float(row.get("rank") or 0), 6))
        rank = ranked[-1][0] if ranked and score == previous else position
        ranked.append((rank, row))
        previous = score
    return ranked


_FREE_OF = r"(?:{w}[- ]free|free of {w}|no {w}|without {w}|khong {w}|khong co {w})"


def unwanted(text: str, negative: list[str]) -> bool:
    """Whether `text` has a word the shopper does not want ("without milk") — not where the
    text says it is free of it ("dairy-free", "no sugar")."""
    if not negative:
        return False
    folded = fold(text)
    for word in negative:
        folded = re.sub(_FREE_OF.format(w=re.escape(word)), " ", folded)
    words = set(_WORD.findall(folded))
    return any(
        word in words or (len(word) >= 4 and any(w.startswith(word) for w in words))
        for word in negative
    )


NO_NAME_MATCH = 4
MAX_NAME_WORDS = 8


def name_ngrams(folded_query: str) -> list[str]:
    """Every run of up to MAX_NAME_WORDS words of the query, as typed (folded): a product
    whose whole folded name is one of them is named by the query."""
    words = [word.strip("?!.,;:\"'") for word in folded_query.split()]
    words = [word for word in words if word]
    return [
        " ".join(words[start : start + size])
        for size in range(1, min(MAX_NAME_WORDS, len(words)) + 1)
        for start in range(len(words) - size + 1)
    ]


def name_rank(name: str, folded_query: str) -> int:
    """How the query names the product: 0 exactly, 1 as the name's beginning, 2 as words of
    the name ("cà phê sữa đá" in "Vietnamese Iced Coffee (Cà Phê Sữa Đá)"), 3 the query
    contains the whole name ("is the almond cookie available?"), else 4. A name with a second
    one in brackets is named by either ("egg coffee for my son": Egg Coffee (Cà Phê Trứng))."""
    query = " ".join(_WORD.findall(folded_query))
    if not query:
        return NO_NAME_MATCH
    # A second name is a bracketed part of two words or more without digits ("Cà Phê
    # Trứng"), or what comes before it; never a size ("25 bags", "100g").
    parts = [part.strip() for part in re.split(r"[()]", name)[:2]]
    names = [name, *(p for p in parts if p and p != name and len(p.split()) > 1)]
    names = [n for n in names if n == name or not any(ch.isdigit() for ch in n)]
    return min(_named(" ".join(_WORD.findall(fold(alias))), query) for alias in names)


def _named(folded: str, query: str) -> int:
    if not folded:
        return NO_NAME_MATCH
    if folded == query:
        return 0
    if folded.startswith(query + " "):
        return 1
    if f" {query} " in f" {folded} ":
        return 2
    if f" {folded} " in f" {query} ":
        return 3
    return NO_NAME_MATCH
