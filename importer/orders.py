"""Order-line rows grouped into orders, read and checked before anything is written.

The readings every importer shares (issue 18):
- lines of one order share its code; order-level columns (status, total, payment, customer…)
  may appear only on the order's first row (Shopify): the lines without them belong to the
  order above, and the first value given wins;
- a line's total is its own column when present, else unit price × quantity − its discount;
- an order's final total is the file's order total when present, else the line totals minus
  the order discount plus tax; with both, the lines must add up within a rounding tolerance;
- an order without a named customer (blank, "Khách lẻ", walk-in) belongs to the walk-in
  customer;
- one bad line skips its whole order: every problem is reported with its line, column and
  reason, and the order's products and customer are not created either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal

from core.text import fold
from importer.headers import Columns
from importer.reader import Row
from importer.values import ValueProblem, moment, money, phone, status

WALK_IN = "walk-in"
_WALK_IN_NAMES = frozenset(
    {"", "khach le", "khach vang lai", "walk in", "walk-in", "walkin", "guest", "khach"}
)
ORDER_FIELDS = (
    "ordered_at",
    "customer_name",
    "phone",
    "email",
    "employee",
    "payment_method",
    "status",
    "order_discount",
    "tax",
    "order_total",
    "note",
    "address",
)
TOLERANCE = Decimal("0.005")  # of the order total, at least one currency unit


@dataclass(frozen=True)
class Problem:
    """Why a row cannot be imported."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column!r}" if self.column else "")
        return f"{where}: {self.reason}"


@dataclass
class Line:
    line: int
    product_name: str
    variant: str
    product_code: str
    quantity: Decimal
    unit_price: Decimal
    total: Decimal


@dataclass
class Order:
    code: str
    first_line: int
    ordered_at: datetime | None = None
    customer: str = WALK_IN  # the walk-in customer unless named
    phone: str | None = None
    email: str | None = None
    employee: str | None = None
    payment_method: str | None = None
    status: int = 1
    discount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    total: Decimal | None = None  # the file's order total, if it gives one
    note: str | None = None
    address: str | None = None
    lines: list[Line] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # order-level fields already given

    @property
    def final_total(self) -> Decimal:
        """The file's order total, else the lines minus the discount plus tax."""
        if self.total is not None:
            return self.total
        return sum((line.total for line in self.lines), Decimal(0)) - self.discount + self.tax


@dataclass(frozen=True)
class Reading:
    """How to read values: the shop's time zone, day or month first, extra status words."""

    tz: tzinfo
    month_first: bool = False
    statuses: dict[str, int] = field(default_factory=dict)
    country_code: str = "84"


def orders(rows: Iterable[Row], columns: Columns, reading: Reading) -> Iterator[Order]:
    """The file's orders in the order they first appear, each with its problems (an order
    with any problem is to be skipped whole). Lines of one order need not be adjacent."""
    found: dict[str, Order] = {}
    current: Order | None = None
    for row in rows:
        code = _cell(row, columns, "order_code")
        if not code and current is None:
            yield _orphan(row, columns)
            continue
        if code:
            current = found.get(code)
            if current is None:
                current = found[code] = Order(code, row.line)
        assert current is not None
        _order_fields(current, row, columns, reading)
        _line(current, row, columns)
    for order in found.values():
        _check(order, columns)
        yield order


def _orphan(row: Row, columns: Columns) -> Order:
    order = Order("", row.line)
    column = columns.fields.get("order_code", "")
    order.problems.append(Problem(row.line, column, "missing order code"))
    return order


def _cell(row: Row, columns: Columns, name: str) -> str:
    column = columns.fields.get(name)
    return row.cells.get(column, "").strip() if column else ""


def _order_fields(order: Order, row: Row, columns: Columns, reading: Reading) -> None:
    for name in ORDER_FIELDS:
        text = _cell(row, columns, name)
        if not text or name in order.seen:
            continue
        order.seen.add(name)
        try:
            _set(order, name, text, reading)
        except ValueProblem as exc:
            order.problems.append(Problem(row.line, columns.fields[name], str(exc)))


def _set(order: Order, name: str, text: str, reading: Reading) -> None:
    if name == "ordered_at":
        order.ordered_at = moment(text, reading.tz, month_first=reading.month_first)
    elif name == "customer_name":
        if " ".join(fold(text).split()) not in _WALK_IN_NAMES:
            order.customer = text
    elif name == "phone":
        order.phone = phone(text, reading.country_code)
    elif name == "status":
        order.status = status(text, reading.statuses)
    elif name in ("order_discount", "tax", "order_total"):
        amount = money(text)
        if name == "order_discount":
            order.discount = abs(amount)
        elif name == "tax":
            order.tax = amount
        else:
            order.total = amount
    else:
        setattr(order, name, text)  # email, employee, payment method, note, address


def _line(order: Order, row: Row, columns: Columns) -> None:
    problems: list[Problem] = []

    def amount(name: str) -> Decimal | None:
        text = _cell(row, columns, name)
        if not text:
            return None
        try:
            return money(text)
        except ValueProblem as exc:
            problems.append(Problem(row.line, columns.fields[name], str(exc)))
            return None

    name = _cell(row, columns, "product_name")
    if not name:
        problems.append(
            Problem(row.line, columns.fields.get("product_name", ""), "missing product name")
        )
    quantity = amount("quantity")
    if quantity is None and not any(p.column == columns.fields.get("quantity") for p in problems):
        problems.append(Problem(row.line, columns.fields.get("quantity", ""), "missing quantity"))
    elif quantity is not None and quantity <= 0:
        problems.append(
            Problem(row.line, columns.fields["quantity"], f"quantity {quantity} is not positive")
        )
    price, total, discount = amount("unit_price"), amount("line_total"), amount("line_discount")
    if total is None and price is None and not problems:
        column = columns.fields.get("line_total") or columns.fields.get("unit_price", "")
        problems.append(Problem(row.line, column, "missing line total or unit price"))
    if problems or quantity is None:
        order.problems.extend(problems)
        return
    if total is None:
        total = (price or Decimal(0)) * quantity - abs(discount or Decimal(0))
    if price is None:
        price = (total + abs(discount or Decimal(0))) / quantity
    order.lines.append(
        Line(
            row.line,
            name,
            _cell(row, columns, "variant"),
            _cell(row, columns, "product_code"),
            quantity,
            price,
            total,
        )
    )


def _check(order: Order, columns: Columns) -> None:
    if order.ordered_at is None and not any(
        p.column == columns.fields.get("ordered_at") for p in order.problems
    ):
        order.problems.append(
            Problem(order.first_line, columns.fields.get("ordered_at", ""), "missing order date")
        )
    if order.total is None or order.problems:
        return
    computed = sum((line.total for line in order.lines), Decimal(0)) - order.discount + order.tax
    allowed = max(Decimal(1), abs(order.total) * TOLERANCE)
    if abs(computed - order.total) > allowed:
        order.problems.append(
            Problem(
                order.first_line,
                columns.fields.get("order_total", ""),
                f"the lines add up to {computed}, the order total is {order.total}",
            )
        )
