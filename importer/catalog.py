"""Rows of a products, customers or employees file read into staging records, streamed.

- products: one row per variant (name + variant, or a product code / barcode); price, stock
  and low-stock threshold as the file gives them (a blank cell leaves the shop's value);
- customers: matched by phone, else e-mail, else name (an unnamed row with neither is a
  problem); employees: matched by name.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from importer.headers import Columns
from importer.orders import LARGEST, Problem, Reading, Staged, key
from importer.reader import Row
from importer.values import ValueProblem, money, phone


class _Cells:
    def __init__(self, row: Row, columns: Columns) -> None:
        self.row = row
        self.columns = columns
        self.problems: list[Problem] = []

    def column(self, name: str) -> str:
        return self.columns.fields.get(name, "")

    def text(self, name: str) -> str | None:
        column = self.columns.fields.get(name)
        return (self.row.cells.get(column, "").strip() or None) if column else None

    def amount(self, name: str) -> Decimal | None:
        text = self.text(name)
        if text is None:
            return None
        try:
            return money(text)
        except ValueProblem as exc:
            self.problems.append(Problem(self.row.line, self.column(name), str(exc)))
            return None

    def whole(self, name: str) -> int | None:
        value = self.amount(name)
        if value is not None and value != value.to_integral_value():
            self.problems.append(
                Problem(self.row.line, self.column(name), f"{value} is not a whole number")
            )
            return None
        if value is not None and abs(value) >= LARGEST["quantity"]:
            self.problems.append(Problem(self.row.line, self.column(name), f"{value} is too large"))
            return None
        return None if value is None else int(value)

    def require(self, name: str, what: str) -> str | None:
        value = self.text(name)
        if value is None:
            self.problems.append(Problem(self.row.line, self.column(name), f"missing {what}"))
        return value


def product_rows(rows: Iterable[Row], columns: Columns, reading: Reading) -> Iterator[Staged]:
    """A products file's rows as `import_variants` records (database/imports.py)."""
    for row in rows:
        cells = _Cells(row, columns)
        name = cells.require("product_name", "product name")
        price = cells.amount("unit_price")
        if price is not None and price < 0:
            cells.problems.append(Problem(row.line, cells.column("unit_price"), "negative price"))
        if price is not None and price >= LARGEST["unit_price"]:
            cells.problems.append(Problem(row.line, cells.column("unit_price"), "price too large"))
        stock, threshold = cells.whole("stock"), cells.whole("threshold")
        variant, code = cells.text("variant"), cells.text("product_code")
        record: tuple[Any, ...] = ()
        if not cells.problems and name is not None:
            product_key, variant_key = key(name), key(variant or "")
            vkey = f"#{code}" if code else f"{product_key}|{variant_key}"
            record = (
                vkey, product_key, variant_key, name, variant, code, cells.text("category"),
                cells.text("brand"), cells.text("description"), price, stock, threshold, row.line,
            )  # fmt: skip
        yield Staged(record, cells.problems)


def people_rows(
    rows: Iterable[Row], columns: Columns, reading: Reading, kind: str
) -> Iterator[Staged]:
    """A customers or employees file's rows as `import_people` records."""
    for row in rows:
        cells = _Cells(row, columns)
        record: tuple[Any, ...] = ()
        if kind == "employees":
            name = cells.require("employee", "name")
            if name is not None:
                record = (
                    "employee",
                    key(name),
                    name,
                    None,
                    None,
                    None,
                    cells.text("role"),
                    row.line,
                )
        else:
            record = _customer(cells, reading)
        yield Staged(record if not cells.problems else (), cells.problems)


def _customer(cells: _Cells, reading: Reading) -> tuple[Any, ...]:
    name, email, number = cells.text("customer_name"), cells.text("email"), None
    if (text := cells.text("phone")) is not None:
        try:
            number = phone(text, reading.country_code)
        except ValueProblem as exc:
            cells.problems.append(Problem(cells.row.line, cells.column("phone"), str(exc)))
            return ()
    if number:
        person = f"tel:{number}"
    elif email:
        person = f"mailto:{email.lower()}"
    elif name:
        person = f"name:{key(name)}"
    else:
        column = cells.column("customer_name") or cells.column("phone")
        cells.problems.append(Problem(cells.row.line, column, "no name, phone or e-mail"))
        return ()
    address = cells.text("address")
    return ("customer", person, name, number, email, address, None, cells.row.line)
