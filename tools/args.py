"""Pydantic argument models of every tool: validation, and the JSON schemas the model sees.

Over 300 lines on purpose: one model per tool, kept together so that their shared types
(dates, text, money, limits) and error messages stay the same.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from config import EscalationKind

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ToolArgumentError(ValueError):
    """An invalid tool argument; `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _iso_date(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        return value.strip()
    raise ValueError("must be a date written YYYY-MM-DD")


def _text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    raise ValueError("must be text")


LocalDate = Annotated[date | None, BeforeValidator(_iso_date)]
Text = Annotated[str | None, BeforeValidator(_text)]
# A threshold is any finite, non-negative amount ("over 33.333" is a fair question); the SQL
# compares it exactly as a numeric.
Money = Annotated[Decimal | None, Field(ge=0, allow_inf_nan=False)]


class ToolArgs(BaseModel):
    """Base of all argument models: unknown keys are rejected, values validated."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Limited(ToolArgs):
    """A list tool: `limit` defaults to 20, is capped at 100, and must be positive."""

    limit: int = Field(DEFAULT_LIMIT, description="How many rows to list (1-100).")

    @field_validator("limit", mode="before")
    @classmethod
    def _limit(cls, value: Any) -> Any:
        if value is None:
            return cls.model_fields["limit"].default
        if isinstance(value, bool) or not isinstance(value, int | str | float):
            raise ValueError("must be a whole number")
        number = int(value) if not isinstance(value, float) or value.is_integer() else value
        if not isinstance(number, int):
            raise ValueError("must be a whole number")
        if number <= 0:
            raise ValueError("must be at least 1")
        return min(number, MAX_LIMIT)


def _check_range(start: date | None, end: date | None, start_name: str, end_name: str) -> None:
    if start is not None and end is not None and end < start:
        raise ToolArgumentError(end_name, f"must not be before {start_name}")


# ----------------------------------------------------------------- owner tools


class RevenueArgs(Limited):
    """Arguments of get_revenue_by_filters."""

    start_date: LocalDate = Field(None, description="First day, YYYY-MM-DD in shop time.")
    end_date: LocalDate = Field(None, description="Last day (inclusive), YYYY-MM-DD.")
    employee_name: Text = Field(None, description="Part of the staff member's name.")
    customer_email: Text = Field(None, description="The customer's exact e-mail address.")
    payment_method: Text = Field(None, description="cash, bank (banking), card or e-wallet.")
    min_amount: Money = Field(None, description="Smallest order total to include.")
    max_amount: Money = Field(None, description="Largest order total to include.")

    @model_validator(mode="after")
    def _ranges(self) -> RevenueArgs:
        _check_range(self.start_date, self.end_date, "start_date", "end_date")
        if (
            self.min_amount is not None
            and self.max_amount is not None
            and self.max_amount < self.min_amount
        ):
            raise ToolArgumentError("max_amount", "must not be below min_amount")
        return self


class SalesSummaryArgs(ToolArgs):
    """Arguments of get_sales_summary_by_period."""

    period: Literal["day", "week", "month", "quarter", "year"] = Field(
        description="Calendar period in shop time; weeks run Monday-Sunday."
    )
    periods_back: int = Field(
        0, ge=0, le=1000, description="0 = the current period, 1 = the previous one, ..."
    )
    employee_name: Text = Field(None, description="Only orders taken by this staff member.")

    @field_validator("period", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class ProductsArgs(Limited):
    """Arguments of find_products_by_criteria."""

    product_name: Text = Field(None, description="Part of the product name.")
    category: Text = Field(None, description="Part of the category name.")
    brand: Text = Field(None, description="Part of the brand name.")
    min_price: Money = Field(None, description="Lowest unit price.")
    max_price: Money = Field(None, description="Highest unit price.")
    low_stock: bool = Field(False, description="Only lines at or below their restock threshold.")
    include_sales_data: bool = Field(
        False, description="Add units sold and revenue; sorts by revenue (best sellers)."
    )
    date_range_start: LocalDate = Field(None, description="Sales from this day, YYYY-MM-DD.")
    date_range_end: LocalDate = Field(None, description="Sales until this day (inclusive).")

    @model_validator(mode="after")
    def _ranges(self) -> ProductsArgs:
        _check_range(
            self.date_range_start, self.date_range_end, "date_range_start", "date_range_end"
        )
        if self.min_price is not None and self.max_price is not None:
            if self.max_price < self.min_price:
                raise ToolArgumentError("max_price", "must not be below min_price")
        return self


class CustomersArgs(Limited):
    """Arguments of find_customers_by_criteria."""

    customer_name: Text = Field(None, description="Part of the customer's name.")
    customer_email: Text = Field(None, description="Part of the customer's e-mail.")
    is_premium: bool | None = Field(None, description="Only premium (true) or regular (false).")
    min_orders: int | None = Field(None, ge=0, description="At least this many completed orders.")
    min_spent: Money = Field(None, description="At least this much spent.")
    date_range_start: LocalDate = Field(None, description="Count orders from this day.")
    date_range_end: LocalDate = Field(None, description="Count orders until this day (inclusive).")
    inactive_since: LocalDate = Field(
        None,
        description="Only customers with a completed order but none on or after this day "
        "('who hasn't ordered recently'), top spenders first.",
    )

    @model_validator(mode="after")
    def _ranges(self) -> CustomersArgs:
        _check_range(
            self.date_range_start, self.date_range_end, "date_range_start", "date_range_end"
        )
        return self


StockLevel = Literal["out_of_stock", "critical", "low", "normal", "high", "needs_restock"]


class InventoryArgs(Limited):
    """Arguments of get_inventory_status."""

    limit: int = Field(50, description="How many lines to list (1-100).")
    category: Text = Field(None, description="Part of the category name.")
    brand: Text = Field(None, description="Part of the brand name.")
    stock_level: StockLevel | None = Field(
        None,
        description="One status, or needs_restock = out_of_stock + critical + low.",
    )

    @field_validator("stock_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().lower().replace(" ", "_").replace("-", "_")
            return value or None
        return value


class EmployeeMetricsArgs(ToolArgs):
    """Arguments of get_employee_metrics."""

    employee_name: Text = Field(None, description="Part of the staff member's name.")
    start_date: LocalDate = Field(None, description="First day, YYYY-MM-DD.")
    end_date: LocalDate = Field(None, description="Last day (inclusive), YYYY-MM-DD.")
    metric_type: Literal["sales", "orders", "customers"] = Field(
        "sales", description="Rank by sales, number of orders, or unique customers."
    )

    @model_validator(mode="after")
    def _ranges(self) -> EmployeeMetricsArgs:
        _check_range(self.start_date, self.end_date, "start_date", "end_date")
        return self


class OrderSearchArgs(Limited):
    """Arguments of search_orders_by_text."""

    search_text: str = Field(
        min_length=1,
        max_length=200,
        description="Text in the customer's name or e-mail, note, shipping, staff or product.",
    )

    @field_validator("search_text", mode="before")
    @classmethod
    def _strip(cls, value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value


class InsightsArgs(ToolArgs):
    """Arguments of get_business_insights."""

    insight_type: Literal["overview", "sales", "inventory", "products"] = Field(
        "overview", description="Which overview; all return revenue, top products and alerts."
    )
    days_back: int = Field(
        30, ge=1, le=3660, description="Window of the last N days, today included."
    )


# --------------------------------------------------------------- shopper tools


class SearchProductsArgs(ToolArgs):
    """Arguments of search_products."""

    query: str = Field(min_length=1, max_length=200, description="What the shopper is looking for.")
    category: Text = Field(None, description="Limit to a category.")
    brand: Text = Field(None, description="Limit to a brand.")
    max_price: Money = Field(None, description="Highest price the shopper wants.")
    in_stock_only: bool = Field(True, description="Leave out sold-out products when browsing.")
    limit: int = Field(5, ge=1, le=20, description="How many products (1-20).")


class ProductDetailsArgs(ToolArgs):
    """Arguments of get_product_details."""

    product_name: str = Field(min_length=1, max_length=200, description="The product's name.")


class MyOrdersArgs(ToolArgs):
    """Arguments of get_my_orders (the shopper is known from the conversation)."""

    limit: int = Field(5, ge=1, le=20, description="How many recent orders.")


# ------------------------------------------------------------------ ask the shop


class KnowledgeSearchArgs(ToolArgs):
    """Arguments of search_shop_knowledge."""

    query: str = Field(
        min_length=1, max_length=300, description="The question, in the person's own words."
    )


class AskStaffArgs(ToolArgs):
    """Arguments of ask_staff."""

    question: str = Field(
        min_length=2,
        max_length=300,
        description="What the shop's staff should answer, clearly, in the shopper's words.",
    )
    kind: EscalationKind = Field(
        "question",
        description="question: a fact only the shop can answer (delivery, hours, policies); "
        "support: a problem with an order (damaged, missing, wrong, refund) or the shopper "
        "wants a person.",
    )

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value


class AnswerEscalationArgs(ToolArgs):
    """Arguments of answer_escalation."""

    reference: int = Field(description='The escalation\'s reference, e.g. 12 or "#12".')
    answer: str = Field(
        min_length=1,
        max_length=2000,
        description="The answer for the shopper, as the staff gave it.",
    )
    save_to_knowledge: bool = Field(
        True, description="Also remember it in the shop knowledge for the next shopper."
    )

    @field_validator("reference", mode="before")
    @classmethod
    def _reference(cls, value: Any) -> Any:
        if isinstance(value, str):
            digits = value.strip().lstrip("#").strip()
            if not digits.isdigit():
                raise ValueError("must be a reference like #12")
            return int(digits)
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a reference like #12")
        return value


A = TypeVar("A", bound=ToolArgs)


def validate_args(model: type[A], values: dict[str, Any]) -> A:
    """Validate `values` with `model`; raise ToolArgumentError naming the first bad field."""
    try:
        return model.model_validate(values)
    except ToolArgumentError:
        raise
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or model.__name__
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, ToolArgumentError):
            raise cause from None
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ToolArgumentError(field, message) from None
