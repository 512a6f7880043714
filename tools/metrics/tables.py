"""The tables the metrics read, described for SQLAlchemy Core (no ORM, no engine): the shop's
own tables and the rollups sql/schema.sql keeps (see its "metrics rollups" section)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

_meta = sa.MetaData()


def _table(name: str, *columns: tuple[str, Any]) -> sa.Table:
    return sa.Table(name, _meta, *(sa.Column(column, kind) for column, kind in columns))


uuid, text, money = sa.Uuid, sa.Text, sa.Numeric
orders = _table(
    "orders",
    ("id", uuid),
    ("status", sa.Integer),
    ("created_at", sa.DateTime(timezone=True)),
    ("customer_id", text),
    ("creator_id", uuid),
    ("final_total_price", money),
    ("tax", money),
    ("discount", money),
    ("payment_method", text),
)
order_items = _table(
    "order_items",
    ("order_id", uuid),
    ("product_id", uuid),
    ("inventory_id", uuid),
    ("quantity", sa.Integer),
    ("total_price", money),
)
products = _table("products", ("id", uuid), ("name", text), ("category", text), ("brand", text))
customers = sa.Table("customers", _meta, sa.Column("id", sa.Text), sa.Column("premium", sa.Boolean))


def _order_sums(name: str, period: str, *keys: sa.Column[Any]) -> sa.Table:
    """A rollup of orders: counts and sums by zone, local day (or month), status and keys."""
    return sa.Table(
        name,
        _meta,
        sa.Column("zone", sa.Text),
        sa.Column(period, sa.Date),
        *keys,
        sa.Column("status", sa.SmallInteger),
        sa.Column("orders", sa.BigInteger),
        sa.Column("total", sa.Numeric),
        sa.Column("tax", sa.Numeric),
        sa.Column("discount", sa.Numeric),
        sa.Column("units", sa.BigInteger),
    )


def _item_sums(name: str, period: str) -> sa.Table:
    """A rollup of order items: lines, units and totals by zone, local day or month, status
    and inventory line."""
    return sa.Table(
        name,
        _meta,
        sa.Column("zone", sa.Text),
        sa.Column(period, sa.Date),
        sa.Column("status", sa.SmallInteger),
        sa.Column("product_id", sa.Uuid),
        sa.Column("inventory_id", sa.Uuid),
        sa.Column("lines", sa.BigInteger),
        sa.Column("units", sa.BigInteger),
        sa.Column("total", sa.Numeric),
    )


customer_first = sa.Table(
    "metrics_customer_first",
    _meta,
    sa.Column("customer_id", sa.Text),
    sa.Column("first_at", sa.DateTime(timezone=True)),
    sa.Column("first_order", sa.Uuid),
)
order_days = _order_sums(
    "metrics_order_days", "day", sa.Column("employee_id", sa.Uuid), sa.Column("payment", sa.Text)
)
order_hours = _order_sums("metrics_order_hours", "day", sa.Column("hour", sa.SmallInteger))
customer_months = _order_sums("metrics_customer_months", "month", sa.Column("customer_id", sa.Text))
item_days = _item_sums("metrics_item_days", "day")
item_months = _item_sums("metrics_item_months", "month")
