"""Compact text of tool results for the model: totals first, money with currency, ≤10 rows.

Each line is `name: {json}` (totals), `key:` (a listed section), `- {json}` (a row)
or `... and N more`: small for the model, and exact for anyone reading it back.
"""

from __future__ import annotations

import json
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


def compact(row: dict[str, Any], currency: str) -> dict[str, Any]:
    """A row without ids and nulls, money written with the currency."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None or key in SKIP_KEYS:
            continue
        if (
            key in MONEY_KEYS
            and isinstance(value, Decimal | int | float)
            and not isinstance(value, bool)
        ):
            out[key] = money(value, currency)
        elif isinstance(value, dict):
            out[key] = compact(value, currency)
        elif isinstance(value, list):
            out[key] = [compact(v, currency) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    return out


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _listing(rows: list[Any], total: int, currency: str) -> list[str]:
    lines = [
        f"- {_json(compact(row, currency) if isinstance(row, dict) else row)}"
        for row in rows[:MAX_LISTED]
    ]
    if total > len(lines):
        lines.append(f"... and {total - len(lines)} more")
    return lines or ["- none"]


def format_result(name: str, data: Any, currency: str) -> tuple[str, int | None]:
    """The text for the model and the row count of `data` returned by tool `name`."""
    if name == "query_metrics" and isinstance(data, dict):
        from tools.metrics.render import render

        return render(data, currency)
    if isinstance(data, list):
        total = int(getattr(data, "total_count", len(data)))
        head = f"{name}: {_json({'total_matching': total})}"
        return "\n".join([head, *_listing(data, total, currency)]), len(data)
    if not isinstance(data, dict):
        return f"{name}: {_json(data)}", None
    scalars = {k: v for k, v in data.items() if not isinstance(v, list)}
    lines = [f"{name}: {_json(compact(scalars, currency))}"]
    count: int | None = None
    for key, value in data.items():
        if isinstance(value, list):
            total = int(data.get("total_orders", len(value))) if key == "orders" else len(value)
            count = len(value) if count is None else count
            lines.append(f"{key}:")
            lines += _listing(value, total, currency)
    return "\n".join(lines), count


def parse_result(content: str) -> tuple[str, dict[str, Any], dict[str, list[Any]]]:
    """Read text made by `format_result` back: (tool name, totals, listed sections)."""
    name: str = ""
    head: Any = {}
    sections: dict[str, list[Any]] = {}
    current = "rows"
    for line in content.splitlines():
        if line.startswith("- "):
            try:
                sections.setdefault(current, []).append(json.loads(line[2:]))
            except json.JSONDecodeError:
                continue
        elif line.endswith(":") and not line.startswith("..."):
            current = line[:-1]
        elif ": " in line and not name:
            name, _, rest = line.partition(": ")
            try:
                head = json.loads(rest)
            except json.JSONDecodeError:
                head = {}
    return name, head if isinstance(head, dict) else {}, sections
