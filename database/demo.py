"""Deterministic demo data for Lotus Tea House, bulk-loaded with COPY: `python -m database.demo`.

Over 300 lines on purpose: the whole demo shop in one seeded stream — staff, customers,
catalogue, 15 months of orders — and its loader.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
import unicodedata
import uuid
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from asyncpg.pgproto.pgproto import UUID as PgUUID  # a uuid.UUID that asyncpg encodes fastest
from loguru import logger

from config import load_settings
from database.locks import DEMO_LOAD_LOCK_KEY, SCHEMA_LOCK_KEY
from database.queries import SQL_DIR, load_sql

Row = tuple[Any, ...]
CATALOG_PATH = Path(__file__).with_name("demo_catalog.json")
SCHEMA_PATH = SQL_DIR / "schema.sql"
OWN_SQL = load_sql("database.sql")
DAYS = 456  # about 15 months of trading, today included
CHUNK_ORDERS = 25_000
TRUSTED_LOAD_ORDERS = 100_000  # from this size, skip foreign-key triggers when allowed
SYNTHETIC_PER_SCALE = 40
CDN = "https://cdn.lotusteahouse.vn"
_COLUMNS = {
    "employees": "id name role permissions status hire_date end_date messenger_psid",
    "customers": "id name address email phone status premium",
    "products": "id name category images brand origin expiry_duration description condition "
    "creator_id",
    "product_inventory": "id product_id classification price stock barcode low_stock_threshold "
    "creator_id status",
    "product_media": "id url product_id media_type description creator_id status",
    "orders": "id creator_id customer_id status order_type invoice_requested invoice_url "
    "total_quantity subtotal_price discount discount_type tax final_total_price payment_method "
    "shipping note",
    "order_items": "id creator_id order_id product_id inventory_id customer_id quantity "
    "total_price",
}
COLUMNS = {table: (*names.split(), "created_at", "updated_at") for table, names in _COLUMNS.items()}
SHOP_TABLES = tuple(COLUMNS)
# name, role, messenger_psid, hired and left (days before today), share of the orders taken
EMPLOYEES = (
    ("Linh Tran", "owner", "6100000000000001", 2200, None, 0.1),
    ("Minh Nguyen", "manager", "6100000000000002", 1300, None, 0.5),
    ("An Le", "support", "6100000000000003", 700, None, 0.15),
    ("Thao Vo", "staff", None, 900, None, 1.0),
    ("Bao Huynh", "staff", None, 610, None, 1.0),
    ("Quynh Bui", "staff", None, 540, 122, 1.0),
    ("Khoa Dang", "staff", None, 270, None, 1.0),
)
PERMISSIONS = {
    "owner": {"analytics": True, "manage_staff": True, "manage_products": True, "refunds": True},
    "manager": {"analytics": True, "manage_products": True, "refunds": True},
    "support": {"customer_chat": True, "orders": True},
    "staff": {"orders": True, "pos": True},
}
DEMO_SHOPPER_ID = "7100000000000001"
DEMO_SHOPPER = (
    "Mai Pham",
    "88 Vo Van Tan, Ward 6, District 3, Ho Chi Minh City",
    "mai.pham@example.com",
    "0909 123 456",
    1,
    True,
)
# The demo shopper's orders: days ago, local time, status, (product, variant, quantity)...
SHOPPER_ORDERS = (
    (97, "12:40", 1, (("Mango Passion Smoothie", "M", 1), ("Croissant", "Plain", 1))),
    (38, "16:05", 1, (("Oat Milk Matcha Latte", "Iced", 2), ("Banana Bread Slice", "Slice", 1))),
    (6, "10:30", 1, (("Oat Milk Matcha Latte", "Hot", 1), ("Mango Passion Smoothie", "L", 1))),
    (1, "20:15", 0, (("Oat Milk Matcha Latte", "Iced", 2), ("Croissant", "Plain", 1))),
)
PHONE_PREFIXES = ("90", "91", "93", "97", "98", "86", "70", "79", "77", "89", "35", "38")
EDITIONS = ("Signature", "Seasonal", "Festival", "Reserve", "Limited", "Classic", "Family")
HOURS_CUM = tuple(accumulate((4, 6, 5, 4, 6, 9, 7, 6, 8, 9, 7, 6, 8, 7, 4)))  # 07:00 .. 21:00
ITEMS_CUM = tuple(accumulate((15, 22, 28, 20, 15)))  # 1 .. 5 lines per order
QTY_CUM = tuple(accumulate((70, 22, 8)))  # 1 .. 3 of each
STORE_PAY = ("cash", "Cash", "Banking", "bank", "card", "e-wallet")
STORE_CUM = tuple(accumulate((34, 10, 14, 10, 14, 18)))
ONLINE_PAY = ("Banking", "bank", "card", "e-wallet", "cash")
ONLINE_CUM = tuple(accumulate((25, 15, 15, 35, 10)))


@dataclass
class DemoSummary:
    """Rows loaded per shop table, and how long the load took."""

    employees: int = 0
    customers: int = 0
    products: int = 0
    product_inventory: int = 0
    product_media: int = 0
    orders: int = 0
    order_items: int = 0
    knowledge: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in asdict(self).items() if k != "seconds")
        return f"{counts} in {self.seconds:.1f}s"


@dataclass
class _Line:
    """One inventory line as orders need it: ids, price, and price times 1..3."""

    id: uuid.UUID
    product_id: uuid.UUID
    price: int
    totals: tuple[Decimal, ...]


def _uuid(rng: random.Random) -> uuid.UUID:
    """A random (version 4) uuid drawn from `rng`."""
    bits = rng.getrandbits(128) & ~(0xF << 76 | 0x3 << 62) | 0x4 << 76 | 0x2 << 62
    return PgUUID(bits.to_bytes(16, "big"))


def _uuid7(rng: random.Random, stamp: int) -> uuid.UUID:
    """A time-ordered (version 7) uuid, so primary-key indexes fill in order; see `_order`."""
    bits = rng.getrandbits(74)
    return PgUUID(
        (stamp | (bits >> 62) << 64 | 0x2 << 62 | bits & (1 << 62) - 1).to_bytes(16, "big")
    )


def _slug(name: str) -> str:
    """`name` as an ASCII url slug."""
    text = unicodedata.normalize("NFKD", name.replace("đ", "d").replace("Đ", "D"))
    text = text.encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in text).split())


def _barcode(seq: int) -> str:
    """A unique EAN-13 with Vietnam's 893 prefix."""
    digits = f"8938{seq:08d}"
    weighted = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits))
    return digits + str(-weighted % 10)


def _stock(rng: random.Random, level: str | None, threshold: int) -> int:
    """A stock count at `level`: out, critical, low, healthy (None) or random."""
    if level == "random":
        roll = rng.random()
        level = (
            "out" if roll < 0.02 else "critical" if roll < 0.05 else "low" if roll < 0.1 else None
        )
    if level == "out":
        return 0
    if level == "critical":
        return rng.randint(1, threshold // 2)
    if level == "low":
        return rng.randint(threshold // 2 + 1, threshold)
    return rng.randint(threshold * 3, threshold * 12)


def _dsn(dsn: str) -> str:
    """`dsn` with a scheme asyncpg accepts (postgres:// and postgresql:// already are)."""
    scheme, sep, rest = dsn.partition("://")
    return f"postgresql://{rest}" if sep and scheme in {"asyncpg", "psycopg"} else dsn


async def _has_rows(conn: asyncpg.Connection) -> bool:
    query = "SELECT EXISTS (SELECT 1 FROM products) OR EXISTS (SELECT 1 FROM orders)"
    return bool(await conn.fetchval(query))


async def is_demo_shop(conn: asyncpg.Connection) -> bool:
    """Whether the database holds the demo shop (its owner is there, as the demo made her)."""
    name, _, psid = EMPLOYEES[0][:3]
    query = "SELECT EXISTS (SELECT 1 FROM employees WHERE messenger_psid = $1 AND name = $2)"
    return bool(await conn.fetchval(query, psid, name))


async def remove_demo_shop(conn: asyncpg.Connection) -> None:
    """Remove the demo shop: its orders, catalogue, customers and staff, and the demo's own
    knowledge entries — not entries the shop added (they only lose who added them)."""
    await conn.execute("TRUNCATE order_items, orders")  # the rollups' truncate trigger follows
    for table in ("product_media", "product_inventory", "products", "customers", "employees"):
        await conn.execute(f"DELETE FROM {table}")  # a constant table name
    catalog = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
    questions = [entry["question"] for entry in catalog.get("knowledge", [])]
    await conn.execute("DELETE FROM shop_knowledge WHERE question = ANY ($1::text[])", questions)
    await rebuild_rollups(conn)


async def has_shop_data(dsn: str) -> bool:
    """Whether `products` or `orders` has any row (False when the tables do not exist yet)."""
    conn = await asyncpg.connect(_dsn(dsn))
    try:
        return await _has_rows(conn)
    except asyncpg.UndefinedTableError:
        return False
    finally:
        await conn.close()


async def apply_schema(dsn: str) -> None:
    """Apply sql/schema.sql as one simple-protocol script, serialised like the application."""
    conn = await asyncpg.connect(_dsn(dsn))
    try:
        async with conn.transaction():
            await conn.execute(OWN_SQL["advisory_xact_lock"], SCHEMA_LOCK_KEY)
            await conn.execute(SCHEMA_PATH.read_text(encoding="utf-8"))
    finally:
        await conn.close()


class _Shop:
    """Every row of the demo shop, drawn in a fixed order from one seeded random stream."""

    def __init__(self, seed: int, today: date, tz: ZoneInfo, customers: int, scale: int) -> None:
        self.rng, self.today, self.tz = random.Random(seed), today, tz
        self.data: dict[str, Any] = json.loads(CATALOG_PATH.read_text(encoding="utf-8"))
        self.start = today - timedelta(days=DAYS - 1)
        real_now, closing = datetime.now(tz), datetime.combine(today, clock(22), tz)
        # Today's orders end at the current time, so nothing is dated in the future.
        self.now = min(closing, real_now) if real_now.date() == today else closing
        self.since = datetime.combine(self.start, clock(0), tz) - timedelta(days=30)
        self.tables: dict[str, list[Row]] = {table: [] for table in SHOP_TABLES[:5]}
        self.order_rows: list[Row] = []
        self.item_rows: list[Row] = []
        self._employees()
        self._catalog(scale)
        self._customers(customers)

    def _at(self, days_ago: int, hhmm: str) -> datetime:
        day = self.today - timedelta(days=days_ago)
        return datetime.combine(day, clock.fromisoformat(hhmm), self.tz).astimezone(UTC)

    def _employees(self) -> None:
        self.staff: list[tuple[uuid.UUID, date, date | None, float]] = []
        for name, role, psid, hired, left, share in EMPLOYEES:
            eid, hire = _uuid(self.rng), self.today - timedelta(days=hired)
            end = self.today - timedelta(days=left) if left else None
            at, permissions = datetime.combine(hire, clock(9), self.tz), PERMISSIONS[role]
            row = (eid, name, role, json.dumps(permissions), 0 if end else 1, hire, end, psid)
            self.tables["employees"].append((*row, at, at))
            self.staff.append((eid, hire, end, share))

    def _catalog(self, scale: int) -> None:
        base: list[dict[str, Any]] = self.data["products"]
        self.lines: list[_Line] = []
        self.line_weights: list[tuple[float, bool]] = []  # (popularity, on sale)
        self.line_index: dict[tuple[str, str], int] = {}
        for i in range(len(base) + (scale - 1) * SYNTHETIC_PER_SCALE):
            item = dict(base[i % len(base)])
            if i >= len(base):  # a synthetic variant product, for benchmarks
                series, edition = i // len(base), EDITIONS[i % len(EDITIONS)]
                item["name"] = f"{item['name']} · {edition} Edition {series}"
                item["description"] += f" {edition} edition, batch {series}."
                item["popularity"] *= 0.3
                item["variants"] = [{**v, "level": "random"} for v in item["variants"]]
            self._product(item)

    def _product(self, item: dict[str, Any]) -> None:
        rng, pid, slug, name = self.rng, _uuid(self.rng), _slug(item["name"]), item["name"]
        creator = self.staff[0][0] if rng.random() < 0.6 else self.staff[1][0]
        at = self.since - timedelta(days=rng.randint(0, 400), minutes=rng.randint(0, 600))
        urls = [f"{CDN}/products/{slug}-{n}.jpg" for n in range(1, rng.choice((2, 3)))]
        row: Row = (pid, name, item["category"], json.dumps(urls), item["brand"], item["origin"])
        row += (item["expiry_days"], item["description"], "new", creator, at, at)
        self.tables["products"].append(row)
        for n, url in enumerate(urls, 1):
            media = (_uuid(rng), url, pid, "image", f"{name} photo {n}", creator, 1, at, at)
            self.tables["product_media"].append(media)
        popularity = self.data["category_weights"][item["category"]] * item["popularity"]
        for k, variant in enumerate(item["variants"]):
            lid, threshold, price = _uuid(rng), rng.randint(5, 20), variant["price"]
            stock, status = _stock(rng, variant.get("level"), threshold), variant.get("status", 1)
            barcode = _barcode(len(self.lines) + 1)
            row = (lid, pid, variant["label"], Decimal(price), stock, barcode, threshold, creator)
            self.tables["product_inventory"].append((*row, status, at, at))
            self.line_index[(name, variant["label"])] = len(self.lines)
            self.lines.append(_Line(lid, pid, price, tuple(Decimal(price * q) for q in (1, 2, 3))))
            weight = popularity * (0.6 if k else 1.0) * rng.uniform(0.6, 1.4)
            self.line_weights.append((weight, bool(status)))

    def _customers(self, count: int) -> None:
        rng, span = self.rng, (self.now - self.since).total_seconds()
        early = max(1, count // 4)  # regulars from before the window; the rest join during it
        joins = sorted(self.since - timedelta(days=rng.uniform(0, 700)) for _ in range(early))
        joins += sorted(
            self.since + timedelta(seconds=rng.uniform(0, span)) for _ in range(count - early)
        )
        loyalty = [min(rng.lognormvariate(0, 0.8), 12.0) for _ in range(count)]
        self.joins, self.customer_cum = joins, list(accumulate(loyalty))
        self.districts = [rng.choice(self.data["districts"]) for _ in range(count)]
        self.customer_ids = [f"cus_{i:06d}" for i in range(count)]
        for i, cid in enumerate(self.customer_ids):
            self.tables["customers"].append(self._customer(i, cid, loyalty[i]) + (joins[i],) * 2)
        joined = self._at(400, "09:12")
        self.tables["customers"].append((DEMO_SHOPPER_ID, *DEMO_SHOPPER, joined, joined))

    def _customer(self, i: int, cid: str, loyalty: float) -> Row:
        rng = self.rng
        family, family_vi = rng.choice(self.data["family_names"])
        given, given_vi = rng.choice(self.data["given_names"])
        name = f"{given} {family}"
        if rng.random() < 0.3:
            name = f"{family_vi} {rng.choice(self.data['middle_names'])} {given_vi}"
        email = None
        if rng.random() < 0.7:
            email = f"{given}.{family}{i}@Example.{rng.choice(('com', 'net', 'org'))}"
            email = email if rng.random() < 0.12 else email.lower()
        p = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**7):07d}"
        phone = rng.choice((f"0{p}", f"+84 {p[:2]} {p[2:5]} {p[5:]}", f"0{p[:2]} {p[2:5]} {p[5:]}"))
        address = None
        if rng.random() < 0.8:
            street, ward = rng.choice(self.data["streets"]), rng.randint(1, 15)
            address = f"{rng.randint(1, 450)} {street}, Ward {ward}, {self.districts[i]}"
            address += ", Ho Chi Minh City"
        premium = rng.random() < 0.04 + 0.08 * loyalty  # regulars tend to join the membership
        return (cid, name, address, email, phone, 0 if rng.random() < 0.02 else 1, premium)

    # ------------------------------------------------------------------ orders

    def _day_counts(self, total: int) -> list[int]:
        """Orders per day: slow growth, busier Fri-Sun, some noise; a partial day today."""
        rng, weights = self.rng, []
        for n in range(DAYS):
            day = self.start + timedelta(days=n)
            weight = (0.75 + 0.5 * n / (DAYS - 1)) * rng.uniform(0.85, 1.15)
            weight *= {4: 1.1, 5: 1.35, 6: 1.35}.get(day.weekday(), 1.0)
            weights.append(weight * (0.6 if day == self.today else 1.0))
        scale = total / sum(weights)
        counts = [int(w * scale) for w in weights]
        by_remainder = sorted(range(DAYS), key=lambda n: counts[n] - weights[n] * scale)
        for n in by_remainder[: total - sum(counts)]:  # largest remainders get the rest
            counts[n] += 1
        for n in (DAYS - 1, DAYS - 2):  # always some orders today and yesterday
            donor = max(range(DAYS - 2), key=counts.__getitem__)
            if counts[n] == 0 and counts[donor] > 0:
                counts[donor], counts[n] = counts[donor] - 1, 1
        return counts

    def _window(self, day: date) -> tuple[datetime, float]:
        """When `day`'s orders fall: opening hours, ending now (or in the last hour) for today."""
        opening = datetime.combine(day, clock(7), self.tz)
        if day != self.today:
            return opening.astimezone(UTC), 15 * 3600.0
        if self.now - opening < timedelta(hours=1):
            opening = max(datetime.combine(day, clock(0), self.tz), self.now - timedelta(hours=1))
        return opening.astimezone(UTC), max(1.0, min((self.now - opening).total_seconds(), 54000))

    def orders(self, total: int) -> Iterator[tuple[list[Row], list[Row]]]:
        """Yield (orders, order_items) rows in chunks, oldest first."""
        rng, shopper = self.rng, SHOPPER_ORDERS if total >= len(SHOPPER_ORDERS) else ()
        all_cum = list(accumulate(weight for weight, _ in self.line_weights))
        on_sale_cum = list(accumulate(weight * on for weight, on in self.line_weights))
        self.joined = 0
        for n, count in enumerate(self._day_counts(total - len(shopper))):
            day = self.start + timedelta(days=n)
            age, (begin, window) = (self.today - day).days, self._window(day)
            staff = [(e, s) for e, hired, end, s in self.staff if hired <= day < (end or date.max)]
            plan: Row = (on_sale_cum if age <= 60 else all_cum, [e for e, _ in staff])
            plan += (list(accumulate(s for _, s in staff)), (0.3, 0.1, 0.04, 0.0)[min(age, 3)])
            scale = window / 15
            for offset in sorted(
                (bisect(HOURS_CUM, rng.random() * HOURS_CUM[-1]) + rng.random()) * scale
                for _ in range(count)
            ):
                self._random_order(begin + timedelta(seconds=offset), plan)
            if len(self.order_rows) >= CHUNK_ORDERS:
                yield self.order_rows, self.item_rows
                self.order_rows, self.item_rows = [], []
        for days_ago, hhmm, status, lines in shopper:
            picks = {self.line_index[(name, label)]: qty for name, label, qty in lines}
            note = "ít đường" if status == 0 else None
            head = (status, None, DEMO_SHOPPER_ID, 2, "e-wallet", "Delivery to District 3", note)
            self._order(self._at(days_ago, hhmm), head, picks, ("percent", 10 * (days_ago == 6)))
        yield self.order_rows, self.item_rows

    def _random_order(self, created: datetime, plan: tuple[Any, ...]) -> None:
        rng, (line_cum, staff, staff_cum, pending) = self.rng, plan
        while self.joined < len(self.joins) and self.joins[self.joined] <= created:
            self.joined += 1
        cust = bisect(self.customer_cum, rng.random() * self.customer_cum[max(1, self.joined) - 1])
        roll = rng.random()
        status = 0 if roll < pending else 1 if roll < 0.89 else 2 if roll < 0.95 else 3
        online = rng.random() < 0.15  # ordered on Messenger or the website: no cashier
        creator = None if online else staff[bisect(staff_cum, rng.random() * staff_cum[-1])]
        if online:
            order_type = 2 if rng.random() < 0.8 else 1
            pay = ONLINE_PAY[bisect(ONLINE_CUM, rng.random() * ONLINE_CUM[-1])]
        else:
            order_type = 2 if rng.random() < 0.05 else 1
            pay = STORE_PAY[bisect(STORE_CUM, rng.random() * STORE_CUM[-1])]
        shipping = "pickup" if online else None
        if order_type == 2:
            shipping = f"Delivery to {self.districts[cust]}"
        note = rng.choice(self.data["notes"]) if rng.random() < 0.1 else None
        roll = rng.random()
        discount = ("percent", rng.choice((5, 10, 15, 20))) if roll < 0.08 else None
        discount = ("amount", 10000) if 0.08 <= roll < 0.12 else discount
        picks: dict[int, int] = {}
        for _ in range(bisect(ITEMS_CUM, rng.random() * ITEMS_CUM[-1]) + 1):
            line = bisect(line_cum, rng.random() * line_cum[-1])
            picks.setdefault(line, bisect(QTY_CUM, rng.random() * QTY_CUM[-1]) + 1)
        head = (status, creator, self.customer_ids[cust], order_type, pay, shipping, note)
        self._order(created, head, picks, discount)

    def _order(
        self, created: datetime, head: Row, picks: dict[int, int], discount: tuple[str, int] | None
    ) -> None:
        """Append one order and its items; head is (status, creator, customer, type, pay,
        shipping, note). Ids are uuid7 on `created`, so they sort by time as in a real shop."""
        rng, status, creator, customer = self.rng, head[0], head[1], head[2]
        stamp = int(created.timestamp() * 1000) << 80 | 0x7 << 76
        oid, subtotal, quantity = _uuid7(rng, stamp), 0, 0
        for index, qty in picks.items():
            line = self.lines[index]
            total = line.totals[qty - 1]
            item = (_uuid7(rng, stamp), creator, oid, line.product_id, line.id, customer, qty)
            self.item_rows.append((*item, total, created, created))
            subtotal, quantity = subtotal + line.price * qty, quantity + qty
        off = 0
        if discount and discount[0] == "percent":
            off = subtotal * discount[1] // 100
        elif discount and subtotal > 3 * discount[1]:
            off = discount[1]
        tax = ((subtotal - off) * 8 + 50) // 100  # 8% VAT, rounded half up to whole dong
        updated = created
        if status:
            minutes = rng.uniform(60, 2880) if status == 3 else rng.uniform(3, 40)
            updated = max(created, min(created + timedelta(minutes=minutes), self.now))
        invoice = status == 1 and rng.random() < 0.03
        row: Row = (oid, creator, customer, status, head[3], invoice)
        row += (f"{CDN}/invoices/{oid}.pdf" if invoice else None, quantity, Decimal(subtotal))
        row += (Decimal(off), discount[0] if off and discount else None, Decimal(tax))
        row += (Decimal(subtotal - off + tax), *head[4:], created, updated)
        self.order_rows.append(row)


async def load_demo_data(
    dsn: str,
    *,
    orders: int = 6000,
    seed: int = 42,
    today: date | None = None,
    timezone: str = "UTC",
    customers: int | None = None,
    products_scale: int = 1,
    replace: bool = False,
) -> DemoSummary:
    """Load the demo shop into an empty database (or over its shop data with replace=True)."""
    if orders < 0 or products_scale < 1 or (customers is not None and customers < 1):
        raise ValueError("need orders >= 0, products_scale >= 1 and customers >= 1")
    started, tz = time.perf_counter(), ZoneInfo(timezone)
    count = customers or max(200, orders // 20)
    shop = _Shop(seed, today or datetime.now(tz).date(), tz, count, products_scale)
    summary = DemoSummary(**{table: len(rows) for table, rows in shop.tables.items()})
    conn = await asyncpg.connect(_dsn(dsn))
    try:
        if orders >= TRUSTED_LOAD_ORDERS:
            await _skip_fk_checks(conn)
        async with conn.transaction():
            await conn.execute(OWN_SQL["advisory_xact_lock"], DEMO_LOAD_LOCK_KEY)
            if await _has_rows(conn):
                if not replace:
                    raise ValueError("the database already has shop data (use replace=True)")
                await conn.execute(f"TRUNCATE {', '.join(SHOP_TABLES)} CASCADE")
            for table, rows in shop.tables.items():
                await conn.copy_records_to_table(table, records=rows, columns=COLUMNS[table])
            await _copy_orders(conn, shop.orders(orders), summary)
            summary.knowledge = await _knowledge(conn, shop.data.get("knowledge", []))
            await rebuild_rollups(conn)
        await conn.execute("ANALYZE")  # the shop and rollup tables it just filled, and the rest
    finally:
        await conn.close()
    summary.seconds = round(time.perf_counter() - started, 2)
    return summary


async def rebuild_rollups(conn: asyncpg.Connection) -> None:
    """Rebuild the metrics rollups of every registered time zone: a large load skips the
    triggers that keep them (session_replication_role = replica), and a replaced shop's old
    sums must go."""
    if not await conn.fetchval("SELECT to_regclass('metrics_zones') IS NOT NULL"):
        return
    zones = [row["zone"] for row in await conn.fetch("SELECT zone FROM metrics_zones")]
    if zones:
        await conn.execute("LOCK TABLE orders, order_items IN SHARE MODE")
    for zone in zones:
        await conn.execute("SELECT metrics_build_zone($1)", zone)


async def _knowledge(conn: asyncpg.Connection, entries: list[dict[str, str]]) -> int:
    """The shop's standing answers (hours, delivery, payment), added by the owner once."""
    added = 0
    for entry in entries:
        status = await conn.execute(
            "INSERT INTO shop_knowledge (question, answer, employee_id, added_by, source)"
            " SELECT $1, $2, (SELECT id FROM employees WHERE messenger_psid = $3), $3, 'manual'"
            " WHERE NOT EXISTS (SELECT 1 FROM shop_knowledge WHERE question = $1)",
            entry["question"],
            entry["answer"],
            EMPLOYEES[0][2],
        )
        added += int(status.rsplit(" ", 1)[-1])
    return added


async def _skip_fk_checks(conn: asyncpg.Connection) -> None:
    """Skip foreign-key triggers in this session when allowed (superuser): the rows are
    consistent by construction, and the checks are over half of a large load's time."""
    try:
        await conn.execute("SET session_replication_role = replica")
    except asyncpg.InsufficientPrivilegeError:
        logger.debug("Demo data: may not skip foreign-key checks; loading with them")


async def _copy_orders(
    conn: asyncpg.Connection, chunks: Iterator[tuple[list[Row], list[Row]]], summary: DemoSummary
) -> None:
    """COPY each chunk while a thread generates the next, so the server is rarely idle."""
    pending = asyncio.ensure_future(asyncio.to_thread(next, chunks, None))
    try:
        while (chunk := await pending) is not None:
            pending = asyncio.ensure_future(asyncio.to_thread(next, chunks, None))
            await conn.copy_records_to_table("orders", records=chunk[0], columns=COLUMNS["orders"])
            await conn.copy_records_to_table(
                "order_items", records=chunk[1], columns=COLUMNS["order_items"]
            )
            summary.orders += len(chunk[0])
            summary.order_items += len(chunk[1])
            logger.debug("Demo data: {} orders so far", summary.orders)
    finally:
        await asyncio.gather(pending, return_exceptions=True)


async def _cli(url: str, args: argparse.Namespace, timezone: str) -> DemoSummary:
    await apply_schema(url)
    return await load_demo_data(
        url,
        orders=args.orders,
        seed=args.seed,
        timezone=timezone,
        replace=args.replace,
        products_scale=args.products_scale,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: apply the schema, then load the demo shop."""
    from database.connection import describe_url, resolve_url

    parser = argparse.ArgumentParser(prog="python -m database.demo", description=__doc__)
    parser.add_argument("--orders", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--replace", action="store_true", help="replace existing shop data")
    parser.add_argument("--database-url", help="default: DATABASE_URL, else the embedded server")
    parser.add_argument("--products-scale", type=int, default=1, help="N: ~40*N products")
    args = parser.parse_args(argv)
    settings = load_settings()
    url = args.database_url or resolve_url(settings)[0]
    logger.info("Loading {} demo orders into {}", args.orders, describe_url(url))
    try:
        summary = asyncio.run(_cli(url, args, settings.SHOP_TIMEZONE))
    except ValueError as exc:
        logger.error("Demo data not loaded: {}", exc)
        return 1
    logger.info("Demo data loaded: {}", summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
