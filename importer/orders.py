"""Order-line rows read into staging records, one per line, streamed (sql/import.sql groups
them into orders and checks the orders in the database).

The readings every importer shares (issue 18):
- lines of one order share its code; a line without a code belongs to the order above, and
  order-level columns (status, total, payment, customer…) may appear only on an order's
  first row (Shopify): grouping takes the first value given;
- a line's total is its own column when present, else unit price × quantity − its discount;
- an order's final total is the file's order total when present, else the line totals minus
  the order discount plus tax and shipping; with both, the lines must add up within a rounding tolerance
  (checked in SQL);
- an order without a named customer (blank, "Khách lẻ", walk-in) belongs to the walk-in
  customer;
- one bad line skips its whole order: every problem is reported with its line, column and
  reason, and the order's products and customer are not created either.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Any

from core.text import fold
from database.imports import ORDER_LINE_COLUMNS
from importer.headers import Columns
from importer.reader import Row
from importer.values import ValueProblem, moment, money, phone, status

_WALK_IN_NAMES = frozenset(
    {"", "khach le", "khach vang lai", "walk in", "walk-in", "walkin", "guest", "khach"}
)
# The staging table's columns, in order: the database side's list (database/imports.py).
LINE_COLUMNS = ORDER_LINE_COLUMNS


# Amounts the tables can hold: money is numeric(12, 2), a quantity an int.
LARGEST = {
    "quantity": Decimal(2**31),
    "unit_price": Decimal(10**10),
    "line_total": Decimal(10**10),
    "line_discount": Decimal(10**10),
}
_AMOUNTS = ("order_discount", "tax", "shipping_fee", "order_total", "unit_price", "line_total")
# What a staging column holds when the row does not say: nothing, and "not bad".
_DEFAULTS = tuple(False if name == "bad" else None for name in LINE_COLUMNS)


@dataclass(frozen=True)
class Problem:
    """Why a row cannot be imported."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Reading:
    """How to read values: the shop's time zone, day or month first, extra status words."""

    tz: tzinfo
    month_first: bool = False
    statuses: dict[str, int] = field(default_factory=dict)
    country_code: str = "84"
    payments: dict[str, str] = field(default_factory=dict)  # folded word → method


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """A name as matched: folded, spacing collapsed ("Trà  Sữa " → "tra sua")."""
    return " ".join(fold(text).split())


@dataclass
class Staged:
    """One line's staging record and what is wrong with it (a bad line is staged too, so
    its order is known to be bad and skipped whole)."""

    record: tuple[Any, ...]
    problems: list[Problem]


def staged_lines(rows: Iterable[Row], columns: Columns, reading: Reading) -> Iterator[Staged]:
    """Each row as a staging record, in file order; a row before any order code is a
    problem of its own (staged with the code "")."""
    reader = _LineReader(columns, reading)
    code = ""
    lines: dict[str, int] = {}  # lines so far per order code: a line's place in its order
    for row in rows:
        own = reader.cell(row, "order_code")
        if own:
            code = own
        problems: list[Problem] = []
        if not code:
            problems.append(Problem(row.line, reader.column("order_code"), "missing order code"))
        n = lines[code] = lines.get(code, 0) + 1
        yield Staged(reader.record(row, code, n, problems), problems)


def _order_amount(text: str) -> Decimal:
    amount = money(text)
    if abs(amount) >= LARGEST["line_total"]:
        raise ValueProblem(f"amount {amount} is too large")
    return amount


_ORDER_READERS: dict[str, Callable[[str, Reading], Any]] = {
    "ordered_at": lambda text, r: moment(text, r.tz, month_first=r.month_first),
    "phone": lambda text, r: phone(text, r.country_code),
    "status": lambda text, r: status(text, r.statuses),
    "order_discount": lambda text, r: abs(_order_amount(text)),
    "tax": lambda text, r: _order_amount(text),
    "shipping_fee": lambda text, r: _order_amount(text),
    "order_total": lambda text, r: _order_amount(text),
}
_ORDER_TEXT = ("customer_name", "email", "employee", "payment_method", "note", "address")


class _LineReader:
    """Reads one row's cells into the staging record; a value read once is not read again
    (a KiotViet export repeats each order's columns on every line). Written for speed: a
    million rows go through `record`."""

    def __init__(self, columns: Columns, reading: Reading) -> None:
        self.columns = columns
        self.reading = reading
        self._last: dict[str, tuple[str, Any]] = {}
        fields = columns.fields
        # Only the fields the file has, with their columns: the per-row loop stays short.
        self._readers = [
            (name, fields[name], read) for name, read in _ORDER_READERS.items() if name in fields
        ]
        self._texts = [(name, fields[name]) for name in _ORDER_TEXT if name in fields]
        self._amounts = [
            (name, fields.get(name))
            for name in ("quantity", "unit_price", "line_total", "line_discount")
        ]
        self._names = [
            fields.get(name) for name in ("product_name", "variant", "product_code", "category")
        ]

    def column(self, name: str) -> str:
        return self.columns.fields.get(name, "")

    def cell(self, row: Row, name: str) -> str:
        column = self.columns.fields.get(name)
        return row.cells.get(column, "").strip() if column else ""

    def record(self, row: Row, code: str, n: int, problems: list[Problem]) -> tuple[Any, ...]:
        cells, last = row.cells, self._last
        values: dict[str, Any] = {"line": row.line, "code": code, "n": n}
        for name, column, read in self._readers:
            text = cells.get(column)
            if not text:
                continue
            seen = last.get(name)
            if seen is not None and seen[0] == text:
                values[name] = seen[1]
                continue
            try:
                values[name] = value = read(text, self.reading)
            except ValueProblem as exc:
                problems.append(Problem(row.line, column, str(exc)))
            else:
                last[name] = (text, value)
        for name, column in self._texts:
            text = cells.get(column)
            if text:
                values[name] = text
        if self.reading.payments and values.get("payment_method"):
            method = values["payment_method"]
            values["payment_method"] = self.reading.payments.get(key(method), method)
        self._people(values)
        self._line(row, values, problems)
        if problems:
            values["bad"] = True
        for name in _AMOUNTS:  # staged as text: see sql/import.sql `type_order_lines`
            amount = values.get(name)
            if amount is not None:
                values[name] = str(amount)
        return tuple(map(values.get, LINE_COLUMNS, _DEFAULTS))

    @staticmethod
    def _people(values: dict[str, Any]) -> None:
        name = values.get("customer_name")
        if name is not None and key(name) in _WALK_IN_NAMES:
            values["customer_name"] = name = None
        email = values.get("email")
        if values.get("phone"):
            values["customer_key"] = f"tel:{values['phone']}"
        elif email:
            values["customer_key"] = f"mailto:{email.lower()}"
        elif name:
            values["customer_key"] = f"name:{key(name)}"
        if values.get("employee"):
            values["employee_key"] = key(values["employee"])

    def _check_quantity(self, line: int, quantity: Decimal | None, problems: list[Problem]) -> None:
        column = self.column("quantity")
        if quantity is None:
            if not any(p.column == column for p in problems):
                problems.append(Problem(line, column, "missing quantity"))
        elif quantity <= 0:
            problems.append(Problem(line, column, f"quantity {quantity} is not positive"))
        elif quantity != quantity.to_integral_value():
            problems.append(Problem(line, column, f"quantity {quantity} is not a whole number"))

    def _line(self, row: Row, values: dict[str, Any], problems: list[Problem]) -> None:
        cells = row.cells
        amounts: list[Decimal | None] = []
        for _, column in self._amounts:
            text = cells.get(column) if column else None
            if not text:
                amounts.append(None)
                continue
            try:
                amounts.append(money(text))
            except ValueProblem as exc:
                problems.append(Problem(row.line, column or "", str(exc)))
                amounts.append(None)
        quantity, price, total, discount = amounts
        name, variant, code, category = (
            (cells.get(column) or "") if column else "" for column in self._names
        )
        if not name:
            problems.append(Problem(row.line, self.column("product_name"), "missing product name"))
        self._check_quantity(row.line, quantity, problems)
        if total is None and price is None and not problems:
            column = self.column("line_total") or self.column("unit_price")
            problems.append(Problem(row.line, column, "missing line total or unit price"))
        for (field_name, column), amount in zip(self._amounts, amounts, strict=True):
            if amount is not None and abs(amount) >= LARGEST[field_name]:
                what = field_name.replace("_", " ")
                problems.append(Problem(row.line, column or "", f"{what} {amount} is too large"))
        values["product_name"] = name or None
        values["variant"] = variant or None
        values["product_code"] = code or None
        values["category"] = category or None
        values["product_key"] = product_key = key(name) if name else None
        values["variant_key"] = variant_key = key(variant)
        values["vkey"] = f"#{code}" if code else f"{product_key}|{variant_key}"
        if problems or quantity is None:
            return
        off = abs(discount) if discount else Decimal(0)
        if total is None:
            total = (price or Decimal(0)) * quantity - off
        if price is None:
            price = (total + off) / quantity
        if abs(total) >= LARGEST["line_total"] or abs(price) >= LARGEST["unit_price"]:
            column = self.column("line_total") or self.column("unit_price")
            problems.append(Problem(row.line, column, f"line total {total} is too large"))
            return
        values["quantity"] = int(quantity)
        values["unit_price"] = price
        values["line_total"] = total
