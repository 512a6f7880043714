"""Split replies to Messenger's 2,000-character text limit at natural boundaries."""

from __future__ import annotations

import re

TEXT_LIMIT = 2000
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


def _pieces(text: str, limit: int) -> list[str]:
    """Break one over-long paragraph at sentence, then line, then word, then hard limits."""
    for splitter in (_SENTENCE_END, re.compile(r"\n"), re.compile(r" ")):
        units = [u for u in splitter.split(text) if u]
        if len(units) > 1 and all(len(u) <= limit for u in units):
            return _pack(units, limit, " " if splitter.pattern != r"\n" else "\n")
    return [text[i : i + limit] for i in range(0, len(text), limit)]


def _pack(units: list[str], limit: int, joiner: str) -> list[str]:
    parts: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if len(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = unit
    if current:
        parts.append(current)
    return parts


def split_message(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Ordered parts of `text`, each at most `limit` characters, split at paragraphs first."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    paragraphs: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        paragraphs += [paragraph] if len(paragraph) <= limit else _pieces(paragraph, limit)
    return _pack(paragraphs, limit, "\n\n")
