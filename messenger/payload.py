"""Decode a webhook body into clean JSON, once, at the edge.

Everything after this sees text PostgreSQL can store and that compares as people mean it:
NUL characters dropped (no `text` or `jsonb` value may hold one), lone UTF-16 surrogates
replaced with U+FFFD, and every string in Unicode NFC — a Vietnamese keyboard that sends
decomposed accents ("o" + U+0302 + U+0301) writes the same words as one that sends "ố".
What cannot be read as JSON (not UTF-8, `NaN`, nested past any real Messenger body) is
refused as the client's error.
"""

from __future__ import annotations

import json
import math
from typing import Any

from core.text import clean_text

# Meta's deepest bodies (a template echo inside an entry) nest about a dozen levels.
MAX_DEPTH = 64


class UnreadableBody(ValueError):
    """The body is not JSON this service accepts; `reason` says why (for a 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _no_constants(name: str) -> Any:
    raise UnreadableBody(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400: no database or JSON value can hold it
        raise UnreadableBody(f"the number {text[:40]} is out of range")
    return number


def decode_body(body: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse `body` as strict JSON (RFC 8259) and return it cleaned; raise `UnreadableBody`."""
    try:
        text = body.decode("utf-8")
        data = json.loads(text, parse_constant=_no_constants, parse_float=_finite)
    except UnreadableBody:
        raise
    except RecursionError:
        raise UnreadableBody(f"nested deeper than {max_depth} levels") from None
    except (ValueError, UnicodeDecodeError):
        raise UnreadableBody("body is not JSON") from None
    return clean(data, max_depth)


def clean(data: Any, max_depth: int = MAX_DEPTH, _depth: int = 0) -> Any:
    """A copy of decoded JSON with every string (keys too) cleaned; raise `UnreadableBody`
    when it nests deeper than `max_depth` (the recursion stops there)."""
    if isinstance(data, str):
        return clean_text(data)
    if not isinstance(data, dict | list):
        return data
    if _depth >= max_depth:
        raise UnreadableBody(f"nested deeper than {max_depth} levels")
    if isinstance(data, list):
        return [clean(item, max_depth, _depth + 1) for item in data]
    return {clean_text(key): clean(value, max_depth, _depth + 1) for key, value in data.items()}


def count_events(payload: Any) -> int:
    """How many messaging and standby events a Page webhook body carries."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        return 0
    total = 0
    for entry in payload["entry"]:
        if isinstance(entry, dict):
            for channel in ("messaging", "standby"):
                items = entry.get(channel)
                total += len(items) if isinstance(items, list) else 0
    return total
