"""Low-stock alerts, found in the inventory table itself (whoever wrote the row: the app, an
import, the POS writing directly).

A line crosses when its stock falls to or below its `low_stock_threshold`, or to zero. Each
crossing is alerted once: the line re-arms only when its stock rises above the threshold
again (a low line that then runs out is alerted once more, as out of stock). A line the
check sees for the first time — every line at the first check, a new product, a catalog
reloaded or imported — is only recorded: it did not cross while the shop was watching, and
the daily report lists the lines that are short.
"""

from __future__ import annotations

from dataclasses import dataclass

from database import connection, load_sql
from reports.digest import line_name

SQL = load_sql("reports.sql")
WORDS = {
    "en": {
        "one": "Stock alert: {line}",
        "many": "Stock alerts ({n}):",
        "out": "{name} is out of stock",
        "low": "{name}: {stock} left (low at {threshold})",
    },
    "vi": {
        "one": "Cảnh báo tồn kho: {line}",
        "many": "Cảnh báo tồn kho ({n}):",
        "out": "{name} đã hết hàng",
        "low": "{name}: còn {stock} (ngưỡng {threshold})",
    },
}
QUICK_REPLIES = {"en": ("Stop alerts",), "vi": ("Tắt cảnh báo",)}


@dataclass(frozen=True)
class Crossing:
    """One line that fell to or below its threshold (`level` low) or ran out (`out`)."""

    id: int
    level: str
    product: str
    variant: str | None
    stock: int
    threshold: int


async def check() -> int:
    """Record the crossings since the last check (alerted once each); how many were found."""
    found = await connection().execute_query_dict(SQL["stock_crossings"], [])
    return len(found)


async def next_batch() -> tuple[int, list[Crossing]] | None:
    """The crossings to tell the staff about, as one batch: one a stopped run left half
    recorded first, else every crossing found and not yet told. None when there are none."""
    rows = await connection().execute_query_dict(SQL["stock_batch_open"], [])
    batch = rows[0]["batch"] if rows else None
    if batch is None:
        stamped = await connection().execute_query_dict(SQL["stock_batch_new"], [])
        if not stamped:
            return None
        batch = stamped[0]["batch"]
    rows = await connection().execute_query_dict(SQL["stock_batch_events"], [batch])
    crossings = [
        Crossing(
            int(row["id"]), str(row["level"]), str(row["product"]), row["variant"],
            int(row["stock"]), int(row["threshold"]),
        )
        for row in rows
    ]  # fmt: skip
    return int(batch), crossings


async def recorded(batch: int) -> None:
    """The batch's alerts are recorded for every recipient (sent or kept waiting)."""
    await connection().execute_query(SQL["stock_events_done"], [batch])


def describe(crossing: Crossing, language: str = "en") -> str:
    """`Oat Milk (1L): 3 left (low at 5)` / `Matcha Powder (500g) is out of stock`."""
    words = WORDS["vi" if language == "vi" else "en"]
    return words[crossing.level].format(
        name=line_name({"product": crossing.product, "variant": crossing.variant}),
        stock=crossing.stock,
        threshold=crossing.threshold,
    )


def alert_text(crossings: list[Crossing], language: str) -> str:
    """One message for the crossings of a check (product, variant and stock of each)."""
    words = WORDS["vi" if language == "vi" else "en"]
    lines = [describe(crossing, language) for crossing in crossings]
    if len(lines) == 1:
        return words["one"].format(line=lines[0])
    return "\n".join([words["many"].format(n=len(lines)), *(f"• {line}" for line in lines)])
