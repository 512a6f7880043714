"""What `query_metrics` can measure and group by: the reviewed definitions the SQL is built from.

Every rule in one place:
- Order statuses: 0 pending, 1 completed, 2 cancelled, 3 refunded. Money and counts of sales
  are over completed orders only; cancelled/refunded/pending have their own metrics.
- Two grains. Without a product, variant, category or brand in the question, facts are orders
  and money is `orders.final_total_price` (after discount, with tax). With one, facts are the
  matching order items of those orders and money is their `order_items.total_price` (the rule
  `find_products_by_criteria` uses): the shop records discounts and tax per order, so those two
  metrics cannot be split by product.
- Time is shop-local (SHOP_TIMEZONE); weeks start on Monday; bounds are computed in Python and
  compared with `created_at` as instants, so indexes serve every zone.
"""

from __future__ import annotations

from dataclasses import dataclass

PENDING, COMPLETED, CANCELLED, REFUNDED = 0, 1, 2, 3


@dataclass(frozen=True)
class Metric:
    """One measure: how it aggregates, over which status, and how it reads."""

    name: str
    kind: str  # count, sum, distinct, ratio, new
    status: int | None = COMPLETED
    column: str | None = None  # the fact column summed (order grain; item grain below)
    item_column: str | None = None  # at item grain; None: not available per product
    money: bool = False
    label: str = ""
    parts: tuple[str, str] | None = None  # a ratio: (numerator, denominator) metrics

    @property
    def per_item(self) -> bool:
        """Whether the metric can be split by product, variant, category or brand."""
        return self.kind != "sum" or self.item_column is not None


METRICS: dict[str, Metric] = {
    metric.name: metric
    for metric in (
        Metric("revenue", "sum", COMPLETED, "final_total_price", "item_total", True, "Revenue"),
        Metric("orders", "count", COMPLETED, label="Orders"),
        Metric(
            "average_order_value",
            "ratio",
            money=True,
            label="Average order",
            parts=("revenue", "orders"),
        ),
        Metric("units_sold", "sum", COMPLETED, "units", "quantity", label="Units sold"),
        Metric("customers", "distinct", COMPLETED, "customer_id", label="Customers"),
        Metric("new_customers", "new", COMPLETED, label="New customers"),
        Metric("cancelled_orders", "count", CANCELLED, label="Cancelled orders"),
        Metric(
            "cancelled_value",
            "sum",
            CANCELLED,
            "final_total_price",
            "item_total",
            True,
            "Cancelled value",
        ),
        Metric("refunded_orders", "count", REFUNDED, label="Refunded orders"),
        Metric(
            "refunded_value",
            "sum",
            REFUNDED,
            "final_total_price",
            "item_total",
            True,
            "Refunded value",
        ),
        Metric("pending_orders", "count", PENDING, label="Pending orders"),
        Metric("discounts", "sum", COMPLETED, "discount", None, True, "Discounts"),
        Metric("tax", "sum", COMPLETED, "tax", None, True, "Tax"),
        Metric(
            "items_per_order",
            "ratio",
            label="Items per order",
            parts=("units_sold", "orders"),
        ),
    )
}

TIME_DIMENSIONS = ("day", "week", "month", "weekday", "hour")
ITEM_DIMENSIONS = ("product", "variant", "category", "brand")
ORDER_DIMENSIONS = ("employee", "payment_method", "customer")
DIMENSIONS = (*TIME_DIMENSIONS, *ITEM_DIMENSIONS, *ORDER_DIMENSIONS)
ITEM_FILTERS = ("product", "category", "brand")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")

# Shops type one payment method many ways; each group is one method (compared lower-case,
# trimmed). Anything else is grouped by its own lower-case spelling.
PAYMENT_GROUPS: dict[str, tuple[str, ...]] = {
    "bank": (
        "bank",
        "banking",
        "bank transfer",
        "transfer",
        "chuyển khoản",
        "chuyen khoan",
        "ck",
        "internet banking",
    ),
    "card": ("card", "credit card", "debit card", "thẻ", "the", "pos"),
    "cash": ("cash", "tiền mặt", "tien mat"),
    "e-wallet": ("e-wallet", "ewallet", "wallet", "momo", "zalopay", "vnpay", "ví điện tử"),
}


def payment_key(spelling: str | None) -> str | None:
    """The method a spelling belongs to ("Banking" → "bank"); None for an empty one."""
    if spelling is None:
        return None
    text = " ".join(spelling.strip().lower().split())
    if not text:
        return None
    for key, spellings in PAYMENT_GROUPS.items():
        if text in spellings:
            return key
    return text
