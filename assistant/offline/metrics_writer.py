"""Replies written from query_metrics results, as tools/metrics/render.py formats them.

The answer leads ("Revenue this month (1–3 Dec): 12,245,094 VND — up 8.2% on 1–3 Nov
(11,316,168 VND)"); a comparison always states both periods' figures; then at most eight
rows (the busiest with their counts); then what was left out of the question, and one line
of what else to ask. Every figure is copied from the result, never computed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tools.metrics.labels import (
    LABELS,
    MONTHS_EN,
    NONE_VI,
    PAYMENTS,
    WEEKDAY_NAMES_VI,
    WEEKDAYS_EN,
    WEEKDAYS_VI,
)

Rows = list[dict[str, Any]]
ALL_TIME = date(2000, 1, 1)  # the parser's "all time"
MAX_ROWS = 8  # a ranking's rows
MAX_SERIES = 12  # a series in time order: a year of months, a day's opening hours
TIME = ("day", "week", "month", "weekday", "hour")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
FILTER_WORDS = {
    "product": ("product", "sản phẩm"),
    "category": ("category", "danh mục"),
    "brand": ("brand", "thương hiệu"),
    "employee": ("staff", "nhân viên"),
    "customer": ("customer", "khách"),
    "payment_method": ("paid by", "thanh toán"),
    "premium": ("customers", "khách"),
    "min_amount": ("orders of at least", "đơn từ"),
    "max_amount": ("orders of at most", "đơn tối đa"),
}
DIMENSION_WORDS = {
    "product": ("product", "sản phẩm"),
    "variant": ("size", "size"),
    "category": ("category", "danh mục"),
    "brand": ("brand", "thương hiệu"),
    "employee": ("staff member", "nhân viên"),
    "payment_method": ("payment method", "hình thức thanh toán"),
    "customer": ("customer", "khách"),
    "day": ("day", "ngày"),
    "weekday": ("day of the week", "thứ"),
    "hour": ("hour", "giờ"),
    "week": ("week", "tuần"),
    "month": ("month", "tháng"),
}
COUNT_UNITS = {
    "orders": ("orders", "đơn"),
    "units_sold": ("sold", "đã bán"),
    "customers": ("customers", "khách"),
    "new_customers": ("new customers", "khách mới"),
    "cancelled_orders": ("cancelled", "đơn hủy"),
    "refunded_orders": ("refunded", "đơn hoàn"),
    "pending_orders": ("pending", "đơn chờ"),
}
PREMIUM = {"premium": ("premium", "thành viên"), "regular": ("regular", "thường")}
ASK_NEXT = {
    "en": {
        "compare": "vs the period before",
        "last_year": "vs last year",
        "day": "by day",
        "employee": "by staff",
        "category": "by category",
        "product": "best sellers",
        "cash": "only cash",
        "hour": "busiest hour",
        "lead": "You can also ask",
    },
    "vi": {
        "compare": "so với kỳ trước",
        "last_year": "so với cùng kỳ năm ngoái",
        "day": "theo ngày",
        "employee": "theo nhân viên",
        "category": "theo danh mục",
        "product": "món bán chạy",
        "cash": "chỉ tiền mặt",
        "hour": "giờ đông khách nhất",
        "lead": "Bạn có thể hỏi thêm",
    },
}
NOTES = {
    "en": {
        "none": "no orders in that period",
        "more": "… {n} in all",
        "latest": "(the latest {shown} of {n})",
        "unread": "I left out {words}: I couldn't match it to a product, category, staff "
        "member, customer or payment method, so these figures are without it.",
        "unrecorded": "The shop records no costs, so {words} can't be worked out — these are "
        "the sales figures.",
        "average": "I don't work out an average per day or per week ({words}) — these are the "
        "figures of each.",
        "size": "I can't keep a single size ({words}) — these figures are for every size.",
        "per_order": "Discounts and tax are recorded per order, not per product, so they are "
        "not split by {words} here.",
        "up": "up {p}",
        "down": "down {p}",
        "same": "the same as",
        "on": "on",
        "was": "{other}: {value}",
        "filtered": "only {what}",
    },
    "vi": {
        "none": "không có đơn nào trong khoảng này",
        "more": "… tổng cộng {n}",
        "latest": "(chỉ hiện {shown} dòng gần nhất trên {n})",
        "unread": "Chưa lọc theo {words} vì mình chưa hiểu — số liệu trên chưa tính điều kiện này.",
        "unrecorded": "Cửa hàng không ghi chi phí nên chưa tính được {words} — đây là số liệu "
        "bán hàng.",
        "average": "Chưa tính {words} theo ngày hay theo tuần — đây là số liệu của từng kỳ.",
        "size": "Chưa lọc riêng được một size ({words}) — số liệu trên là của mọi size.",
        "per_order": "Giảm giá và thuế được ghi theo đơn, không theo sản phẩm, nên chưa chia "
        "theo {words}.",
        "up": "tăng {p}",
        "down": "giảm {p}",
        "same": "bằng",
        "on": "so với",
        "was": "{other}: {value}",
        "filtered": "chỉ {what}",
    },
}


@dataclass
class Context:
    """What the writer knows besides the result: the language, today, the question's call
    and the words of the question it could not use."""

    language: str = "en"
    today: date | None = None
    arguments: dict[str, Any] = field(default_factory=dict)  # the query_metrics call
    calls: dict[str, dict[str, Any]] = field(default_factory=dict)  # every call, by tool
    left_out: tuple[tuple[str, str], ...] = ()  # (reason, words): see ParsedIntent.left_out


def _vi(ctx: Context) -> bool:
    return ctx.language == "vi"


def _note(ctx: Context, key: str, **values: Any) -> str:
    return NOTES["vi" if _vi(ctx) else "en"][key].format(**values)


# ---------------------------------------------------------------- periods in words


def _parse_span(text: str | None) -> tuple[date, date] | None:
    if not text or ".." not in text:
        return None
    first, _, last = text.partition("..")
    try:
        return date.fromisoformat(first), date.fromisoformat(last)
    except ValueError:
        return None


def _day(day: date, ctx: Context, year: bool = False) -> str:
    if _vi(ctx):
        return f"{day.day}/{day.month}" + (f"/{day.year}" if year else "")
    return f"{day.day} {MONTHS_EN[day.month - 1]}" + (f" {day.year}" if year else "")


def _range(start: date, end: date, ctx: Context, year: bool) -> str:
    if start == end:
        return _day(start, ctx, year)
    if _vi(ctx):
        return f"{_day(start, ctx)}–{_day(end, ctx, year)}"
    if start.month == end.month and start.year == end.year:
        return f"{start.day}–{_day(end, ctx, year)}"
    return f"{_day(start, ctx, start.year != end.year or year)} – {_day(end, ctx, year)}"


def _whole_month(start: date, end: date) -> bool:
    after = (end + timedelta(days=1)).day == 1
    return start.day == 1 and start.month == end.month and start.year == end.year and after


def _relative(start: date, end: date, ctx: Context) -> str | None:
    """today / yesterday / this week / this month / this year, when the period is one."""
    today = ctx.today
    if today is None or end != today:
        if today is not None and start == end == today - timedelta(days=1):
            return "hôm qua" if _vi(ctx) else "yesterday"
        return None
    if start == today:
        return "hôm nay" if _vi(ctx) else "today"
    if start == today - timedelta(days=today.weekday()):
        return "tuần này" if _vi(ctx) else "this week"
    if start == today.replace(day=1):
        return "tháng này" if _vi(ctx) else "this month"
    if start == date(today.year, 1, 1):
        return "năm nay" if _vi(ctx) else "this year"
    return None


def period_words(span: tuple[date, date], ctx: Context) -> str:
    """A period as an owner says it, with its dates ("this month (1–3 Dec)", "in November
    2026", "on 28 Nov", "for 23–29 Nov")."""
    start, end = span
    if start <= ALL_TIME:
        return "từ trước tới nay" if _vi(ctx) else "all time"
    year = ctx.today is None or start.year != ctx.today.year or end.year != ctx.today.year
    named = _relative(start, end, ctx)
    dates = _range(start, end, ctx, year)
    if named:
        return f"{named} ({dates})"
    if _whole_month(start, end):
        if _vi(ctx):
            return f"tháng {start.month}/{start.year}"
        return f"in {MONTH_NAMES[start.month - 1]} {start.year}"
    named = _quarter_or_year(start, end, ctx)
    if named:
        return named
    if _vi(ctx):
        return f"ngày {dates}" if start == end else dates
    return f"on {dates}" if start == end else f"for {dates}"


def _quarter_or_year(start: date, end: date, ctx: Context) -> str | None:
    """ "in Q3 2026" / "quý 3/2026", "in 2025" / "năm 2025" for a whole quarter or year."""
    if start.day != 1 or (end + timedelta(days=1)).day != 1 or start.year != end.year:
        return None
    months = end.month - start.month + 1
    if months == 12:
        return f"năm {start.year}" if _vi(ctx) else f"in {start.year}"
    if months == 3 and start.month % 3 == 1:
        quarter = (start.month - 1) // 3 + 1
        return f"quý {quarter}/{start.year}" if _vi(ctx) else f"in Q{quarter} {start.year}"
    return None


def other_words(span: tuple[date, date], ctx: Context) -> str:
    """The period compared with, plainly ("1–6 Nov", "October 2026", "tháng 10/2026")."""
    start, end = span
    if _whole_month(start, end):
        if _vi(ctx):
            return f"tháng {start.month}/{start.year}"
        return f"{MONTH_NAMES[start.month - 1]} {start.year}"
    return _range(start, end, ctx, ctx.today is None or start.year != ctx.today.year)


def short_period(span: tuple[date, date], ctx: Context) -> str:
    """A period in a few characters, for rows ("Oct", "T10", "1–3 Nov")."""
    start, end = span
    if _whole_month(start, end):
        return f"T{start.month}" if _vi(ctx) else MONTHS_EN[start.month - 1]
    return _range(start, end, ctx, ctx.today is None or start.year != ctx.today.year)


# ---------------------------------------------------------------- figures and rows


def _label(metric: str, ctx: Context) -> str:
    en, vi = LABELS.get(metric, (metric, metric))
    return vi if _vi(ctx) else en


def _value(value: Any) -> str:
    return str(value)


def _percent(text: Any) -> str | None:
    if not isinstance(text, str) or not text:
        return None
    return text.lstrip("+-")


def _change(head: dict[str, Any], metric: str, other: str, ctx: Context) -> str:
    """ "up 8.2% on 1–3 Nov (11,316,168 VND)": both figures, always."""
    previous = head.get(f"previous_{metric}")
    percent = head.get(f"change_{metric}_percent")
    said = _percent(percent)
    if said is None:  # nothing in the other period to compare with
        return _note(ctx, "was", other=other, value=previous)
    if said.strip("0.%") == "":
        return f"{_note(ctx, 'same')} {other} ({previous})"
    direction = "down" if str(percent).startswith("-") else "up"
    return f"{_note(ctx, direction, p=said)} {_note(ctx, 'on')} {other} ({previous})"


def _filters(head: dict[str, Any], ctx: Context) -> str:
    found = head.get("filters") or {}
    parts: list[str] = []
    for key, names in found.items():
        names = names if isinstance(names, list) else [names]
        shown = [str(n) for n in names[:3]]
        if key == "payment_method":
            shown = [PAYMENTS.get(n, (n, n))[1 if _vi(ctx) else 0] for n in shown]
        if key == "premium":
            shown = [PREMIUM.get(n, (n, n))[1 if _vi(ctx) else 0] for n in shown]
        if key in ("min_amount", "max_amount"):
            shown = [_grouped(n) for n in shown]
        words = FILTER_WORDS.get(key, (key, key))[1 if _vi(ctx) else 0]
        more = f" +{len(names) - 3}" if len(names) > 3 else ""
        parts.append(f"{words} {', '.join(shown)}{more}")
    return "; ".join(parts)


def _grouped(number: str) -> str:
    """An amount as the tool gave it, its thousands grouped ("500000" → "500,000")."""
    whole, _, cents = number.partition(".")
    if not whole.isdigit():
        return number
    text = f"{int(whole):,}"
    return f"{text}.{cents}" if cents.strip("0") else text


def _row_label(row: dict[str, Any], group_by: list[str], ctx: Context) -> str:
    return " · ".join(_dimension_value(name, row.get(name), ctx) for name in group_by)


def _dimension_value(name: str, value: Any, ctx: Context) -> str:
    text = str(value)
    if name == "day":
        try:
            day = date.fromisoformat(text)
        except ValueError:
            return text
        weekday = (WEEKDAYS_VI if _vi(ctx) else WEEKDAYS_EN)[day.weekday()]
        return f"{weekday} {_day(day, ctx)}"
    if name == "week":
        try:
            monday = date.fromisoformat(text)
        except ValueError:
            return text
        return f"tuần từ {_day(monday, ctx)}" if _vi(ctx) else f"week of {_day(monday, ctx)}"
    if name == "month" and re.fullmatch(r"\d{4}-\d{2}", text):
        year, month = int(text[:4]), int(text[5:])
        return f"tháng {month}/{year}" if _vi(ctx) else f"{MONTHS_EN[month - 1]} {year}"
    if name == "weekday" and _vi(ctx):
        return WEEKDAY_NAMES_VI.get(text, text)
    if name == "payment_method":
        said = PAYMENTS.get(text, (text, text))[1 if _vi(ctx) else 0]
        return said[:1].upper() + said[1:]
    if name in ("category", "brand") and text.islower():
        return text.title()
    if _vi(ctx) and text in NONE_VI:
        return NONE_VI[text]
    return text


def _row_text(row: dict[str, Any], metrics: list[str], other: str | None, ctx: Context) -> str:
    parts = []
    for metric in metrics:
        value = row.get(metric)
        figure = _value(value) if len(metrics) == 1 else f"{_label(metric, ctx)} {value}"
        if other is not None and f"previous_{metric}" in row:
            percent = row.get(f"change_{metric}_percent")
            tail = f", {percent}" if percent else ""
            figure += f" ({other}: {row[f'previous_{metric}']}{tail})"
        parts.append(figure)
    return "; ".join(parts)


def _rows(
    head: dict[str, Any], rows: Rows, metrics: list[str], other: str | None, ctx: Context
) -> list[str]:
    group_by = [k for k in rows[0] if k not in _metric_keys(metrics)] if rows else []
    ranked = bool(ctx.arguments.get("order_by")) or not (group_by and group_by[0] in TIME)
    total = head.get("total_rows")
    if group_by == ["hour"] and not ranked:  # the hours the shop sold in, not the night
        rows = [row for row in rows if any(_nonzero(row.get(m)) for m in metrics)]
        total = len(rows) if len(rows) <= MAX_SERIES else total
    shown = rows[:MAX_ROWS] if ranked else rows[-MAX_SERIES:]
    lines = []
    for index, row in enumerate(shown, 1):
        mark = f"{index}." if ranked else "-"
        lines.append(
            f"{mark} {_row_label(row, group_by, ctx)}: {_row_text(row, metrics, other, ctx)}"
        )
    if isinstance(total, int) and total > len(shown):
        if ranked:
            lines.append(_note(ctx, "more", n=total))
        else:
            lines.append(_note(ctx, "latest", shown=len(shown), n=total))
    return lines


def _nonzero(value: Any) -> bool:
    return bool(re.search(r"[1-9]", str(value)))


def _metric_keys(metrics: list[str]) -> set[str]:
    keys = set(metrics)
    for metric in metrics:
        keys |= {f"previous_{metric}", f"change_{metric}", f"change_{metric}_percent"}
    return keys


def _metrics_of(head: dict[str, Any]) -> list[str]:
    return [key for key in LABELS if key in head]


def _headline(
    head: dict[str, Any], rows: Rows, metrics: list[str], period: str, where: str, ctx: Context
) -> str | None:
    """A ranking leads with its first row ("Busiest day for 23–29 Nov: Sat 28 Nov — 21
    orders"; "Bán chạy nhất tuần này (…): Brown Sugar Boba Milk Tea — 1,160,000 VND")."""
    order_by = ctx.arguments.get("order_by")
    group_by = ctx.arguments.get("group_by") or []
    if not order_by or not rows or not group_by or order_by not in rows[0]:
        return None
    least = ctx.arguments.get("descending") is False
    title = _ranking_title(order_by, group_by[0], least, ctx)
    first = rows[0]
    value = f"{first.get(order_by)}{_unit(order_by, ctx)}"
    label = _row_label(first, [d for d in group_by if d in first], ctx)
    return f"{title} {period}{where}: {label} — {value}"


def _ranking_title(metric: str, dimension: str, least: bool, ctx: Context) -> str:
    vi = _vi(ctx)
    if metric == "orders" and dimension in TIME:
        word = DIMENSION_WORDS.get(dimension, (dimension, dimension))[1 if vi else 0]
        if vi:
            return f"{word.capitalize()} {'vắng khách nhất' if least else 'đông khách nhất'}"
        return f"{'Quietest' if least else 'Busiest'} {word}"
    if dimension in ("product", "variant") and metric in ("revenue", "units_sold"):
        if vi:
            return "Bán chậm nhất" if least else "Bán chạy nhất"
        return "Slowest seller" if least else "Best seller"
    word = DIMENSION_WORDS.get(dimension, (dimension, dimension))[1 if vi else 0]
    label = _label(metric, ctx).lower()
    if vi:
        return f"{word.capitalize()} có {label} {'thấp nhất' if least else 'cao nhất'}"
    return f"{'Lowest' if least else 'Top'} {word} by {label}"


def _unit(metric: str, ctx: Context) -> str:
    words = COUNT_UNITS.get(metric)
    return f" {words[1 if _vi(ctx) else 0]}" if words else ""


def _lead(head: dict[str, Any], metrics: list[str], rows: Rows, ctx: Context) -> list[str]:
    span = _parse_span(head.get("period"))
    period = period_words(span, ctx) if span else ""
    other_span = _parse_span(head.get("compared_with"))
    other = other_words(other_span, ctx) if other_span else None
    scope = _filters(head, ctx)
    where = f" — {scope}" if scope else ""
    headline = _headline(head, rows, metrics, period, where, ctx)
    if headline is not None:
        total = "; ".join(f"{_label(m, ctx).lower()} {head.get(m)}" for m in metrics)
        other_part = ""
        if other is not None and len(metrics) == 1:
            other_part = f" — {_change(head, metrics[0], other, ctx)}"
        total_word = "Tổng" if _vi(ctx) else "In all"
        return [headline, f"{total_word}: {total}{other_part}"]
    if len(metrics) == 1:
        metric = metrics[0]
        line = f"{_label(metric, ctx)} {period}{where}: {_value(head.get(metric))}"
        if other is not None:
            line += f" — {_change(head, metric, other, ctx)}"
        return [line]
    lines = [f"{period[:1].upper()}{period[1:]}{where}:"]
    for metric in metrics:
        line = f"- {_label(metric, ctx)}: {_value(head.get(metric))}"
        if other is not None:
            line += f" — {_change(head, metric, other, ctx)}"
        lines.append(line)
    return lines


def _ask_next(head: dict[str, Any], ctx: Context) -> str:
    words = ASK_NEXT["vi" if _vi(ctx) else "en"]
    asked = ctx.arguments
    group_by = asked.get("group_by") or []
    options = []
    if not head.get("compared_with"):
        options.append(words["compare"])
    elif asked.get("compare_to") != "same_period_last_year":
        options.append(words["last_year"])
    for name in ("day", "employee", "category"):
        if name not in group_by and len(options) < 3:
            options.append(words[name])
    if "payment_method" not in (head.get("filters") or {}) and len(options) < 4:
        options.append(words["cash"])
    return f"{words['lead']}: " + " · ".join(options[:4])


def write_metrics(head: dict[str, Any], sections: dict[str, Rows], ctx: Context) -> str:
    """The reply to a query_metrics result."""
    metrics = _metrics_of(head)
    rows = [r for r in sections.get("rows", []) if isinstance(r, dict)]
    lines = _lead(head, metrics, rows, ctx)
    other_span = _parse_span(head.get("compared_with"))
    other = short_period(other_span, ctx) if other_span else None
    if "total_rows" in head:
        lines += _rows(head, rows, metrics, other, ctx) if rows else [f"- {_note(ctx, 'none')}"]
    for reason in ("unrecorded", "average", "size", "per_order", "unread"):
        said = tuple(words for why, words in ctx.left_out if why == reason)
        if said:
            lines.append(_note(ctx, reason, words=_quoted(said, ctx)))
    lines.append(_ask_next(head, ctx))
    return "\n".join(lines)


def _quoted(words: tuple[str, ...], ctx: Context) -> str:
    return ", ".join(f"“{w}”" for w in words)


# ---------------------------------------------------------------- errors

ERRORS = {
    "en": {
        "employee": "I couldn't find a staff member called “{value}”{known}.",
        "customer": "I couldn't find a customer matching “{value}”.",
        "product": "I couldn't find a product called “{value}”.",
        "category": "I couldn't find a category called “{value}”{known}.",
        "brand": "I couldn't find a brand called “{value}”{known}.",
        "known": " (we have: {names})",
    },
    "vi": {
        "employee": "Mình không tìm thấy nhân viên nào tên “{value}”{known}.",
        "customer": "Mình không tìm thấy khách nào khớp với “{value}”.",
        "product": "Mình không tìm thấy sản phẩm nào tên “{value}”.",
        "category": "Mình không tìm thấy danh mục “{value}”{known}.",
        "brand": "Mình không tìm thấy thương hiệu “{value}”{known}.",
        "known": " (hiện có: {names})",
    },
}
_NOTHING = re.compile(
    r"invalid argument (?P<field>\w+): nothing matches '(?P<value>[^']*)'(?:; known: (?P<known>.*))?"
)


def metrics_error(content: str, language: str) -> str | None:
    """A friendly sentence for "nothing matches" errors of query_metrics (else None)."""
    m = _NOTHING.search(content)
    if m is None:
        return None
    table = ERRORS["vi" if language == "vi" else "en"]
    template = table.get(m.group("field"))
    if template is None:
        return None
    known = table["known"].format(names=m.group("known")) if m.group("known") else ""
    return template.format(value=m.group("value"), known=known)


def inactive_lead(head: dict[str, Any], ctx: Context) -> str | None:
    """The line before a list of customers who stopped ordering."""
    since = (ctx.calls.get("find_customers_by_criteria") or {}).get("inactive_since")
    try:
        day = date.fromisoformat(str(since))
    except ValueError:
        return None
    total = head.get("total_matching")
    when = _day(day, ctx, ctx.today is None or day.year != ctx.today.year)
    if _vi(ctx):
        return f"Khách không đặt đơn nào từ {when} — tổng cộng {total}, chi nhiều nhất trước:"
    return f"Customers with no order since {when} — {total} in all, biggest spenders first:"
