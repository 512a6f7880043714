"""The daily report: one day's figures, computed by the metrics layer and the shop's tables,
written for a staff member in English or Vietnamese.

Revenue and orders are compared with the same weekday a week before (a Sunday with a
Sunday); the best seller is the product with the most units sold (ties by name); the stock
lines are those at or below their low-stock threshold; the shoppers are those the assistant
answered that day and those whose question went to staff.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from config import Settings
from core.periods import day_bounds
from database import connection, load_sql
from desk import escalations
from tools.charts.spec import day_words
from tools.metrics.engine import MetricsQueries, change
from tools.metrics.render import amount

SQL = load_sql("reports.sql")
STOCK_LINES = 5  # named in the report; the rest counted
QUICK_REPLIES = {
    "en": ("Tomorrow's report", "Stop reports"),
    "vi": ("Báo cáo ngày mai", "Tắt báo cáo"),
}
WORDS = {
    "en": {
        "title": "Daily report · {day}",
        "revenue": "Revenue",
        "orders": "Orders",
        "up": "up {p}% on {other}",
        "down": "down {p}% on {other}",
        "same": "the same as {other}",
        "was": "{other}",
        "best": "Best seller: {name} — {units} sold ({revenue})",
        "no_best": "Best seller: no sales yet",
        "stock": "Stock: {counts} — {lines}",
        "stock_ok": "Stock: nothing low",
        "out": "{n} out",
        "low": "{n} low",
        "left": "{name}: {stock} left",
        "more": "and {n} more",
        "waiting": "Waiting for the team: {n} question(s) ({refs})",
        "no_waiting": "Waiting for the team: nothing",
        "shoppers": "Shoppers: {answered} answered by the assistant, {to_staff} handed to staff",
    },
    "vi": {
        "title": "Báo cáo ngày · {day}",
        "revenue": "Doanh thu",
        "orders": "Số đơn",
        "up": "tăng {p}% so với {other}",
        "down": "giảm {p}% so với {other}",
        "same": "bằng {other}",
        "was": "{other}",
        "best": "Bán chạy nhất: {name} — {units} đã bán ({revenue})",
        "no_best": "Bán chạy nhất: chưa có đơn",
        "stock": "Tồn kho: {counts} — {lines}",
        "stock_ok": "Tồn kho: không có món nào sắp hết",
        "out": "{n} hết hàng",
        "low": "{n} sắp hết",
        "left": "{name}: còn {stock}",
        "more": "và {n} món khác",
        "waiting": "Đang chờ nhân viên: {n} câu hỏi ({refs})",
        "no_waiting": "Đang chờ nhân viên: không có",
        "shoppers": "Khách: trợ lý đã trả lời {answered}, chuyển cho nhân viên {to_staff}",
    },
}


@dataclass(frozen=True)
class DigestFigures:
    """One day's figures (the same for every staff member)."""

    day: date
    revenue: Decimal
    orders: int
    week_before_revenue: Decimal
    week_before_orders: int
    best: dict[str, Any] | None
    short: list[dict[str, Any]]
    short_total: int
    out_total: int
    waiting: list[int]
    answered: int
    to_staff: int

    @property
    def week_before(self) -> date:
        """The same weekday a week before."""
        return self.day - timedelta(days=7)


async def figures(settings: Settings, day: date) -> DigestFigures:
    """The report's figures for the shop-local `day`."""
    metrics = MetricsQueries(settings)
    one_day = {"start_date": day.isoformat(), "end_date": day.isoformat()}
    before = day - timedelta(days=7)
    today, earlier, ranked = await asyncio.gather(
        metrics.query_metrics(metrics=["revenue", "orders"], **one_day),
        metrics.query_metrics(
            metrics=["revenue", "orders"], start_date=before.isoformat(),
            end_date=before.isoformat(),
        ),
        metrics.query_metrics(
            metrics=["units_sold", "revenue"], group_by=["product"], order_by="units_sold",
            limit=1, **one_day,
        ),
    )  # fmt: skip
    best = ranked["rows"][0] if ranked["rows"] and ranked["rows"][0]["units_sold"] > 0 else None
    short = await connection().execute_query_dict(SQL["stock_short"], [STOCK_LINES])
    lower, upper = day_bounds(day, day, settings.tz)
    [people] = await connection().execute_query_dict(SQL["shoppers_answered"], [lower, upper])
    return DigestFigures(
        day=day,
        revenue=today["totals"]["revenue"],
        orders=today["totals"]["orders"],
        week_before_revenue=earlier["totals"]["revenue"],
        week_before_orders=earlier["totals"]["orders"],
        best=best,
        short=short,
        short_total=int(short[0]["total"]) if short else 0,
        out_total=int(short[0]["out_total"]) if short else 0,
        waiting=sorted(esc.id for esc in await escalations.pending()),
        answered=int(people["answered"]),
        to_staff=int(people["to_staff"]),
    )


def _compared(words: dict[str, str], current: Any, previous: Any, other: str, said: str) -> str:
    delta = change(current, previous)
    percent = delta["percent"]
    if percent is None:
        return words["was"].format(other=f"{other}: {said}")
    if percent == 0:
        return words["same"].format(other=f"{other} ({said})")
    key = "down" if percent < 0 else "up"
    return words[key].format(p=abs(percent), other=f"{other} ({said})")


def digest_text(f: DigestFigures, language: str, currency: str) -> str:
    """The report as one message in `language` ("en" or "vi"); every figure exact."""
    lang = "vi" if language == "vi" else "en"
    w = WORDS[lang]
    other = day_words(f.week_before, lang, weekday=True)
    revenue = amount(f.revenue, currency)
    lines = [w["title"].format(day=day_words(f.day, lang, weekday=True, year=True))]
    lines.append(
        f"{w['revenue']}: {revenue} — "
        + _compared(w, f.revenue, f.week_before_revenue, other, amount(f.week_before_revenue, currency))
    )  # fmt: skip
    lines.append(
        f"{w['orders']}: {f.orders:,} — "
        + _compared(w, f.orders, f.week_before_orders, other, f"{f.week_before_orders:,}")
    )
    if f.best is not None:
        lines.append(
            w["best"].format(
                name=f.best["product"],
                units=f"{f.best['units_sold']:,}",
                revenue=amount(f.best["revenue"], currency),
            )
        )
    else:
        lines.append(w["no_best"])
    lines.append(_stock(f, w))
    if f.waiting:
        refs = ", ".join(f"#{ref}" for ref in f.waiting[:5]) + ("…" if len(f.waiting) > 5 else "")
        lines.append(w["waiting"].format(n=len(f.waiting), refs=refs))
    else:
        lines.append(w["no_waiting"])
    lines.append(w["shoppers"].format(answered=f.answered, to_staff=f.to_staff))
    return "\n".join(lines)


def _stock(f: DigestFigures, w: dict[str, str]) -> str:
    if not f.short:
        return w["stock_ok"]
    counts = []
    if f.out_total:
        counts.append(w["out"].format(n=f.out_total))
    if f.short_total - f.out_total:
        counts.append(w["low"].format(n=f.short_total - f.out_total))
    named = [w["left"].format(name=line_name(row), stock=row["stock"]) for row in f.short]
    if f.short_total > len(f.short):
        named.append(w["more"].format(n=f.short_total - len(f.short)))
    return w["stock"].format(counts=", ".join(counts), lines="; ".join(named))


def report_day(at: time, local_now: datetime) -> date:
    """The day a report sent at `at` (shop time) covers: that day when it goes from noon on,
    the day before when it goes in the morning ("reports at 8:00" reports yesterday)."""
    today = local_now.date()
    return today if at.hour >= 12 else today - timedelta(days=1)


def line_name(row: dict[str, Any]) -> str:
    """`Matcha Powder (500g)`: the product and its variant."""
    variant = row.get("variant")
    return f"{row['product']} ({variant})" if variant else str(row["product"])
