"""query_metrics calls from an owner's question, and follow-ups that change one slot.

A fresh question's missing period is today; a grouping by time with no period gets a
window it makes sense over. A follow-up ("and the month before?", "chỉ trà sữa thôi",
"by staff", "so với năm ngoái") is the previous call with the slots it names replaced.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from assistant.offline.analysis import Analysis
from assistant.offline.arguments import revenue_args
from assistant.offline.intent import CUSTOMERS, METRICS, REVENUE
from assistant.offline.periods import (
    Period,
    add_months,
    calendar_period,
    month_end,
    period_from_args,
    rolling_period,
)
from assistant.offline.slots import LAST_YEAR, Slots, comparison, read_slots

Args = dict[str, Any]
Built = tuple[str, str | None, Args]
TIME = ("day", "week", "month", "weekday", "hour")
ITEM = ("product", "variant", "category", "brand")
PER_ORDER = ("discounts", "tax")  # recorded per order: not split by product
FILTERS = (
    "product",
    "category",
    "brand",
    "employee",
    "customer",
    "payment_method",
    "premium",
    "min_amount",
    "max_amount",
)
# A new value of one of these replaces the others ("only milk tea" after "croissants").
FAMILIES = (("product", "category", "brand"), ("employee",), ("customer",), ("payment_method",))
INACTIVE_DAYS = 30
SERIES_LIMIT = 100


def _dates(period: Period) -> Args:
    return {"start_date": period.start.isoformat(), "end_date": period.end.isoformat()}


def default_period(group_by: list[str], ranked: bool, today: date) -> Period:
    """The window a question without a period is about: today, unless it groups by time."""
    time = next((d for d in group_by if d in TIME), None)
    if time == "hour" and ranked:  # "busiest hour": over a month of days, not one
        return rolling_period(30, "day", today)
    if time == "day":
        return rolling_period(30, "day", today) if ranked else calendar_period("month", 0, today)
    if time == "weekday":
        return rolling_period(30, "day", today)
    if time == "week":
        return calendar_period("quarter", 0, today)
    if time == "month":
        return calendar_period("year", 0, today)
    return calendar_period("day", 0, today)


def _perform(a: Analysis, slots: Slots) -> list[str]:
    """The few figures that say how a product or a person is doing ("how is X selling")."""
    if slots.named_metric or not a.has("measures", "perform"):
        return slots.metrics
    items = any(key in slots.filters for key in ITEM) or "product" in slots.group_by
    if not items and "employee" not in slots.filters and "employee" not in slots.group_by:
        return slots.metrics
    return ["revenue", "units_sold"] if items else ["revenue", "orders"]


def _busiest(slots: Slots) -> None:
    """ "Busiest" ranks by orders; with nothing to rank, the hours of a day (or of any day
    when no period is said), else the days."""
    if not slots.named_metric:
        slots.metrics = ["orders"]
    period = slots.period
    if not slots.group_by:
        slots.group_by = ["hour" if period is None or period.start == period.end else "day"]
    slots.ranked = True


def _per_order(slots: Slots) -> None:
    """Discounts and tax are per order: a product split or filter is left out (and said)."""
    if not any(m in PER_ORDER for m in slots.metrics):
        return
    for key in ITEM:
        if key in slots.filters:
            slots.per_order.append(str(slots.filters.pop(key)))
    slots.per_order += [d for d in slots.group_by if d in ITEM]
    slots.group_by = [d for d in slots.group_by if d not in ITEM]


def metrics_arguments(slots: Slots, a: Analysis) -> Args:
    """query_metrics' arguments from the slots of a fresh question."""
    slots.metrics = _perform(a, slots)
    if slots.busiest:
        _busiest(slots)
    period = slots.period or default_period(slots.group_by, slots.ranked, a.today)
    staff = a.g("employee_direct") and "employee" in slots.group_by
    if staff and not slots.named_metric and not slots.ranked:  # "staff performance"
        slots.metrics = ["revenue", "orders"]
    _per_order(slots)
    args: Args = {"metrics": slots.metrics, **_dates(period)}
    if slots.group_by:
        args["group_by"] = slots.group_by
    args.update({key: slots.filters[key] for key in FILTERS if key in slots.filters})
    if slots.compare:
        args["compare_to"] = slots.compare
    _ranking(args, slots)
    return args


def _ranking(args: Args, slots: Slots) -> None:
    if slots.ranked and args.get("group_by"):
        args["order_by"] = args["metrics"][0]
    elif any(d in TIME for d in args.get("group_by") or []):
        args["limit"] = SERIES_LIMIT  # a series in time order: every bucket, not the first 10
    if slots.descending is False and args.get("group_by"):
        args["descending"] = False
    if slots.limit:
        args["limit"] = slots.limit


def listing(a: Analysis, slots: Slots) -> bool:
    """Whether a list of orders is asked ("show orders from last week", "last 5 orders")."""
    if slots.group_by or slots.compare or slots.named_metric and slots.metrics != ["orders"]:
        return False
    asks = a.has("measures", "how_much", "count") or a.has("measures", "perform")
    said = a.g("list_verb") or (a.amounts.limit and not slots.ranked and not slots.group_by)
    return bool(a.g("order_noun") and said and not asks)


def metrics_call(a: Analysis) -> Built:
    """The call for an owner's figures question."""
    slots = read_slots(a, a.product_names)
    if listing(a, slots):
        return "revenue", REVENUE, _listing_args(a)
    return "metrics", METRICS, metrics_arguments(slots, a)


def left_out(a: Analysis) -> tuple[tuple[str, str], ...]:
    """What a figures question asked that its call leaves out, as (reason, words)."""
    slots = read_slots(a, a.product_names)
    metrics_arguments(slots, a)  # fills what a per-order measure cannot split
    found = [("unread", " ".join(slots.unread))] if slots.unread else []
    found += [("unrecorded", word) for word in slots.unrecorded]
    found += [("average", word) for word in slots.averaged[:1]]
    found += [("size", word) for word in slots.sizes]
    found += [("per_order", word) for word in slots.per_order]
    return tuple(found)


def _listing_args(a: Analysis) -> Args:
    return revenue_args(a)


# ---------------------------------------------------------------- customers who stopped coming


def inactive_since(a: Analysis) -> str:
    """The day since which a customer has not ordered: "in 2 months" → two months ago."""
    period = a.period
    if period is None or period.start >= a.today:
        return (a.today - timedelta(days=INACTIVE_DAYS)).isoformat()
    if period.rolling_days is not None:
        return (period.start - timedelta(days=1)).isoformat()
    return period.start.isoformat()


def inactive_call(a: Analysis) -> Built:
    """find_customers_by_criteria for customers who have not ordered lately."""
    args: Args = {"inactive_since": inactive_since(a)}
    premium = a.is_premium()
    if premium is not None:
        args["is_premium"] = premium
    if a.amounts.limit:
        args["limit"] = a.amounts.limit
    return "inactive_customers", CUSTOMERS, args


# ---------------------------------------------------------------- follow-ups


def _unit_of(period: Period) -> str:
    if period.start == period.end:
        return "day"
    if period.start.weekday() == 0 and period.days <= 7:
        return "week"
    if period.start.day == 1 and period.end <= month_end(period.start.year, period.start.month):
        return "month"
    if period.start.day == 1 and period.start.month % 3 == 1 and period.days <= 92:
        return "quarter"
    if period.start.month == 1 and period.start.day == 1:
        return "year"
    return "range"


def before(period: Period, unit: str | None) -> Period:
    """The whole period of `unit` before `period` ("and the month before?")."""
    unit = unit or _unit_of(period)
    if unit == "day":
        day = period.start - timedelta(days=1)
        return Period(day, day)
    if unit == "week":
        monday = period.start - timedelta(days=period.start.weekday() + 7)
        return Period(monday, monday + timedelta(days=6))
    months = {"month": 1, "quarter": 3, "year": 12}.get(unit)
    if months is None:
        end = period.start - timedelta(days=1)
        return Period(end - timedelta(days=period.days - 1), end)
    first = period.start.replace(day=1)
    if unit == "quarter":
        first = first.replace(month=(first.month - 1) // 3 * 3 + 1)
    if unit == "year":
        first = first.replace(month=1)
    start = add_months(first, -months)
    return Period(start, add_months(start, months) - timedelta(days=1))


def _merge_period(args: Args, a: Analysis, slots: Slots) -> None:
    previous = period_from_args(args, a.today)
    said = slots.periods
    if said.main is not None and said.said:
        args.update(_dates(said.main))
    elif a.relative is not None and previous is not None and not said.relative_compared:
        args.update(_dates(before(previous, a.relative.unit)))
    if slots.compare:
        base = said.main if said.said else previous
        other = said.other if said.other is not None else None
        args["compare_to"] = comparison(base, other, slots.compare == LAST_YEAR)


def _merge_filters(args: Args, filters: dict[str, Any]) -> None:
    for family in FAMILIES:
        if any(key in filters for key in family):
            for key in family:
                args.pop(key, None)
    for key in FILTERS:
        if key in filters:
            args[key] = filters[key]
    low, high = args.get("min_amount"), args.get("max_amount")
    if low is not None and high is not None and high < low:
        args.pop("max_amount" if "min_amount" in filters else "min_amount")


def _switch_status(metrics: list[str], a: Analysis) -> list[str]:
    """ "And the value?" after cancelled orders: the same status, counted the other way."""
    to_value = a.has("measures", "value", "money")
    to_count = a.has("measures", "count")
    counts = {"cancelled_orders": "cancelled_value", "refunded_orders": "refunded_value"}
    values = {value: count for count, value in counts.items()}
    out = []
    for name in metrics:
        if to_value and name in counts:
            name = counts[name]
        elif to_count and not to_value and name in values:
            name = values[name]
        out.append(name)
    return out


def _merge_metric(args: Args, slots: Slots, a: Analysis) -> None:
    if not slots.named_metric:
        old = list(args.get("metrics") or ["revenue"])
        args["metrics"] = _switch_status(old, a)
        if args.get("order_by") in old:
            args["order_by"] = args["metrics"][old.index(args["order_by"])]
        return
    old = list(args.get("metrics") or ["revenue"])
    args["metrics"] = slots.metrics
    if args.get("order_by") in old:
        args["order_by"] = slots.metrics[0]


def merge_metrics(previous: Args, a: Analysis) -> Args:
    """The previous query_metrics call with the slots this message names replaced."""
    slots = read_slots(a, a.product_names)
    args = dict(previous)
    _merge_metric(args, slots, a)
    _merge_period(args, a, slots)
    if slots.group_by:
        args["group_by"] = slots.group_by
        args.pop("order_by", None)
        if slots.ranked:
            args["order_by"] = args["metrics"][0]
        elif any(d in TIME for d in slots.group_by) and not slots.limit:
            args["limit"] = SERIES_LIMIT
    _merge_filters(args, slots.filters)
    if not slots.group_by and args.get("group_by"):
        # "by staff", then "and Minh?": Minh alone, not one row of a split by staff
        narrowed = [d for d in args["group_by"] if d not in slots.filters]
        if narrowed != args["group_by"]:
            args["group_by"] = narrowed
            args.pop("order_by", None)
    if slots.limit:
        args["limit"] = slots.limit
    if slots.descending is False:
        args["descending"] = False
    elif slots.ranked or a.has("measures", "most", "bestseller", "busiest"):
        args.pop("descending", None)
    merged = Slots(
        metrics=list(args["metrics"]),
        group_by=list(args.get("group_by") or []),
        filters={k: args[k] for k in ITEM if k in args},
    )
    _per_order(merged)
    for key in ITEM:
        if key not in merged.filters:
            args.pop(key, None)
    if merged.group_by:
        args["group_by"] = merged.group_by
    else:
        args.pop("group_by", None)
    return args
