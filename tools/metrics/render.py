"""The compact text of a `query_metrics` result for the model: totals and changes first."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from tools.metrics.definitions import METRICS

MAX_ROWS_SHOWN = 100


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def amount(value: Any, currency: str, *, signed: bool = False) -> str:
    """`12245094` → `12,245,094 VND` (two decimals only when there are cents)."""
    number = Decimal(str(value or 0))
    whole = number == number.to_integral_value()
    sign = "+" if signed and number > 0 else ""
    text = f"{number:,.0f}" if whole else f"{number:,.2f}"
    return f"{sign}{text} {currency}"


def figure(name: str, value: Any, currency: str, *, signed: bool = False) -> Any:
    """A metric's value as the model reads it: money with the currency, counts as numbers."""
    if value is None:
        return None
    if METRICS[name].money:
        return amount(value, currency, signed=signed)
    if signed and isinstance(value, int | Decimal) and value > 0:
        return f"+{value}"
    return value if isinstance(value, int) else str(value)


def percent(value: Any) -> str | None:
    """`8.2` → `+8.2%` (None when there was nothing to compare with)."""
    if value is None:
        return None
    return f"{'+' if value > 0 else ''}{value}%"


def _figures(values: dict[str, Any], names: list[str], currency: str, prefix: str = "") -> dict:
    out: dict[str, Any] = {}
    for name in names:
        out[f"{prefix}{name}"] = figure(name, values[name], currency)
    return out


def _head(data: dict[str, Any], names: list[str], currency: str) -> dict[str, Any]:
    period = data["period"]
    head: dict[str, Any] = {"period": f"{period['start']}..{period['end']}"}
    if data.get("previous_period"):
        other = data["previous_period"]
        head["compared_with"] = f"{other['start']}..{other['end']}"
    if data.get("filters"):
        head["filters"] = data["filters"]
    head.update(_figures(data["totals"], names, currency))
    if data.get("previous_totals"):
        head.update(_figures(data["previous_totals"], names, currency, "previous_"))
        for name, delta in data["changes"].items():
            head[f"change_{name}"] = figure(name, delta["absolute"], currency, signed=True)
            head[f"change_{name}_percent"] = percent(delta["percent"])
    if data.get("group_by"):
        head["total_rows"] = data["total_rows"]
        head["rows_shown"] = len(data["rows"])
    if data.get("chart"):
        head["chart"] = data["chart"]["caption"]
        head["chart_note"] = "these figures go to the owner as a picture: reply with the chart line"
    return head


def _row(row: dict[str, Any], group_by: list[str], currency: str) -> dict[str, Any]:
    shown: dict[str, Any] = {dim: row[dim] for dim in group_by}
    for key, value in row.items():
        if key in shown:
            continue
        if key.endswith("_percent"):
            shown[key] = percent(value)
        elif key.startswith("change_"):
            shown[key] = figure(key.removeprefix("change_"), value, currency, signed=True)
        elif key.startswith("previous_"):
            shown[key] = figure(key.removeprefix("previous_"), value, currency)
        else:
            shown[key] = figure(key, value, currency)
    return shown


def render(data: dict[str, Any], currency: str) -> tuple[str, int]:
    """`query_metrics: {…}` with the period, filters, totals and changes, then the rows."""
    lines = [f"query_metrics: {_json(_head(data, list(data['totals']), currency))}"]
    if data.get("group_by"):
        lines.append("rows:")
        lines += [
            f"- {_json(_row(row, data['group_by'], currency))}"
            for row in data["rows"][:MAX_ROWS_SHOWN]
        ]
        if not data["rows"]:
            lines.append("- none")
        elif data["truncated"]:
            lines.append(f"... and {data['total_rows'] - len(data['rows'])} more")
    return "\n".join(lines), len(data.get("rows") or [])
