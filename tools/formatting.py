"""Compact text of tool results for the model: totals first, money with currency, ≤10 rows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

MAX_LISTED = 10
MONEY_KEYS = frozenset(
    {
        "revenue",
        "total_revenue",
        "price",
        "inventory_value",
        "total_spent",
        "total_sales",
        "avg_order_value",
        "total_tax",
        "total_discounts",
        "final_total_price",
        "total",
    }
)
# Ids and long text cost tokens and help the model little.
SKIP_KEYS = frozenset({"product_id", "inventory_id", "order_id", "description"})


def money(value: Any, currency: str) -> str:
    """`1234567.5` → `1,234,567.50 VND`; whole amounts are written without decimals."""
    amount = Decimal(str(value or 0))
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return f"{text} {currency}"


def _value(key: str, value: Any, currency: str) -> str:
    if (
        key in MONEY_KEYS
        and isinstance(value, Decimal | int | float)
        and not isinstance(value, bool)
    ):
        return money(value, currency)
    if isinstance(value, list):
        return "[" + "; ".join(_inline(item, currency) for item in value[:6]) + "]"
    if isinstance(value, dict):
        return "(" + _inline(value, currency) + ")"
    return str(value)


def _inline(row: Any, currency: str) -> str:
    if not isinstance(row, dict):
        return str(row)
    return ", ".join(
        f"{key}={_value(key, value, currency)}"
        for key, value in row.items()
        if value is not None and key not in SKIP_KEYS
    )


def _listing(rows: list[Any], total: int, currency: str) -> list[str]:
    lines = [f"- {_inline(row, currency)}" for row in rows[:MAX_LISTED]]
    shown = len(lines)
    if not lines:
        lines = ["- none"]
    if total > shown:
        lines.append(f"... and {total - shown} more")
    return lines


def format_result(name: str, data: Any, currency: str) -> tuple[str, int | None]:
    """The text for the model and the row count of `data` returned by tool `name`."""
    if isinstance(data, list):
        total = int(getattr(data, "total_count", len(data)))
        head = f"{name}: {total} matching"
        return "\n".join([head, *_listing(data, total, currency)]), len(data)
    if not isinstance(data, dict):
        return str(data), None
    scalars = {k: v for k, v in data.items() if not isinstance(v, list | dict)}
    lines = [f"{name}: {_inline(scalars, currency)}"]
    count: int | None = None
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"{key}: {_inline(value, currency)}")
        elif isinstance(value, list):
            total = int(data.get("total_orders", len(value))) if key == "orders" else len(value)
            count = len(value) if count is None else count
            lines.append(f"{key}:")
            lines += _listing(value, total, currency)
    return "\n".join(lines), count
