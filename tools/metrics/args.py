"""The arguments of `query_metrics`: validated, with the JSON schema the model sees."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from tools.args import LocalDate, Money, Text, ToolArgs, ToolArgumentError, _check_range
from tools.metrics.definitions import DIMENSIONS, ITEM_DIMENSIONS, ITEM_FILTERS, METRICS

MetricName = Literal[
    "revenue",
    "orders",
    "average_order_value",
    "units_sold",
    "customers",
    "new_customers",
    "cancelled_orders",
    "cancelled_value",
    "refunded_orders",
    "refunded_value",
    "pending_orders",
    "discounts",
    "tax",
    "items_per_order",
]
Dimension = Literal[
    "day",
    "week",
    "month",
    "weekday",
    "hour",
    "product",
    "variant",
    "category",
    "brand",
    "employee",
    "payment_method",
    "customer",
]
METRICS_LIMIT = 10
MAX_METRICS_LIMIT = 100


def _names(value: Any) -> Any:
    """A list of names, however given: "revenue", ["revenue"], "revenue, orders"."""
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",")]
    if isinstance(value, list | tuple):
        names = [v.strip().lower().replace(" ", "_") if isinstance(v, str) else v for v in value]
        return list(dict.fromkeys(n for n in names if n != ""))
    return value


class MetricsArgs(ToolArgs):
    """Arguments of query_metrics."""

    metrics: list[MetricName] = Field(
        min_length=1,
        description="What to measure: one or more of " + ", ".join(METRICS) + ".",
    )
    start_date: LocalDate = Field(
        None, description="First day, YYYY-MM-DD in shop time (default: today)."
    )
    end_date: LocalDate = Field(None, description="Last day, inclusive (default: today).")
    group_by: list[Dimension] = Field(
        default_factory=list,
        max_length=2,
        description="Up to two of "
        + ", ".join(DIMENSIONS)
        + ". Weeks start on Monday; weekday and hour are shop-local; product sums its "
        "variants; time groupings list empty buckets as zero.",
    )
    product: Text = Field(None, description="Only this product (words of its name).")
    category: Text = Field(None, description="Only this category.")
    brand: Text = Field(None, description="Only this brand.")
    employee: Text = Field(None, description="Only orders taken by this staff member.")
    payment_method: Text = Field(
        None, description="cash, bank (banking, transfer, chuyển khoản), card or e-wallet."
    )
    customer: Text = Field(None, description="Only this customer: name, e-mail or phone.")
    premium: bool | None = Field(None, description="Only premium (true) or regular customers.")
    min_amount: Money = Field(None, description="Only orders whose total is at least this.")
    max_amount: Money = Field(None, description="Only orders whose total is at most this.")
    compare_to: Literal["previous_period", "same_period_last_year"] | None = Field(
        None,
        description="Also compute the previous period (the previous calendar day/week/month/"
        "quarter/year, to the same day when the period is to date; otherwise as many days "
        "just before) or the same period last year; every figure then carries the other "
        "period's value and the change.",
    )
    order_by: MetricName | None = Field(
        None, description="Sort rows by this metric (default: time order, else the first metric)."
    )
    descending: bool = Field(True, description="Largest first (false: smallest first).")
    limit: int = Field(METRICS_LIMIT, description="How many rows to list (1-100).")
    chart: bool = Field(
        False,
        description="Also send these figures as a picture: a line over time (by day, week, "
        "month or hour; the grouping is chosen from the period when none is given), bars for "
        "products, categories, staff. Then reply with the result's `chart` line as written.",
    )

    @field_validator("metrics", "group_by", mode="before")
    @classmethod
    def _lists(cls, value: Any) -> Any:
        return _names(value)

    @field_validator("order_by", "compare_to", mode="before")
    @classmethod
    def _name(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower().replace(" ", "_")
            return value or None
        return value

    @field_validator("limit", mode="before")
    @classmethod
    def _limit(cls, value: Any) -> Any:
        if value is None:
            return METRICS_LIMIT
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("must be a whole number")
        try:
            number = float(value)
        except ValueError:
            raise ValueError("must be a whole number") from None
        if not number.is_integer():
            raise ValueError("must be a whole number")
        if number < 1:
            raise ValueError("must be at least 1")
        return min(int(number), MAX_METRICS_LIMIT)

    @model_validator(mode="after")
    def _consistent(self) -> MetricsArgs:
        _check_range(self.start_date, self.end_date, "start_date", "end_date")
        if len(set(self.group_by)) != len(self.group_by):
            raise ToolArgumentError("group_by", "a grouping is listed twice")
        if (
            self.min_amount is not None
            and self.max_amount is not None
            and self.max_amount < self.min_amount
        ):
            raise ToolArgumentError("max_amount", "must not be below min_amount")
        by_product: list[str] = [d for d in self.group_by if d in ITEM_DIMENSIONS]
        by_product += [f for f in ITEM_FILTERS if getattr(self, f) is not None]
        per_order = [m for m in self.metrics if not METRICS[m].per_item]
        if by_product and per_order:
            raise ToolArgumentError(
                "metrics",
                f"{', '.join(per_order)} are recorded per order, not per product: they cannot "
                f"be split or filtered by {', '.join(dict.fromkeys(by_product))}",
            )
        return self
