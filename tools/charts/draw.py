"""A `ChartSpec` drawn as a PNG for a phone: 1080 px wide, large labels, exact amounts.

matplotlib's object API on the Agg canvas (no pyplot state, no display); one chart at a time
per process, since matplotlib's font and text caches are shared. Blocking: call `render`
from a thread (`render_async`), never on the event loop.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import threading
from dataclasses import dataclass
from typing import Any

from tools.charts.spec import ChartSpec

WIDTH_INCHES, HEIGHT_INCHES, DPI = 10.8, 7.2, 100  # 1080 × 720 px
MAX_TICKS = 8
INK, MUTED, ACCENT, GRID = "#1f2933", "#7b8794", "#2f6fdf", "#e4e7eb"
_LOCK = threading.Lock()


def thousands(value: float, money: bool) -> str:
    """`12245094.0` → `12,245,094` (cents only when an amount has them)."""
    if money and value != int(value):
        return f"{value:,.2f}"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def render(spec: ChartSpec) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    with _LOCK:
        # Fixed margins: a constrained layout draws the figure several times to fit it.
        figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
        left = _left_margin(spec)
        figure.subplots_adjust(left=left, right=0.97, top=0.88, bottom=0.1)
        axes = figure.add_subplot()
        axes.set_title(plain(spec.title), fontsize=22, color=INK, loc="left", pad=16)
        for side in ("top", "right"):
            axes.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            axes.spines[side].set_color(MUTED)
        axes.tick_params(labelsize=15, colors=INK)
        formatter = FuncFormatter(lambda value, _: thousands(value, spec.money))
        if spec.kind == "line":
            _line(axes, spec, formatter, MaxNLocator)
        else:
            _bars(axes, spec, formatter)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def _line(axes: Any, spec: ChartSpec, formatter: Any, locator: Any) -> None:
    positions = list(range(len(spec.values)))
    marker = "o" if len(positions) <= 31 else None
    (current,) = axes.plot(
        positions, spec.values, color=ACCENT, linewidth=3, marker=marker, label=plain(spec.period),
        zorder=3,
    )  # fmt: skip
    if spec.previous is not None:
        (previous,) = axes.plot(
            positions, spec.previous, color=MUTED, linewidth=2, linestyle="--",
            label=plain(spec.previous_label or ""), zorder=2,
        )  # fmt: skip
        axes.legend(handles=[current, previous], loc="upper left", fontsize=14, frameon=False)
    step = max(1, -(-len(positions) // MAX_TICKS))
    shown = positions[::step]
    axes.set_xticks(shown, [plain(spec.labels[i]) for i in shown])
    axes.yaxis.set_major_formatter(formatter)
    axes.yaxis.set_major_locator(locator(nbins=6, integer=not spec.money))
    axes.set_ylim(bottom=0)
    axes.set_ylabel(plain(spec.value_label), fontsize=15, color=MUTED)
    axes.grid(axis="y", color=GRID)
    axes.set_axisbelow(True)


def _bars(axes: Any, spec: ChartSpec, formatter: Any) -> None:
    # Horizontal bars, the first (largest) on top: long product names stay readable.
    positions = list(range(len(spec.values)))[::-1]
    colors = [ACCENT] * len(spec.values)
    if spec.labels and spec.labels[-1] in ("Others", "Khác") and len(spec.values) > 1:
        colors[-1] = MUTED
    bars = axes.barh(positions, spec.values, color=colors, height=0.7)
    axes.set_yticks(positions, [plain(_short(label)) for label in spec.labels])
    axes.xaxis.set_major_formatter(formatter)
    axes.set_xlabel(plain(spec.value_label), fontsize=15, color=MUTED)
    axes.bar_label(
        bars, labels=[thousands(v, spec.money) for v in spec.values], padding=6, fontsize=14,
        color=INK,
    )  # fmt: skip
    axes.margins(x=0.18)
    axes.grid(axis="x", color=GRID)
    axes.set_axisbelow(True)


def _left_margin(spec: ChartSpec) -> float:
    """Room for the longest label left of the plot (about 11.5 px a character at the labels'
    size): a bar's name, or a line chart's largest amount and the axis' name beside it."""
    if spec.kind == "bar":
        longest, extra = max((len(_short(label)) for label in spec.labels), default=4), 0.02
    else:
        top = max([*spec.values, *(spec.previous or [])], default=0)
        longest, extra = len(thousands(top * 1.1, spec.money)), 0.05
    return min(0.40, extra + 0.03 + longest * 11.5 / (WIDTH_INCHES * DPI))


def plain(text: str) -> str:
    """Text drawn as written: matplotlib reads `$…$` as a formula ("Combo $5 + $10")."""
    return text.replace("$", r"\$")


def _short(label: str, limit: int = 28) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


@dataclass(frozen=True)
class Picture:
    """A rendered chart: the PNG and the file name it is uploaded (or written) under."""

    filename: str
    png: bytes


async def picture(spec: ChartSpec) -> Picture:
    """The chart rendered in a worker thread, off the event loop."""
    png = await asyncio.to_thread(render, spec)
    digest = hashlib.sha256(png).hexdigest()[:12]
    return Picture(f"chart-{digest}.png", png)
