"""Which field each column of an export holds, and what kind of file it is.

Column names are matched folded (accents, case, punctuation and spacing ignored) against
core/data/import_headers.yaml; a mapping file's `columns` override or add. A file's kind is
read from the fields it has when `--kind` is not given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from core import data
from core.text import fold

KINDS = ("orders", "products", "customers", "employees")


class HeaderProblem(ValueError):
    """Columns that do not say what the file is, or a required field missing."""


def squash(name: str) -> str:
    """A column name as compared: folded, words only ("Mã_hóa đơn:" → "ma hoa don")."""
    return " ".join(re.findall(r"[^\W_]+", fold(name)))


@cache
def aliases() -> dict[str, tuple[str, int]]:
    """Squashed column name → (field, rank): the rank is the name's place in the field's
    list, so of two columns for one field the better name wins ("Created at" over
    "Paid at", whichever comes first in the file)."""
    table: dict[str, tuple[str, int]] = {}
    for field, names in data.load("import_headers.yaml")["fields"].items():
        for rank, name in enumerate(names):
            table.setdefault(squash(str(name)), (field, rank))
    return table


@dataclass(frozen=True)
class Columns:
    """The file's columns by field (the first column of each field wins)."""

    fields: dict[str, str]  # field → column name as in the file
    unknown: tuple[str, ...]  # columns no field claims (kept out of the import, reported)

    def has(self, *names: str) -> bool:
        return all(name in self.fields for name in names)


def match(columns: list[str], mapping: dict[str, str] | None = None) -> Columns:
    """Each column's field; `mapping` (column → field, from a mapping file) comes first.
    Of several columns for one field, the one with the better-ranked name wins (then the
    first in the file); the others are reported unused."""
    own = {squash(column): (field, -1) for column, field in (mapping or {}).items()}
    best: dict[str, tuple[int, str]] = {}
    unknown: list[str] = []
    for column in columns:
        key = squash(column)
        found = own.get(key) or aliases().get(key)
        if found is None:
            unknown.append(column)
            continue
        field, rank = found
        if field not in best or rank < best[field][0]:
            if field in best:
                unknown.append(best[field][1])
            best[field] = (rank, column)
        else:
            unknown.append(column)
    fields = {field: column for field, (_, column) in best.items()}
    return Columns(fields, tuple(unknown))


def kind_of(columns: Columns) -> str:
    """orders / products / customers / employees, from the fields the file has."""
    if columns.has("order_code", "product_name") or columns.has("order_code", "quantity"):
        return "orders"
    if columns.has("product_name") and (
        columns.has("unit_price") or columns.has("stock") or columns.has("product_code")
    ):
        return "products"
    if columns.has("role") or (columns.has("employee") and not columns.has("customer_name")):
        return "employees"
    if columns.has("customer_name") or columns.has("phone") or columns.has("email"):
        return "customers"
    known = ", ".join(sorted(columns.fields)) or "none"
    raise HeaderProblem(
        f"cannot tell what this file holds from its columns (fields found: {known}); "
        "give --kind or a mapping file"
    )


_NAME_OF = {"products": "product_name", "customers": "customer_name", "employees": "employee"}


def for_kind(columns: Columns, kind: str) -> Columns:
    """`columns` read for a file of `kind`: a bare "Name" column is the order number only in
    an orders file (Shopify's "#1001"); elsewhere it is the product's or person's name."""
    column = columns.fields.get("order_code")
    target = _NAME_OF.get(kind)
    if target is None or column is None or squash(column) != "name" or target in columns.fields:
        return columns
    fields = {k: v for k, v in columns.fields.items() if k != "order_code"}
    return Columns({**fields, target: column}, columns.unknown)


REQUIRED = {
    "orders": (
        ("order_code",),
        ("ordered_at",),
        ("product_name",),
        ("quantity",),
        ("line_total", "unit_price"),
    ),
    "products": (("product_name",),),
    "customers": (("customer_name", "phone", "email"),),
    "employees": (("employee",),),
}


def missing(columns: Columns, kind: str) -> list[str]:
    """The required fields of `kind` the file lacks (a tuple: any one of them will do)."""
    return [
        " or ".join(group) for group in REQUIRED[kind] if not any(columns.has(f) for f in group)
    ]
