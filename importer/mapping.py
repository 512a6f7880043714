"""A mapping file (`--mapping MAPPING.yaml`): what a shop's export calls things, where the
built-in lists do not know it.

    columns:            # column as in the file → field (see core/data/import_headers.yaml)
      Mã HĐ: order_code
      Tiền khách trả: order_total
    statuses:           # status word → 0 pending, 1 completed, 2 cancelled, 3 refunded
      Giao thành công: 1
      Khách bom: cancelled
    payments:           # payment word → the method stored
      CK: bank transfer
    dates: month_first  # 03/11/2026 is March 11 (default day_first)
    country_code: "84"  # for phone numbers written without one
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core import data
from importer.orders import key

STATUS_NAMES = {"pending": 0, "completed": 1, "cancelled": 2, "canceled": 2, "refunded": 3}
_KEYS = frozenset({"columns", "statuses", "payments", "dates", "country_code"})


class MappingProblem(ValueError):
    """A mapping file that cannot be used (one readable line)."""


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    payments: dict[str, str] = field(default_factory=dict)
    month_first: bool = False
    country_code: str = "84"


def fields() -> frozenset[str]:
    """The field names a column may be mapped to."""
    return frozenset(data.load("import_headers.yaml")["fields"])


def load(path: Path | None) -> Mapping:
    """The mapping in `path` (an empty mapping without one)."""
    if path is None:
        return Mapping()
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise MappingProblem(f"cannot open mapping {path}: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        raise MappingProblem(f"mapping {path.name}{line}: not valid YAML") from exc
    if doc is None:
        return Mapping()
    if not isinstance(doc, dict):
        raise MappingProblem(f"mapping {path.name}: expected sections {', '.join(sorted(_KEYS))}")
    unknown = set(doc) - _KEYS
    if unknown:
        raise MappingProblem(
            f"mapping {path.name}: unknown section {sorted(unknown)[0]!r} "
            f"(known: {', '.join(sorted(_KEYS))})"
        )
    return Mapping(
        columns=_columns(_section(doc, "columns", path), path),
        statuses=_statuses(_section(doc, "statuses", path), path),
        payments={key(str(k)): str(v) for k, v in _section(doc, "payments", path).items()},
        month_first=_dates(doc.get("dates"), path),
        country_code=str(doc.get("country_code", "84")).lstrip("+"),
    )


def _section(doc: dict[str, Any], name: str, path: Path) -> dict[Any, Any]:
    section = doc.get(name) or {}
    if not isinstance(section, dict):
        raise MappingProblem(f"mapping {path.name}: {name} must be a list of `word: value` lines")
    return section


def _columns(section: dict[Any, Any], path: Path) -> dict[str, str]:
    known = fields()
    for column, target in section.items():
        if str(target) not in known:
            raise MappingProblem(
                f"mapping {path.name}: column {column!r} maps to unknown field {target!r} "
                f"(fields: {', '.join(sorted(known))})"
            )
    return {str(column): str(target) for column, target in section.items()}


def _statuses(section: dict[Any, Any], path: Path) -> dict[str, int]:
    table: dict[str, int] = {}
    for word, value in section.items():
        code = STATUS_NAMES.get(str(value).strip().lower()) if not isinstance(value, int) else value
        if code not in (0, 1, 2, 3):
            raise MappingProblem(
                f"mapping {path.name}: status {word!r} must be 0-3 or "
                f"pending/completed/cancelled/refunded, not {value!r}"
            )
        table[str(word)] = int(code)
    return table


def _dates(value: Any, path: Path) -> bool:
    if value in (None, "day_first"):
        return False
    if value == "month_first":
        return True
    raise MappingProblem(f"mapping {path.name}: dates must be day_first or month_first")
