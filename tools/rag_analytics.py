"""Owner analytics over the shop's PostgreSQL: exact numbers, read-only, time-limited.

Shared rules (see sql/analytics.sql): revenue is the sum of `final_total_price`
over completed orders (status 1); dates are shop-local days in SHOP_TIMEZONE,
ranges inclusive on both ends and turned into timestamptz bounds here; text
filters are case-insensitive literal substring matches; lists take a `limit`
(default 20, capped at 100) and report how many rows matched in all.

Over 300 lines on purpose: the eight methods are one class, the contract the design names
(`RAGShopAnalytics()`), each a validated call of one named query.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from core.periods import day_bounds, local_date, local_today, period_range
from database import load_sql
from tools.args import (
    CustomersArgs,
    EmployeeMetricsArgs,
    InsightsArgs,
    InventoryArgs,
    OrderSearchArgs,
    ProductsArgs,
    RevenueArgs,
    SalesSummaryArgs,
    validate_args,
)
from tools.metrics.periods import next_month, whole_months
from tools.readonly import ReadOnlyQueries

SQL = load_sql("analytics.sql")
CENT = Decimal("0.01")
ORDER_STATUS = {0: "pending", 1: "completed", 2: "cancelled", 3: "refunded"}
# Shops type the same method differently; each key matches all of its spellings.
PAYMENT_SYNONYMS = {"bank": ("bank", "banking"), "banking": ("bank", "banking")}
NEEDS_RESTOCK = ["out_of_stock", "critical", "low"]


class Rows(list[dict[str, Any]]):
    """A list of result rows that also knows how many rows matched in all."""

    def __init__(self, rows: list[dict[str, Any]], total_count: int) -> None:
        super().__init__(rows)
        self.total_count = total_count


def like_escape(text: str) -> str:
    """`text` with LIKE's wildcards (and the escape character) escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def like_pattern(text: str | None) -> str | None:
    """`%text%` with LIKE's wildcards escaped, so the text matches literally."""
    if text is None:
        return None
    return f"%{like_escape(text)}%"


def payment_spellings(method: str | None) -> list[str] | None:
    """The lower-case spellings a payment method filter matches."""
    if method is None:
        return None
    key = method.strip().lower()
    return list(PAYMENT_SYNONYMS.get(key, (key,)))


def rollup_span(
    start: date | None, end: date | None
) -> tuple[date | None, date | None, date, date]:
    """How the item rollups cover [start, end] (open ends: all of history): the first days of
    the first and last whole months (None, None when there is none), and the local days."""
    first_day, last_day = start or date(1, 1, 1), end or date(9999, 12, 31)
    months = whole_months(first_day, last_day)
    if months is None:
        return None, None, first_day, last_day
    return months[0], months[1], first_day, last_day


def _given(arguments: dict[str, Any]) -> dict[str, Any]:
    """A method's own arguments (its `locals()` at entry), without `self`."""
    return {key: value for key, value in arguments.items() if key != "self"}


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT)


def _average(total: Decimal, count: int) -> Decimal:
    return (total / count).quantize(CENT) if count else Decimal("0.00")


class RAGShopAnalytics(ReadOnlyQueries):
    """The eight owner analytics methods; construct with no arguments after init_database()."""

    SQL = SQL

    def today(self) -> date:
        """Today in the shop's time zone."""
        return local_today(self.tz)

    # ------------------------------------------------------------------ 1
    async def get_revenue_by_filters(
        self,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        employee_name: str | None = None,
        customer_email: str | None = None,
        payment_method: str | None = None,
        min_amount: Any = None,
        max_amount: Any = None,
        limit: int = 20,
    ) -> dict[str, Any]:
        """Completed orders matching the filters: totals, and the newest `limit` orders.

        Args: start_date/end_date (inclusive local days), employee_name (substring),
        customer_email (exact, case-insensitive), payment_method (bank = banking),
        min_amount/max_amount (inclusive bounds on final_total_price), limit.
        """
        args = validate_args(RevenueArgs, _given(locals()))
        lower, upper = day_bounds(args.start_date, args.end_date, self.tz)
        rows = await self._fetch(
            "revenue_by_filters",
            [
                lower,
                upper,
                like_pattern(args.employee_name),
                args.customer_email,
                payment_spellings(args.payment_method),
                args.min_amount,
                args.max_amount,
                args.limit,
            ],
        )
        head = rows[0]
        orders = [
            {
                "order_id": str(row["order_id"]),
                "order_date": local_date(row["created_at"], self.tz),
                "revenue": _money(row["revenue"]),
                "customer_name": row["customer_name"],
                "customer_email": row["customer_email"],
                "employee_name": row["employee_name"],
                "payment_method": row["payment_method"],
            }
            for row in rows
            if row["order_id"] is not None
        ]
        return {
            "start_date": args.start_date.isoformat() if args.start_date else None,
            "end_date": args.end_date.isoformat() if args.end_date else None,
            "total_orders": int(head["total_orders"]),
            "total_revenue": _money(head["total_revenue"]),
            "orders": orders,
        }

    # ------------------------------------------------------------------ 2
    async def get_sales_summary_by_period(
        self, period: str, periods_back: int = 0, employee_name: str | None = None
    ) -> dict[str, Any]:
        """Totals for a calendar day/week/month/quarter/year in shop time, `periods_back` ago."""
        args = validate_args(SalesSummaryArgs, _given(locals()))
        start, end = period_range(args.period, args.periods_back, self.today())
        lower, upper = day_bounds(start, end, self.tz)
        row = (
            await self._fetch("sales_summary", [lower, upper, like_pattern(args.employee_name)])
        )[0]
        count = int(row["total_orders"])
        revenue = _money(row["total_revenue"])
        return {
            "period_type": args.period,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "total_orders": count,
            "total_revenue": revenue,
            "avg_order_value": _average(revenue, count),
            "total_tax": _money(row["total_tax"]),
            "total_discounts": _money(row["total_discounts"]),
        }

    # ------------------------------------------------------------------ 3
    async def find_products_by_criteria(
        self,
        product_name: str | None = None,
        category: str | None = None,
        brand: str | None = None,
        min_price: Any = None,
        max_price: Any = None,
        low_stock: bool = False,
        include_sales_data: bool = False,
        date_range_start: date | str | None = None,
        date_range_end: date | str | None = None,
        limit: int = 20,
    ) -> Rows:
        """Active inventory lines by name/category/brand/price/low stock; optional sales data."""
        args = validate_args(ProductsArgs, _given(locals()))
        return await self._products(args)

    async def _products(self, args: ProductsArgs) -> Rows:
        lower, upper = day_bounds(args.date_range_start, args.date_range_end, self.tz)
        rolled = rollup_span(args.date_range_start, args.date_range_end)
        rows = await self._fetch(
            "products_by_criteria",
            [
                like_pattern(args.product_name),
                like_pattern(args.category),
                like_pattern(args.brand),
                args.min_price,
                args.max_price,
                args.low_stock,
                lower,
                upper,
                args.include_sales_data,
                args.limit,
                self.settings.SHOP_TIMEZONE if args.include_sales_data else None,
                *rolled,
            ],
        )
        result = []
        for row in rows:
            item = {
                "product_id": str(row["product_id"]),
                "inventory_id": str(row["inventory_id"]),
                "product_name": row["product_name"],
                "classification": row["classification"],
                "category": row["category"],
                "brand": row["brand"],
                "price": _money(row["price"]),
                "stock": int(row["stock"]),
                "low_stock_threshold": int(row["low_stock_threshold"]),
            }
            if args.include_sales_data:
                item["total_sold"] = int(row["total_sold"])
                item["total_revenue"] = _money(row["total_revenue"])
            result.append(item)
        return Rows(result, int(rows[0]["total_count"]) if rows else 0)

    # ------------------------------------------------------------------ 4
    async def find_customers_by_criteria(
        self,
        customer_name: str | None = None,
        customer_email: str | None = None,
        is_premium: bool | None = None,
        min_orders: int | None = None,
        min_spent: Any = None,
        date_range_start: date | str | None = None,
        date_range_end: date | str | None = None,
        limit: int = 20,
        inactive_since: date | str | None = None,
    ) -> Rows:
        """Customers with their completed orders (in the range when given), top spenders first.

        `inactive_since`: only customers with at least one completed order and none on or
        after that local day.
        """
        args = validate_args(CustomersArgs, _given(locals()))
        lower, upper = day_bounds(args.date_range_start, args.date_range_end, self.tz)
        params = [
            like_pattern(args.customer_name),
            like_pattern(args.customer_email),
            args.is_premium,
            args.min_orders,
            args.min_spent,
            lower,
            upper,
            args.limit,
        ]
        if args.inactive_since is not None:
            since, _ = day_bounds(args.inactive_since, None, self.tz)
            rows = await self._fetch("customers_inactive_since", [*params, since])
        else:
            rolled = self._rolled_months(args.date_range_start, args.date_range_end)
            rows = await self._fetch("customers_by_criteria", [*params, *rolled])
        result = [
            {
                "customer_id": row["customer_id"],
                "customer_name": row["customer_name"],
                "customer_email": row["customer_email"],
                "premium": bool(row["premium"]),
                "customer_since": local_date(row["customer_since"], self.tz),
                "total_orders": int(row["total_orders"]),
                "total_spent": _money(row["total_spent"]),
                "last_order_date": local_date(row["last_order_at"], self.tz),
            }
            for row in rows
        ]
        return Rows(result, int(rows[0]["total_count"]) if rows else 0)

    def _rolled_months(self, start: date | None, end: date | None) -> list[Any]:
        """The customer months rollup's part of [start, end]: the zone, the first days of the
        first and last whole months, and the instants the months cover (all None without)."""
        months = whole_months(start, end) if start is not None and end is not None else None
        if months is None:
            return [None, None, None, None, None]
        first, last = months
        lower, _ = day_bounds(first, None, self.tz)
        after, _ = day_bounds(next_month(last), None, self.tz)
        return [self.settings.SHOP_TIMEZONE, first, last, lower, after]

    # ------------------------------------------------------------------ 5
    async def get_inventory_status(
        self,
        category: str | None = None,
        brand: str | None = None,
        stock_level: str | None = None,
        limit: int = 50,
    ) -> Rows:
        """Active inventory lines with stock status, most severe first (then lowest stock)."""
        args = validate_args(InventoryArgs, _given(locals()))
        return await self._inventory(args)

    async def _inventory(self, args: InventoryArgs) -> Rows:
        levels: list[str] | None = None
        if args.stock_level == "needs_restock":
            levels = NEEDS_RESTOCK
        elif args.stock_level is not None:
            levels = [args.stock_level]
        rows = await self._fetch(
            "inventory_status",
            [like_pattern(args.category), like_pattern(args.brand), levels, args.limit],
        )
        result = [
            {
                "product_name": row["product_name"],
                "classification": row["classification"],
                "category": row["category"],
                "brand": row["brand"],
                "stock": int(row["stock"]),
                "low_stock_threshold": int(row["low_stock_threshold"]),
                "price": _money(row["price"]),
                "inventory_value": _money(row["inventory_value"]),
                "stock_status": row["stock_status"],
            }
            for row in rows
        ]
        return Rows(result, int(rows[0]["total_count"]) if rows else 0)

    # ------------------------------------------------------------------ 6
    async def get_employee_metrics(
        self,
        employee_name: str | None = None,
        start_date: date | str | None = None,
        end_date: date | str | None = None,
        metric_type: str = "sales",
    ) -> Rows:
        """Staff performance over completed orders in the range; idle staff listed with zeros."""
        args = validate_args(EmployeeMetricsArgs, _given(locals()))
        lower, upper = day_bounds(args.start_date, args.end_date, self.tz)
        rows = await self._fetch(
            "employee_metrics",
            [like_pattern(args.employee_name), lower, upper, args.metric_type],
        )
        result = []
        for row in rows:
            sales = _money(row["total_sales"])
            count = int(row["total_orders"])
            result.append(
                {
                    "employee_name": row["employee_name"],
                    "role": row["role"],
                    "total_orders": count,
                    "total_sales": sales,
                    "avg_order_value": _average(sales, count),
                    "unique_customers": int(row["unique_customers"]),
                    "last_sale_date": local_date(row["last_sale_at"], self.tz),
                }
            )
        return Rows(result, len(result))

    # ------------------------------------------------------------------ 7
    async def search_orders_by_text(self, search_text: str, limit: int = 20) -> Rows:
        """Orders of any status mentioning the text (customer, note, shipping, staff, product)."""
        args = validate_args(OrderSearchArgs, _given(locals()))
        rows = await self._fetch(
            "search_orders_by_text", [like_pattern(args.search_text), args.limit]
        )
        result = [
            {
                "order_id": str(row["order_id"]),
                "order_date": local_date(row["created_at"], self.tz),
                "status": int(row["status"]),
                "status_label": ORDER_STATUS.get(int(row["status"]), "unknown"),
                "final_total_price": _money(row["final_total_price"]),
                "customer_name": row["customer_name"],
                "customer_email": row["customer_email"],
                "employee_name": row["employee_name"],
                "note": row["note"],
            }
            for row in rows
            if row["order_id"] is not None
        ]
        return Rows(result, int(rows[0]["total_count"]) if rows else 0)

    # ------------------------------------------------------------------ 8
    async def get_business_insights(
        self, insight_type: str = "overview", days_back: int = 30
    ) -> dict[str, Any]:
        """Revenue, top products and stock alerts over the last `days_back` local days."""
        args = validate_args(InsightsArgs, _given(locals()))
        end = self.today()
        start = end - timedelta(days=args.days_back - 1)
        lower, upper = day_bounds(start, end, self.tz)
        summary, top, low = await asyncio.gather(
            self._fetch("sales_summary", [lower, upper, None]),
            self._products(
                ProductsArgs(
                    include_sales_data=True, date_range_start=start, date_range_end=end, limit=5
                )
            ),
            self._inventory(InventoryArgs(stock_level="needs_restock", limit=5)),
        )
        count = int(summary[0]["total_orders"])
        revenue = _money(summary[0]["total_revenue"])
        return {
            "insight_type": args.insight_type,
            "period_start": start.isoformat(),
            "period_end": end.isoformat(),
            "revenue_summary": {
                "total_orders": count,
                "total_revenue": revenue,
                "avg_order_value": _average(revenue, count),
            },
            "top_products": list(top),
            "inventory_alerts": low.total_count,
            "low_stock_items": list(low),
        }
