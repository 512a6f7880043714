"""The arguments a message gives the listing tools, shared by the builders of every intent."""

from __future__ import annotations

from typing import Any

from assistant.offline.analysis import Analysis
from assistant.offline.periods import Period
from assistant.offline.text import employee_name

Args = dict[str, Any]


def range_args(period: Period | None, start_key: str, end_key: str) -> Args:
    """The period as two YYYY-MM-DD arguments ({} when there is none)."""
    if period is None:
        return {}
    return {start_key: period.start.isoformat(), end_key: period.end.isoformat()}


def put(args: Args, **values: Any) -> Args:
    """`args` with the values that are set."""
    args.update({key: value for key, value in values.items() if value is not None})
    return args


def revenue_args(a: Analysis) -> Args:
    """get_revenue_by_filters arguments found in the message."""
    args = range_args(a.period, "start_date", "end_date")
    return put(
        args,
        employee_name=employee_name(a),
        customer_email=a.email,
        payment_method=a.payment,
        min_amount=a.amounts.min_value,
        max_amount=a.amounts.max_value,
        limit=a.amounts.limit,
    )
