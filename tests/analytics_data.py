"""Hand-computable datasets for tests/test_rag_analytics.py.

Every dataset starts by truncating the shop tables, then inserts a few rows with
round amounts. Dates are shop-local (Asia/Ho_Chi_Minh, UTC+7, no DST) and built
relative to today in that zone, so "today"-based methods can be checked.

THE MAIN DATASET (T = today in the shop's zone, T-n = n days before):

Employees: Alice Nguyen (manager, active), Bob Tran (cashier, active),
Dave Former (cashier, INACTIVE, took one order), Eve Idle (barista, active, no
orders), Frank Gone (cashier, INACTIVE, no orders).

Customers: Ann Le <Ann@Example.com> premium, created T-200 00:30 local
(= T-201 17:30 UTC); Ben Pham <ben@example.com>; Cat Vo <cat@example.com>
premium (only non-completed orders); Dan Ho <dan@example.com> (no orders).

Active inventory lines (I6 is inactive and must never be listed):
  I1 Jasmine Tea 100g   cat Tea      brand Lotus         price 100.00 stock  0 thr 10
  I2 Jasmine Tea 250g   cat Tea      brand Lotus         price 250.00 stock 50 thr 10
  I3 Tea 100% Pure      cat Tea      brand Highland      price  50.00 stock  5 thr 10
  I4 Green_Tea Bags     cat Tea Bags brand Lotus Garden  price  20.00 stock 10 thr 10
  I5 Coffee Beans       cat Coffee   brand Highland      price 200.00 stock 15 thr 10
  I6 Old Mug            cat Merch    brand Shop          price  30.00 stock  0 thr  5 INACTIVE
  I7 Ceramic Cup        cat Merch    brand Shop          price  40.00 stock  3 thr  0

Orders (local time; st 1 completed, 0 pending, 2 cancelled, 3 refunded):
  O1  T-100 10:00 Ann Alice st1  100.00 tax 10 disc  0 cash    I2 x1 100.00
  O2  T-100 23:30 Ben Bob   st1  250.00 tax 25 disc  5 Banking I5 x1 200.00, I4 x2 50.00
  O3  T-99  00:30 Ann Dave  st1  400.00 tax 40 disc  0 bank    I2 x2 400.00  (UTC: T-100 17:30)
  O4  T-10  12:00 Ben Alice st1 1000.00 tax 100 disc 50 BANK   I5 x5 1000.00
  O5  T-10  13:00 Cat Bob   st0 3000.00                cash    I3 x10 3000.00
  O6  T-10  14:00 Cat Bob   st2 5000.00                card    I3 x10 5000.00
  O7  T-10  15:00 Ann Alice st3 7000.00                card    I1 x7 7000.00
  O8  T-30  23:30 Ben Bob   st1   50.00 tax 5          card    I4 x2 40.00
  O9  T-29  00:30 Ben Bob   st1   20.00 tax 2          cash    I4 x1 20.00   (UTC: T-30 17:30)
  O10 T     00:30 Ben Alice st1   80.00 tax 8          card    I4 x4 80.00   (UTC: T-1 17:30)
  O11 T-5   12:00 Ben Bob   st1   30.00 tax 3          cash    (no items)

Completed: 100 + 250 + 400 + 1000 + 50 + 20 + 80 + 30 = 1930.00 over 8 orders.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

SHOP_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NEW_YORK = ZoneInfo("America/New_York")

TRUNCATE = (
    "TRUNCATE employees, customers, products, product_inventory, product_media,"
    " orders, order_items CASCADE"
)


def shop_today(tz: ZoneInfo = SHOP_TZ) -> date:
    return datetime.now(tz).date()


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = SHOP_TZ) -> datetime:
    """An aware instant: `day` at hour:minute on the shop's wall clock."""
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


@dataclass
class Dataset:
    today: date
    ids: dict[str, str] = field(default_factory=dict)  # label -> id as text

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def iso(self, days_ago: int) -> str:
        return self.day(days_ago).isoformat()

    def label_of(self, order_id: str) -> str:
        for label, value in self.ids.items():
            if value == order_id:
                return label
        return f"<unknown {order_id}>"


class Writer:
    """Parameterised inserts on one Tortoise connection."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def sql(self, query: str, params: list[Any] | None = None) -> None:
        await self.conn.execute_query(query, params or [])

    async def employee(self, name: str, role: str, status: int = 1) -> uuid.UUID:
        key = uuid.uuid4()
        await self.sql(
            "INSERT INTO employees (id, name, role, status) VALUES ($1, $2, $3, $4)",
            [key, name, role, status],
        )
        return key

    async def customer(
        self, cid: str, name: str, email: str, premium: bool, created_at: datetime
    ) -> str:
        await self.sql(
            "INSERT INTO customers (id, name, email, premium, created_at)"
            " VALUES ($1, $2, $3, $4, $5)",
            [cid, name, email, premium, created_at],
        )
        return cid

    async def product(self, name: str, category: str, brand: str) -> uuid.UUID:
        key = uuid.uuid4()
        await self.sql(
            "INSERT INTO products (id, name, category, brand) VALUES ($1, $2, $3, $4)",
            [key, name, category, brand],
        )
        return key

    async def line(
        self,
        product_id: uuid.UUID,
        classification: str | None,
        price: str,
        stock: int,
        threshold: int,
        status: int = 1,
    ) -> uuid.UUID:
        key = uuid.uuid4()
        await self.sql(
            "INSERT INTO product_inventory"
            " (id, product_id, classification, price, stock, low_stock_threshold, status)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)",
            [key, product_id, classification, Decimal(price), stock, threshold, status],
        )
        return key

    async def order(
        self,
        *,
        customer: str,
        employee: uuid.UUID | None,
        status: int,
        total: str,
        created_at: datetime,
        tax: str = "0",
        discount: str = "0",
        payment: str | None = None,
        note: str | None = None,
        shipping: str | None = None,
        items: Iterable[tuple[uuid.UUID, uuid.UUID, int, str]] = (),
    ) -> uuid.UUID:
        """Insert an order; items are (product_id, inventory_id, quantity, total_price)."""
        key = uuid.uuid4()
        await self.sql(
            "INSERT INTO orders (id, creator_id, customer_id, status, final_total_price, tax,"
            " discount, payment_method, note, shipping, created_at)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            [
                key,
                employee,
                customer,
                status,
                Decimal(total),
                Decimal(tax),
                Decimal(discount),
                payment,
                note,
                shipping,
                created_at,
            ],
        )
        for product_id, inventory_id, quantity, price in items:
            await self.sql(
                "INSERT INTO order_items"
                " (order_id, product_id, inventory_id, customer_id, quantity, total_price)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                [key, product_id, inventory_id, customer, quantity, Decimal(price)],
            )
        return key


async def _writer() -> Writer:
    from database import connection

    writer = Writer(connection())
    await writer.sql(TRUNCATE)
    return writer


# ---------------------------------------------------------------- main dataset


async def build_main() -> Dataset:
    w = await _writer()
    data = Dataset(shop_today())
    d = data.day
    ids = data.ids

    alice = await w.employee("Alice Nguyen", "manager")
    bob = await w.employee("Bob Tran", "cashier")
    dave = await w.employee("Dave Former", "cashier", status=0)
    await w.employee("Eve Idle", "barista")
    await w.employee("Frank Gone", "cashier", status=0)

    ann = await w.customer("cus-ann", "Ann Le", "Ann@Example.com", True, at(d(200), 0, 30))
    ben = await w.customer("cus-ben", "Ben Pham", "ben@example.com", False, at(d(200), 12))
    cat = await w.customer("cus-cat", "Cat Vo", "cat@example.com", True, at(d(200), 12))
    await w.customer("cus-dan", "Dan Ho", "dan@example.com", False, at(d(200), 12))

    jasmine = await w.product("Jasmine Tea", "Tea", "Lotus")
    pure = await w.product("Tea 100% Pure", "Tea", "Highland")
    green = await w.product("Green_Tea Bags", "Tea Bags", "Lotus Garden")
    coffee = await w.product("Coffee Beans", "Coffee", "Highland")
    mug = await w.product("Old Mug", "Merch", "Shop")
    cup = await w.product("Ceramic Cup", "Merch", "Shop")
    i1 = await w.line(jasmine, "100g", "100.00", 0, 10)
    i2 = await w.line(jasmine, "250g", "250.00", 50, 10)
    i3 = await w.line(pure, None, "50.00", 5, 10)
    i4 = await w.line(green, "box", "20.00", 10, 10)
    i5 = await w.line(coffee, "1kg", "200.00", 15, 10)
    i6 = await w.line(mug, None, "30.00", 0, 5, status=0)
    i7 = await w.line(cup, None, "40.00", 3, 0)
    for label, key in zip(
        ("I1", "I2", "I3", "I4", "I5", "I6", "I7"), (i1, i2, i3, i4, i5, i6, i7), strict=True
    ):
        ids[label] = str(key)

    # fmt: off
    orders = {
        "O1": dict(customer=ann, employee=alice, status=1, total="100.00", tax="10.00",
                   payment="cash", created_at=at(d(100), 10), note="gift wrap please",
                   shipping="12 Le Loi, Hanoi", items=[(jasmine, i2, 1, "100.00")]),
        "O2": dict(customer=ben, employee=bob, status=1, total="250.00", tax="25.00",
                   discount="5.00", payment="Banking", created_at=at(d(100), 23, 30),
                   shipping="Da Nang", items=[(coffee, i5, 1, "200.00"), (green, i4, 2, "50.00")]),
        "O3": dict(customer=ann, employee=dave, status=1, total="400.00", tax="40.00",
                   payment="bank", created_at=at(d(99), 0, 30), items=[(jasmine, i2, 2, "400.00")]),
        "O4": dict(customer=ben, employee=alice, status=1, total="1000.00", tax="100.00",
                   discount="50.00", payment="BANK", created_at=at(d(10), 12),
                   note="call before delivery", items=[(coffee, i5, 5, "1000.00")]),
        "O5": dict(customer=cat, employee=bob, status=0, total="3000.00", payment="cash",
                   created_at=at(d(10), 13), note="pending order",
                   items=[(pure, i3, 10, "3000.00")]),
        "O6": dict(customer=cat, employee=bob, status=2, total="5000.00", payment="card",
                   created_at=at(d(10), 14), items=[(pure, i3, 10, "5000.00")]),
        "O7": dict(customer=ann, employee=alice, status=3, total="7000.00", payment="card",
                   created_at=at(d(10), 15), items=[(jasmine, i1, 7, "7000.00")]),
        "O8": dict(customer=ben, employee=bob, status=1, total="50.00", tax="5.00",
                   payment="card", created_at=at(d(30), 23, 30), items=[(green, i4, 2, "40.00")]),
        "O9": dict(customer=ben, employee=bob, status=1, total="20.00", tax="2.00",
                   payment="cash", created_at=at(d(29), 0, 30), items=[(green, i4, 1, "20.00")]),
        "O10": dict(customer=ben, employee=alice, status=1, total="80.00", tax="8.00",
                    payment="card", created_at=at(d(0), 0, 30), items=[(green, i4, 4, "80.00")]),
        "O11": dict(customer=ben, employee=bob, status=1, total="30.00", tax="3.00",
                    payment="cash", created_at=at(d(5), 12)),
    }
    # fmt: on
    for label, values in orders.items():
        ids[label] = str(await w.order(**values))  # type: ignore[arg-type]
    return data


# ------------------------------------------------------- one calendar period


async def build_period(start: date, end: date) -> Dataset:
    """Orders hugging the inclusive local period [start, end]:

    in : start 00:30 local  100.00 tax 10.00 disc 5.00 (Alice)  -> previous day in UTC
    in : end   23:30 local  250.00 tax 25.00 disc 0.00 (Bob)
    out: start-1 23:30 local 1000.00, end+1 00:30 local 2000.00 (completed, outside)
    in but not completed: start 12:00 local, 5000.00 each with status 0, 2 and 3.
    Expected: 2 orders, 350.00 revenue, avg 175.00, tax 35.00, discounts 5.00.
    """
    w = await _writer()
    data = Dataset(shop_today())
    alice = await w.employee("Alice Nguyen", "manager")
    bob = await w.employee("Bob Tran", "cashier")
    cid = await w.customer("cus-p", "Period Customer", "p@example.com", False, at(start, 12))
    one = timedelta(days=1)
    rows = {
        "first": dict(
            employee=alice,
            status=1,
            total="100.00",
            tax="10.00",
            discount="5.00",
            created_at=at(start, 0, 30),
        ),
        "last": dict(
            employee=bob, status=1, total="250.00", tax="25.00", created_at=at(end, 23, 30)
        ),
        "before": dict(
            employee=alice,
            status=1,
            total="1000.00",
            tax="100.00",
            created_at=at(start - one, 23, 30),
        ),
        "after": dict(
            employee=alice, status=1, total="2000.00", tax="200.00", created_at=at(end + one, 0, 30)
        ),
        "pending": dict(employee=alice, status=0, total="5000.00", created_at=at(start, 12)),
        "cancelled": dict(employee=alice, status=2, total="5000.00", created_at=at(start, 12)),
        "refunded": dict(employee=alice, status=3, total="5000.00", created_at=at(start, 12)),
    }
    for label, values in rows.items():
        data.ids[label] = str(await w.order(customer=cid, **values))  # type: ignore[arg-type]
    return data


# --------------------------------------------------- stock status boundaries

# (threshold, stock) -> the status the contract gives it.
# fmt: off
STOCK_CASES: list[tuple[int, int, str]] = [
    (10, 0, "out_of_stock"),
    (10, 5, "critical"),   # 5 <= 0.5 * 10
    (10, 6, "low"),        # 6 > 5, 6 <= 10
    (10, 10, "low"),       # 10 <= 10
    (10, 11, "normal"),    # 11 > 10, 11 <= 20
    (10, 20, "normal"),    # 20 is not > 2 * 10
    (10, 21, "high"),      # 21 > 20
    (0, 3, "high"),        # 3 > 2 * 0
    (0, 0, "out_of_stock"),
    (5, 2, "critical"),    # 2 <= 2.5
    (5, 3, "low"),         # 3 > 2.5, 3 <= 5
    (5, 10, "normal"),     # 10 is not > 10
    (5, 11, "high"),
    (1, 0, "out_of_stock"),
    (1, 1, "low"),         # 1 > 0.5, 1 <= 1
    (3, 1, "critical"),    # 1 <= 1.5
    (3, 2, "low"),         # 2 > 1.5
]
# fmt: on


def stock_name(threshold: int, stock: int) -> str:
    return f"Boundary t{threshold:02d} s{stock:02d}"


async def build_stock_boundaries() -> Dataset:
    """One active line per STOCK_CASES row, price 12.50, category Boundary, brand Edge."""
    w = await _writer()
    data = Dataset(shop_today())
    for threshold, stock, _status in STOCK_CASES:
        product = await w.product(stock_name(threshold, stock), "Boundary", "Edge")
        data.ids[stock_name(threshold, stock)] = str(
            await w.line(product, None, "12.50", stock, threshold)
        )
    return data


# ------------------------------------------------------------- over 100 rows

BULK = 105


async def build_bulk() -> Dataset:
    """105 customers, products (one active line each) and completed 1.00 orders."""
    w = await _writer()
    data = Dataset(shop_today())
    clerk = await w.employee("Bulk Clerk", "cashier")
    await w.sql(
        "INSERT INTO customers (id, name, email, created_at)"
        " SELECT 'bulk-' || lpad(g::text, 3, '0'), 'Bulk Customer ' || lpad(g::text, 3, '0'),"
        "        'bulk' || g || '@example.com', $1::timestamptz"
        "   FROM generate_series(1, $2::int) g",
        [at(data.day(50), 12), BULK],
    )
    await w.sql(
        "INSERT INTO products (name, category, brand)"
        " SELECT 'Bulk Product ' || lpad(g::text, 3, '0'), 'Bulk', 'BulkBrand'"
        "   FROM generate_series(1, $1::int) g",
        [BULK],
    )
    await w.sql(
        "INSERT INTO product_inventory (product_id, price, stock, low_stock_threshold, status)"
        " SELECT id, 1.00, 100, 1, 1 FROM products"
    )
    await w.sql(
        "INSERT INTO orders (creator_id, customer_id, status, final_total_price, tax, discount,"
        "                    payment_method, note, created_at)"
        " SELECT $1::uuid, 'bulk-' || lpad(g::text, 3, '0'), 1, 1.00, 0, 0, 'cash',"
        "        'bulk order ' || g, $2::timestamptz - g * interval '1 minute'"
        "   FROM generate_series(1, $3::int) g",
        [clerk, at(data.day(1), 20), BULK],
    )
    await w.sql(
        "INSERT INTO order_items (order_id, product_id, inventory_id, customer_id, quantity,"
        "                         total_price)"
        " SELECT o.id, p.id, pi.id, o.customer_id, 1, 1.00"
        "   FROM orders o"
        "   JOIN products p ON p.name = 'Bulk Product ' || substr(o.customer_id, 6)"
        "   JOIN product_inventory pi ON pi.product_id = p.id"
    )
    return data


# ------------------------------------------------------------ DST (New York)


async def build_new_york_dst() -> Dataset:
    """Orders around 2026-03-08, the US spring-forward day (02:00 EST -> 03:00 EDT).

    N1 2026-03-07 23:30 EST (04:30 UTC on 03-08) 1000.00  -> local 03-07
    N2 2026-03-08 00:30 EST (05:30 UTC)           100.00  -> local 03-08
    N3 2026-03-08 23:30 EDT (03:30 UTC on 03-09)  250.00  -> local 03-08
    N4 2026-03-09 00:30 EDT (04:30 UTC)          2000.00  -> local 03-09
    """
    w = await _writer()
    data = Dataset(shop_today(NEW_YORK))
    clerk = await w.employee("Night Clerk", "cashier")
    cid = await w.customer(
        "cus-ny", "Nia York", "nia@example.com", False, at(date(2026, 1, 1), 12, tz=NEW_YORK)
    )
    rows = {
        "N1": ("1000.00", at(date(2026, 3, 7), 23, 30, tz=NEW_YORK)),
        "N2": ("100.00", at(date(2026, 3, 8), 0, 30, tz=NEW_YORK)),
        "N3": ("250.00", at(date(2026, 3, 8), 23, 30, tz=NEW_YORK)),
        "N4": ("2000.00", at(date(2026, 3, 9), 0, 30, tz=NEW_YORK)),
    }
    for label, (total, created) in rows.items():
        data.ids[label] = str(
            await w.order(
                customer=cid,
                employee=clerk,
                status=1,
                total=total,
                created_at=created,
                payment="cash",
            )
        )
    return data


# --------------------------------------------------------------- the loader

_current: dict[str, Any] = {"key": None, "data": None}


def forget() -> None:
    """The database no longer holds the loaded dataset (another loader replaced it)."""
    _current["key"] = None
    _current["data"] = None


def load(
    run: Callable[[Awaitable[Any]], Any],
    key: Any,
    builder: Callable[..., Awaitable[Dataset]],
    *args: Any,
) -> Dataset:
    """Make `key`'s dataset the database's content (rebuilding only when another was loaded)."""
    if _current["key"] != key:
        _current["key"] = None
        _current["data"] = run(builder(*args))
        _current["key"] = key
    return _current["data"]
