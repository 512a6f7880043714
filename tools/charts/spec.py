"""What a chart of a `query_metrics` result shows, and the one line of key figures sent with it.

Every number comes from the tool's result (the bars and points are its rows, "others" is its
total less the rows shown); nothing is estimated. Time groupings are drawn as lines (with
the previous period dashed when it was asked), everything else as bars — at most
`MAX_BARS` with the rest summed as "others" where the measure adds up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from tools.metrics.definitions import ITEM_DIMENSIONS, METRICS
from tools.metrics.labels import LABELS, MONTHS_EN, WEEKDAY_NAMES_VI, WEEKDAYS_EN, WEEKDAYS_VI
from tools.metrics.render import amount

LINE_GROUPINGS = ("day", "week", "month", "hour")
MAX_BARS = 12  # the bars drawn, "others" included
MAX_POINTS = 100  # query_metrics' largest limit: a longer series is drawn a grain coarser
WORDS = {
    "en": {
        "others": "Others",
        "best": "best",
        "lowest": "lowest",
        "up": "up {p}",
        "down": "down {p}",
        "same": "the same as",
        "on": "on",
        "nothing": "nothing in {other}",
        "week_of": "week of {day}",
        "no_rows": "no sales to draw",
    },
    "vi": {
        "others": "Khác",
        "best": "cao nhất",
        "lowest": "thấp nhất",
        "up": "tăng {p}",
        "down": "giảm {p}",
        "same": "bằng",
        "on": "so với",
        "nothing": "kỳ {other} không có",
        "week_of": "tuần từ {day}",
        "no_rows": "không có số liệu để vẽ",
    },
}


@dataclass(frozen=True)
class ChartSpec:
    """One chart: what to draw and the line of text that goes with it."""

    kind: str  # "line" or "bar"
    title: str
    period: str
    labels: list[str]
    values: list[float]
    previous: list[float] | None
    previous_label: str | None
    value_label: str
    money: bool
    currency: str
    language: str
    caption: str

    def as_dict(self) -> dict[str, Any]:
        """For the tool's result (plain JSON values)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChartSpec:
        """Back from `as_dict`."""
        return cls(**data)


def chart_arguments(args: dict[str, Any], today: date) -> dict[str, Any]:
    """The query_metrics arguments a chart needs: one grouping (by time when none is asked:
    hours of one day, days of up to two months, weeks of up to a year, else months), every
    bucket of a series, the best few categories, and the previous period for the change."""
    out = dict(args)
    start = date.fromisoformat(args["start_date"]) if args.get("start_date") else None
    end = date.fromisoformat(args["end_date"]) if args.get("end_date") else None
    start = start or end or today
    end = end or max(start, today)
    days = (end - start).days + 1
    group_by = list(args.get("group_by") or [])
    time = next((name for name in group_by if name in LINE_GROUPINGS + ("weekday",)), None)
    chosen = time or (group_by[0] if group_by else _grain(days))
    if chosen in LINE_GROUPINGS and _points(chosen, start, end) > MAX_POINTS:
        chosen = _grain(days)
    out["group_by"] = [chosen]
    out["start_date"], out["end_date"] = start.isoformat(), end.isoformat()
    if chosen in LINE_GROUPINGS or chosen == "weekday":
        out["limit"] = MAX_POINTS
        out.pop("order_by", None)
    else:
        out["limit"] = min(int(args.get("limit") or MAX_BARS - 1), MAX_BARS - 1)
    out.setdefault("compare_to", "previous_period")
    return out


def _grain(days: int) -> str:
    if days <= 1:
        return "hour"
    if days <= 62:
        return "day"
    if days <= 366:
        return "week"
    return "month"


def _points(grouping: str, start: date, end: date) -> int:
    if grouping == "hour":
        return 24
    if grouping == "day":
        return (end - start).days + 1
    if grouping == "week":
        return (end - start).days // 7 + 2
    return (end.year - start.year) * 12 + end.month - start.month + 1


def chart_of(result: dict[str, Any], language: str, currency: str) -> ChartSpec:
    """The chart of a query_metrics result (grouped by one dimension), in `language`."""
    lang = "vi" if language == "vi" else "en"
    metric = result["metrics"][0]
    grouping = result["group_by"][0] if result.get("group_by") else None
    rows = list(result.get("rows") or [])
    money = METRICS[metric].money
    labels = [tick(grouping, row.get(grouping), lang) for row in rows]
    values = [_number(row.get(metric)) for row in rows]
    kind = "line" if grouping in LINE_GROUPINGS else "bar"
    previous: list[float] | None = None
    if kind == "line" and rows and f"previous_{metric}" in rows[0]:
        previous = [_number(row.get(f"previous_{metric}")) for row in rows]
    others = _others(result, metric, grouping, rows) if kind == "bar" else None
    if others is not None:
        labels.append(WORDS[lang]["others"])
        values.append(_number(others))
    name = LABELS.get(metric, (metric, metric))[1 if lang == "vi" else 0]
    span = span_words(result["period"]["start"], result["period"]["end"], lang)
    other = result.get("previous_period")
    return ChartSpec(
        kind=kind,
        title=f"{name} · {span}",
        period=span,
        labels=labels,
        values=values,
        previous=previous,
        previous_label=(
            span_words(other["start"], other["end"], lang) if other and previous else None
        ),
        value_label=currency if money else name,
        money=money,
        currency=currency,
        language=lang,
        caption=caption(result, metric, grouping, rows, lang, currency),
    )


def adds_up(metric: str, grouping: str | None) -> bool:
    """Whether the groups' figures add up to the total: sums do; counts of orders only over an
    order's own groupings (an order with two products counts once for each); distinct
    customers and ratios never."""
    kind = METRICS[metric].kind
    return kind == "sum" or (kind == "count" and grouping not in ITEM_DIMENSIONS)


def _others(
    result: dict[str, Any], metric: str, grouping: str | None, rows: list[dict[str, Any]]
) -> Any:
    """The total less the rows shown, when the ranking left some out and the groups add up."""
    if not result.get("truncated") or not adds_up(metric, grouping):
        return None
    rest = Decimal(str(result["totals"][metric])) - sum(
        (Decimal(str(row[metric])) for row in rows), Decimal(0)
    )
    return rest if rest > 0 else None


def _number(value: Any) -> float:
    return float(Decimal(str(value or 0)))


def figure(metric: str, value: Any, currency: str) -> str:
    """A value as the caption states it: money exactly with its currency, counts as numbers."""
    if METRICS[metric].money:
        return amount(value, currency)
    number = Decimal(str(value or 0))
    return f"{number:,.0f}" if number == number.to_integral_value() else f"{number:,.2f}"


def day_words(day: date, lang: str, *, weekday: bool = False, year: bool = False) -> str:
    """`Sat 28 Nov` / `T7 28/11` (with the year when asked)."""
    if lang == "vi":
        text = f"{day.day:02d}/{day.month:02d}" + (f"/{day.year}" if year else "")
        return f"{WEEKDAYS_VI[day.weekday()]} {text}" if weekday else text
    text = f"{day.day} {MONTHS_EN[day.month - 1]}" + (f" {day.year}" if year else "")
    return f"{WEEKDAYS_EN[day.weekday()]} {text}" if weekday else text


def span_words(first: str, last: str, lang: str) -> str:
    """`7 Nov – 6 Dec 2026`, `Sat 5 Dec 2026` / `07/11 – 06/12/2026`, `T7 05/12/2026`."""
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    if start == end:
        return day_words(start, lang, weekday=True, year=True)
    return (
        f"{day_words(start, lang, year=start.year != end.year)} – {day_words(end, lang, year=True)}"
    )


def tick(grouping: str | None, value: Any, lang: str, *, long: bool = False) -> str:
    """A bucket's name on the chart (`long`: in the caption, with the weekday)."""
    text = str(value)
    if grouping in ("day", "week"):
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return text
        if grouping == "week":
            said = day_words(day, lang)
            return WORDS[lang]["week_of"].format(day=said) if long else said
        return day_words(day, lang, weekday=long)
    if grouping == "month" and len(text) == 7:
        year, month = int(text[:4]), int(text[5:])
        return f"T{month}/{year}" if lang == "vi" else f"{MONTHS_EN[month - 1]} {year}"
    if grouping == "hour":
        return text.replace(":00", "h") if lang == "vi" else text
    if grouping == "weekday":
        if lang == "vi":
            return WEEKDAY_NAMES_VI.get(text, text)
        return text[:3] if not long else text
    return text


def caption(
    result: dict[str, Any],
    metric: str,
    grouping: str | None,
    rows: list[dict[str, Any]],
    lang: str,
    currency: str,
) -> str:
    """ "Revenue, 7 Nov – 6 Dec 2026: 12,245,094 VND, up 8.3% on 8 Oct – 6 Nov (11,306,000
    VND). Best: Sat 28 Nov, 812,000 VND; lowest: Mon 9 Nov, 0 VND." — every figure the tool's."""
    words = WORDS[lang]
    name = LABELS.get(metric, (metric, metric))[1 if lang == "vi" else 0]
    period = result["period"]
    span = span_words(period["start"], period["end"], lang)
    total = figure(metric, result["totals"][metric], currency)
    text = f"{name} {span}: {total}" if lang == "vi" else f"{name}, {span}: {total}"
    if result.get("previous_totals") is not None and result.get("changes"):
        other = result["previous_period"]
        other_span = span_words(other["start"], other["end"], lang)
        before = figure(metric, result["previous_totals"][metric], currency)
        percent = result["changes"][metric]["percent"]
        if percent is None:
            text += f" ({words['nothing'].format(other=other_span)}: {before})"
        elif Decimal(str(percent)) == 0:
            text += f", {words['same']} {other_span} ({before})"
        else:
            direction = "down" if Decimal(str(percent)) < 0 else "up"
            said = words[direction].format(p=f"{abs(Decimal(str(percent)))}%")
            text += f", {said} {words['on']} {other_span} ({before})"
    if rows and grouping is not None:
        # The first of equal buckets (in the result's order: time, or the ranking's). The
        # lowest hour is among the hours with sales: the night is always empty.
        best = max(rows, key=lambda row: Decimal(str(row.get(metric) or 0)))
        open_hours = [row for row in rows if Decimal(str(row.get(metric) or 0))]
        among = open_hours if grouping == "hour" and open_hours else rows
        worst = min(among, key=lambda row: Decimal(str(row.get(metric) or 0)))
        text += f". {words['best'].capitalize()}: {_bucket(best, metric, grouping, lang, currency)}"
        if len(rows) > 1 and worst is not best:
            text += f"; {words['lowest']}: {_bucket(worst, metric, grouping, lang, currency)}"
    elif not rows:
        text += f" ({words['no_rows']})"
    return text + "."


def _bucket(row: dict[str, Any], metric: str, grouping: str, lang: str, currency: str) -> str:
    return (
        f"{tick(grouping, row[grouping], lang, long=True)}, {figure(metric, row[metric], currency)}"
    )
