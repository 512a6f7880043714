"""Importing a shop's own exports (issue 18) into a database of its own: files written as
real exports look, expected contents computed by hand, every kind of bad row, re-imports."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from database.demo import SHOP_TABLES, load_demo_data
from importer.mapping import Mapping
from importer.mapping import load as load_mapping
from importer.run import FileReport, Options, describe, import_file, worst

SAIGON = "Asia/Ho_Chi_Minh"


@pytest.fixture
def dsn(own_shop_db: str, run: Any) -> str:
    async def empty() -> None:
        conn = await asyncpg.connect(own_shop_db)
        try:
            await conn.execute(f"TRUNCATE {', '.join(SHOP_TABLES)} CASCADE")
            # the shop's zone registered, as a serving process does: imports keep its rollups
            await conn.execute("SELECT metrics_build_zone($1)", SAIGON)
        finally:
            await conn.close()

    run(empty())
    return own_shop_db


def write(tmp_path: Path, name: str, text: str, *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))
    return path


def do_import(run: Any, dsn: str, path: Path, **options: Any) -> FileReport:
    return run(import_file(path, Options(dsn, SAIGON, **options)), timeout=300)


def rows(run: Any, dsn: str, query: str, *args: Any) -> list[dict[str, Any]]:
    async def fetch() -> list[dict[str, Any]]:
        conn = await asyncpg.connect(dsn)
        try:
            return [dict(r) for r in await conn.fetch(query, *args)]
        finally:
            await conn.close()

    return run(fetch())


def assert_rollups_match(run: Any, dsn: str) -> None:
    """The metrics rollups say what the tables say (kept by triggers, or rebuilt after a
    large import that turned them off)."""
    tables = rows(
        run, dsn, "SELECT status, count(*) AS n, sum(final_total_price) AS total FROM orders"
        " GROUP BY status ORDER BY status",
    )  # fmt: skip
    rolled = rows(
        run, dsn, "SELECT status, sum(orders) AS n, sum(total) AS total FROM metrics_order_hours"
        " WHERE zone = $1 GROUP BY status HAVING sum(orders) <> 0 ORDER BY status", SAIGON,
    )  # fmt: skip
    assert rolled == tables
    items = rows(run, dsn, "SELECT sum(quantity) AS u, sum(total_price) AS t FROM order_items")
    rolled_items = rows(
        run, dsn, "SELECT sum(units) AS u, sum(total) AS t FROM metrics_item_days WHERE zone = $1",
        SAIGON,
    )  # fmt: skip
    assert rolled_items == items


def counts(report: FileReport) -> dict[str, tuple[int, int, int, int]]:
    return {
        table: (c.created, c.updated, c.unchanged, c.skipped) for table, c in report.tables.items()
    }


KIOTVIET = (
    "Mã hóa đơn,Thời gian,Khách hàng,Điện thoại,Mã hàng,Tên hàng,Số lượng,Đơn giá,Thành tiền,"
    "Giảm giá hóa đơn,Khách cần trả,Phương thức thanh toán,Trạng thái,Người bán,Ghi chú\n"
    "HD000101,03/11/2026 14:30,Chị Lan,0901 234 567,TS01,Trà sữa trân châu,2,45.000,90.000,"
    '10.000,"1.234.000",Tiền mặt,Hoàn thành,Thảo,"ít đá,\nnhiều trân châu"\n'
    "HD000101,03/11/2026 14:30,Chị Lan,0901 234 567,QT01,Quà Tết hộp lớn,1,1.154.000,"
    "1.154.000,10.000,1.234.000,Tiền mặt,Hoàn thành,Thảo,\n"
    "HD000102,04/11/2026 08:05,Khách lẻ,,CF01,Cà phê sữa đá,1,29.000,29.000,0,29.000,"
    "Chuyển khoản,Đã hủy,Minh,\n"
    "HD000103,30/11/2026 23:59,Anh Nam,+84 901 234 567,TS01,Trà sữa trân châu,1,45.000,"
    "45.000,0,45.000,Chuyển khoản,Trả hàng,Minh,\n"
)


def test_a_kiotviet_export_with_bom_and_dotted_thousands(
    run: Any, dsn: str, tmp_path: Path
) -> None:
    report = do_import(run, dsn, write(tmp_path, "hoa_don.csv", KIOTVIET, bom=True))
    assert report.status == 0 and report.problems == [], describe(report)
    assert report.kind == "orders" and report.rows == 4
    orders = rows(
        run,
        dsn,
        "SELECT code, customer_id, status, final_total_price, subtotal_price, discount,"
        " total_quantity, created_at, payment_method, note FROM orders ORDER BY code",
    )
    assert [(o["code"], o["customer_id"], o["status"], o["final_total_price"]) for o in orders] == [
        ("HD000101", "tel:+84901234567", 1, Decimal("1234000")),
        ("HD000102", "walk-in", 2, Decimal("29000")),
        # "+84 901 234 567" and "0901 234 567" are one customer
        ("HD000103", "tel:+84901234567", 3, Decimal("45000")),
    ]
    first = orders[0]
    assert (first["subtotal_price"], first["discount"], first["total_quantity"]) == (
        Decimal("1244000"),
        Decimal("10000"),
        3,
    )
    # 14:30 in Saigon (UTC+7) is 07:30 UTC; 23:59 on Nov 30 stays in November locally.
    assert first["created_at"] == datetime(2026, 11, 3, 7, 30, tzinfo=UTC)
    assert orders[2]["created_at"] == datetime(2026, 11, 30, 16, 59, tzinfo=UTC)
    assert first["note"] == "ít đá,\nnhiều trân châu" and first["payment_method"] == "Tiền mặt"
    items = rows(
        run,
        dsn,
        "SELECT o.code, p.name, pi.barcode, i.quantity, i.total_price, i.customer_id"
        " FROM order_items i JOIN orders o ON o.id = i.order_id"
        " JOIN products p ON p.id = i.product_id JOIN product_inventory pi ON pi.id = i.inventory_id"
        " ORDER BY o.code, i.total_price",
    )
    assert [(i["code"], i["barcode"], i["quantity"], i["total_price"]) for i in items] == [
        ("HD000101", "TS01", 2, Decimal("90000")),
        ("HD000101", "QT01", 1, Decimal("1154000")),
        ("HD000102", "CF01", 1, Decimal("29000")),
        ("HD000103", "TS01", 1, Decimal("45000")),
    ]
    customers = rows(run, dsn, "SELECT id, name, phone FROM customers ORDER BY id")
    assert customers == [
        # the latest order's name wins; the walk-in customer is one record
        {"id": "tel:+84901234567", "name": "Anh Nam", "phone": "+84901234567"},
        {"id": "walk-in", "name": "Khách lẻ (walk-in)", "phone": None},
    ]
    staff = rows(run, dsn, "SELECT name, role FROM employees ORDER BY name")
    assert staff == [{"name": "Minh", "role": "staff"}, {"name": "Thảo", "role": "staff"}]
    prices = rows(
        run,
        dsn,
        "SELECT p.name, pi.price FROM products p JOIN product_inventory pi"
        " ON pi.product_id = p.id ORDER BY p.name",
    )
    assert [(p["name"], p["price"]) for p in prices] == [
        ("Cà phê sữa đá", Decimal("29000")),
        ("Quà Tết hộp lớn", Decimal("1154000")),
        ("Trà sữa trân châu", Decimal("45000")),
    ]
    assert counts(report)["orders"] == (3, 0, 0, 0)
    assert counts(report)["order_items"] == (4, 0, 0, 0)
    assert counts(report)["customers"] == (2, 0, 0, 0)
    assert_rollups_match(run, dsn)


SHOPIFY = (
    "Name,Email,Financial Status,Paid at,Created at,Currency,Subtotal,Shipping,Taxes,Total,"
    "Discount Amount,Lineitem quantity,Lineitem name,Lineitem price,Lineitem sku,"
    "Billing Name,Payment Method\n"
    "#1001,ann@example.com,paid,2026-11-03 14:06:00 -0500,2026-11-03 14:05:00 -0500,USD,22.00,"
    "0.00,1.50,21.50,2.00,2,Oat Latte - Large,6.00,LAT-L,Ann Lee,Shopify Payments\n"
    "#1001,ann@example.com,,,2026-11-03 14:05:00 -0500,,,,,,,1,Croissant,10.00,CRO,,\n"
    "#1002,bob@example.com,refunded,,2026-11-04T09:00:00Z,USD,5.00,,,,,1,Mocha,5.00,,Bob,\n"
)


def test_a_shopify_export_whose_order_columns_are_on_the_first_row(
    run: Any, dsn: str, tmp_path: Path
) -> None:
    report = do_import(run, dsn, write(tmp_path, "orders_export.csv", SHOPIFY))
    assert report.status == 0, describe(report)
    orders = rows(
        run,
        dsn,
        "SELECT code, customer_id, status, final_total_price, tax, discount, created_at,"
        " payment_method, total_quantity FROM orders ORDER BY code",
    )
    first, second = orders
    # 2 × 6.00 + 10.00 − 2.00 + 1.50 = 21.50, the file's own total
    assert first["final_total_price"] == Decimal("21.50") and first["total_quantity"] == 3
    assert first["created_at"] == datetime(2026, 11, 3, 19, 5, tzinfo=UTC)  # -05:00 kept
    assert first["customer_id"] == "mailto:ann@example.com" and first["status"] == 1
    assert first["payment_method"] == "Shopify Payments"
    # no Total: the lines minus the discount plus tax
    assert second["final_total_price"] == Decimal("5.00") and second["status"] == 3
    names = rows(run, dsn, "SELECT name FROM customers ORDER BY name")
    assert [n["name"] for n in names] == ["Ann Lee", "Bob"]


def test_an_excel_workbook_with_excel_dates(run: Any, dsn: str, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Bán hàng"
    sheet.append(["Mã đơn", "Ngày bán", "Sản phẩm", "Size", "SL", "Đơn giá", "Tổng tiền"])
    sheet.append(["X1", datetime(2026, 11, 5, 9, 15), "Trà đào", "L", 2, 35000, 70000])
    sheet.append(["X2", 46331.75, "Trà đào", "M", 1, 30000, 30000])  # a serial: 2026-11-05 18:00
    path = tmp_path / "ban_hang.xlsx"
    book.save(path)
    report = do_import(run, dsn, path)
    assert report.status == 0, describe(report)
    orders = rows(run, dsn, "SELECT code, created_at, final_total_price FROM orders ORDER BY code")
    assert orders == [
        {
            "code": "X1",
            "created_at": datetime(2026, 11, 5, 2, 15, tzinfo=UTC),
            "final_total_price": Decimal("70000"),
        },
        {
            "code": "X2",
            "created_at": datetime(2026, 11, 5, 11, 0, tzinfo=UTC),
            "final_total_price": Decimal("30000"),
        },
    ]
    variants = rows(
        run, dsn, "SELECT classification, price FROM product_inventory ORDER BY classification"
    )
    assert variants == [
        {"classification": "L", "price": Decimal("35000")},
        {"classification": "M", "price": Decimal("30000")},
    ]


def test_a_semicolon_file_with_decimal_commas(run: Any, dsn: str, tmp_path: Path) -> None:
    text = (
        "Order number;Date;Item;Quantity;Price;Total;Status\n"
        "B-7;05/11/2026 10:00;Espresso;2;2,50 €;5,00 €;completed\n"
        "B-8;05/11/2026 11:00;Tarte;1;12,50 €;12,50 €;voided\n"
    )
    report = do_import(run, dsn, write(tmp_path, "ventes.csv", text))
    assert report.status == 0, describe(report)
    orders = rows(run, dsn, "SELECT code, status, final_total_price FROM orders ORDER BY code")
    assert orders == [
        {"code": "B-7", "status": 1, "final_total_price": Decimal("5.00")},
        {"code": "B-8", "status": 2, "final_total_price": Decimal("12.50")},
    ]


def test_importing_the_same_file_again_changes_nothing(run: Any, dsn: str, tmp_path: Path) -> None:
    path = write(tmp_path, "hoa_don.csv", KIOTVIET, bom=True)
    do_import(run, dsn, path)
    stamp = "SELECT id::text, updated_at FROM {} ORDER BY 1"
    before = {t: rows(run, dsn, stamp.format(t)) for t in ("orders", "order_items", "customers")}
    again = do_import(run, dsn, path)
    assert again.status == 0
    for table, (created, updated, unchanged, skipped) in counts(again).items():
        assert (created, updated, skipped) == (0, 0, 0), table
        assert unchanged > 0, table
    after = {t: rows(run, dsn, stamp.format(t)) for t in ("orders", "order_items", "customers")}
    assert after == before  # no row rewritten: updated_at untouched


def test_a_later_overlapping_export_updates_what_changed(
    run: Any, dsn: str, tmp_path: Path
) -> None:
    do_import(run, dsn, write(tmp_path, "november.csv", KIOTVIET, bom=True))
    later = KIOTVIET.replace("0,29.000,Chuyển khoản,Đã hủy", "0,29.000,Chuyển khoản,Hoàn thành")
    later += "HD000104,01/12/2026 09:00,,,CF01,Cà phê sữa đá,2,29.000,58.000,0,58.000,,,Minh,\n"
    report = do_import(run, dsn, write(tmp_path, "later.csv", later, bom=True))
    assert counts(report)["orders"] == (1, 1, 2, 0)
    assert counts(report)["order_items"] == (1, 0, 4, 0)
    status = rows(
        run, dsn, "SELECT code, status FROM orders WHERE code IN ('HD000102', 'HD000104')"
    )
    assert sorted((r["code"], r["status"]) for r in status) == [("HD000102", 1), ("HD000104", 1)]
    assert_rollups_match(run, dsn)


BAD = (
    "Mã hóa đơn,Thời gian,Khách hàng,Điện thoại,Tên hàng,Số lượng,Thành tiền,Khách cần trả\n"
    ",05/11/2026 08:00,,,Trà,1,20.000,20.000\n"  # line 2: before any order code
    "HD010,05/11/2026 09:00,Cô Ba,0988 111 222,Trà,1,20.000,40.000\n"
    "HD010,05/11/2026 09:00,Cô Ba,0988 111 222,Trà,-1,20.000,40.000\n"  # line 4: negative
    "HD011,hôm qua,,,Cà phê,1,25.000,25.000\n"  # line 5: unreadable date
    "HD012,05/11/2026 10:00,,,Bánh,1,abc,30.000\n"  # line 6: unreadable amount
    "HD013,05/11/2026 11:00,,,Sinh tố,1,35.000,99.000\n"  # line 7: lines do not add up
    "HD014,05/11/2026 12:00,,,,1,35.000,35.000\n"  # line 8: no product name
    "HD015,,,,Trà,1,35.000,35.000\n"  # line 9: no date
    "HD016,05/11/2026 12:30,,,Trà,2,,40.000\n"  # line 10: neither line total nor price
    "HD017,05/11/2026 12:45,,,Trà,,40.000,40.000\n"  # line 11: no quantity
    "HD018,05/11/2026 13:00,,,Trà ô long,2,40.000,40.000\n"  # fine
    "HD019,05/11/2026 13:30,,,Trà,1,40.000.000.000,40.000.000.000\n"  # line 13: too large
)


def test_every_bad_row_is_reported_and_its_order_skipped_whole(
    run: Any, dsn: str, tmp_path: Path
) -> None:
    report = do_import(run, dsn, write(tmp_path, "bad.csv", BAD))
    assert report.status == 1
    assert [str(p) for p in report.problems] == [
        "line 2, column 'Mã hóa đơn': missing order code",
        "line 3: order HD010 is skipped (a problem on another of its lines)",
        "line 4, column 'Số lượng': quantity -1 is not positive",
        "line 5, column 'Thời gian': unreadable date 'hôm qua'",
        "line 6, column 'Thành tiền': unreadable amount 'abc'",
        "line 7, column 'Khách cần trả': the lines add up to 35000, the order total is 99000",
        "line 8, column 'Tên hàng': missing product name",
        "line 9, column 'Thời gian': missing order date",
        "line 10, column 'Thành tiền': missing line total or unit price",
        "line 11, column 'Số lượng': missing quantity",
        "line 13, column 'Khách cần trả': amount 40000000000 is too large",
        "line 13, column 'Thành tiền': line total 40000000000 is too large",
    ]
    assert [r["code"] for r in rows(run, dsn, "SELECT code FROM orders")] == ["HD018"]
    # the skipped orders' products and customer were not created either
    assert [r["name"] for r in rows(run, dsn, "SELECT name FROM products")] == ["Trà ô long"]
    assert rows(run, dsn, "SELECT id FROM customers") == [{"id": "walk-in"}]
    assert counts(report)["orders"] == (1, 0, 0, 9)
    assert counts(report)["order_items"] == (1, 0, 0, 11)
    text = "\n".join(describe(report))
    assert "skipped bad.csv line 4, column 'Số lượng': quantity -1 is not positive" in text


def test_a_total_within_rounding_passes(run: Any, dsn: str, tmp_path: Path) -> None:
    text = (
        "Order ID,Date,Product,Qty,Unit price,Total\n"
        "A1,2026-11-05,Latte,3,3.33,9.99\n"
        "A2,2026-11-05,Latte,3,3.33,10.00\n"  # 9.99 against 10.00: rounding
        "A3,2026-11-05,Latte,3,3.33,10.50\n"  # half a dollar off: not rounding
    )
    report = do_import(run, dsn, write(tmp_path, "square.csv", text))
    assert [p.line for p in report.problems] == [4]
    totals = rows(run, dsn, "SELECT code, final_total_price FROM orders ORDER BY code")
    assert [(t["code"], t["final_total_price"]) for t in totals] == [
        ("A1", Decimal("9.99")),
        ("A2", Decimal("10.00")),
    ]


def test_a_dry_run_reports_the_same_and_writes_nothing(run: Any, dsn: str, tmp_path: Path) -> None:
    path = write(tmp_path, "bad.csv", BAD)
    dry = do_import(run, dsn, path, dry_run=True)
    assert rows(run, dsn, "SELECT count(*) AS n FROM orders") == [{"n": 0}]
    assert rows(run, dsn, "SELECT count(*) AS n FROM customers") == [{"n": 0}]
    real = do_import(run, dsn, path)
    assert (dry.status, counts(dry), dry.problems) == (real.status, counts(real), real.problems)
    assert "would import" in "\n".join(describe(dry, dry_run=True))


def test_unreadable_files_and_the_worst_status(run: Any, dsn: str, tmp_path: Path) -> None:
    good = do_import(run, dsn, write(tmp_path, "ok.csv", SHOPIFY))
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    unreadable = do_import(run, dsn, binary)
    assert unreadable.status == 2 and "not UTF-8" in (unreadable.error or "")
    no_quantity = do_import(
        run, dsn, write(tmp_path, "short.csv", "Order ID,Date,Product,Total\nA,2026-11-05,Tea,3\n")
    )
    assert no_quantity.status == 2 and "quantity" in (no_quantity.error or "")
    assert "not imported" in describe(no_quantity)[0]
    bad = do_import(run, dsn, write(tmp_path, "bad.csv", BAD))
    assert worst([good]) == 0 and worst([good, bad]) == 1 and worst([bad, unreadable, good]) == 2


def test_a_database_holding_the_demo_shop_asks_to_remove_it_first(
    run: Any, dsn: str, tmp_path: Path
) -> None:
    run(load_demo_data(dsn, orders=50, timezone=SAIGON), timeout=300)
    path = write(tmp_path, "ok.csv", SHOPIFY)
    refused = do_import(run, dsn, path)
    assert refused.status == 2 and "--replace-demo" in (refused.error or "")
    assert rows(run, dsn, "SELECT count(*) AS n FROM orders WHERE code IS NOT NULL") == [{"n": 0}]
    rows(run, dsn, "INSERT INTO shop_knowledge (question, answer, added_by, source)"
         " VALUES ('Do you deliver to Thu Duc?', 'Yes', 'owner', 'manual') RETURNING id")  # fmt: skip
    replaced = do_import(run, dsn, path, replace_demo=True)
    assert replaced.status == 0
    codes = rows(run, dsn, "SELECT code FROM orders ORDER BY code")
    assert [c["code"] for c in codes] == ["#1001", "#1002"]  # the demo's orders are gone
    # the demo's staff and its own knowledge entries are gone; the shop's entry stays
    assert rows(run, dsn, "SELECT count(*) AS n FROM employees") == [{"n": 0}]
    kept = rows(run, dsn, "SELECT question FROM shop_knowledge")
    assert kept == [{"question": "Do you deliver to Thu Duc?"}]
    assert_rollups_match(run, dsn)


def test_products_customers_and_staff_files(run: Any, dsn: str, tmp_path: Path) -> None:
    do_import(run, dsn, write(tmp_path, "hoa_don.csv", KIOTVIET, bom=True))
    products = (
        "Mã hàng,Tên hàng,Nhóm hàng,Giá bán,Giá vốn,Tồn kho,Tồn nhỏ nhất\n"
        "TS01,Trà sữa trân châu,Trà sữa,47.000,20.000,120,10\n"  # price corrected, stock known
        "MC01,Matcha latte,Cà phê,55.000,25.000,0,5\n"  # new
        "XX01,Bánh mì,Bánh,giá?,10.000,3,1\n"  # unreadable price
    )
    report = do_import(run, dsn, write(tmp_path, "hang_hoa.csv", products, bom=True))
    assert report.kind == "products" and report.status == 1
    assert [str(p) for p in report.problems] == [
        "line 4, column 'Giá bán': unreadable amount 'giá?'"
    ]
    assert counts(report)["product_inventory"] == (1, 1, 0, 0)
    stock = rows(
        run,
        dsn,
        "SELECT pi.barcode, pi.price, pi.stock, pi.low_stock_threshold, p.category"
        " FROM product_inventory pi JOIN products p ON p.id = pi.product_id"
        " WHERE pi.barcode IN ('TS01', 'MC01') ORDER BY pi.barcode",
    )
    assert [tuple(s.values()) for s in stock] == [
        ("MC01", Decimal("55000"), 0, 5, "Cà phê"),
        ("TS01", Decimal("47000"), 120, 10, "Trà sữa"),
    ]
    people = (
        "Tên khách hàng,Điện thoại,Email,Địa chỉ\n"
        "Nam Nguyễn,+84 901 234 567,nam@example.com,12 Lý Tự Trọng\n"  # the orders' customer
        "Hoa,0977 000 111,,\n"
    )
    report = do_import(run, dsn, write(tmp_path, "khach_hang.csv", people))
    assert report.kind == "customers" and counts(report)["customers"] == (1, 1, 0, 0)
    known = rows(run, dsn, "SELECT name, email, address FROM customers WHERE id LIKE 'tel:%'"
                 " ORDER BY name")  # fmt: skip
    assert [tuple(k.values()) for k in known] == [
        ("Hoa", None, None),
        ("Nam Nguyễn", "nam@example.com", "12 Lý Tự Trọng"),
    ]
    staff = "Nhân viên,Chức vụ\nThảo,manager\nVy,staff\n"
    report = do_import(run, dsn, write(tmp_path, "nhan_vien.csv", staff), kind="employees")
    assert counts(report)["employees"] == (1, 1, 0, 0)
    roles = rows(run, dsn, "SELECT name, role FROM employees ORDER BY name")
    assert [tuple(r.values()) for r in roles] == [
        ("Minh", "staff"),
        ("Thảo", "manager"),
        ("Vy", "staff"),
    ]


def test_a_mapping_file_names_columns_statuses_payments_and_date_order(
    run: Any, dsn: str, tmp_path: Path
) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "columns:\n  Số HĐ: order_code\n  Lúc: ordered_at\n  Món: product_name\n"
        "  Tiền: line_total\nstatuses:\n  Giao thành công: 1\n  Khách bom: cancelled\n"
        "payments:\n  CK: bank transfer\ndates: month_first\n",
        encoding="utf-8",
    )
    text = (
        "Số HĐ,Lúc,Món,SL,Tiền,Trạng thái,Thanh toán\n"
        "M1,11/03/2026 10:00,Trà,1,20.000,Giao thành công,CK\n"
        "M2,11/04/2026 10:00,Trà,1,20.000,Khách bom,Tiền mặt\n"
    )
    report = do_import(run, dsn, write(tmp_path, "own.csv", text), mapping=load_mapping(mapping))
    assert report.status == 0, describe(report)
    orders = rows(
        run, dsn, "SELECT code, status, payment_method, created_at FROM orders ORDER BY code"
    )
    assert [tuple(o.values()) for o in orders] == [
        ("M1", 1, "bank transfer", datetime(2026, 11, 3, 3, 0, tzinfo=UTC)),
        ("M2", 2, "Tiền mặt", datetime(2026, 11, 4, 3, 0, tzinfo=UTC)),
    ]


def test_a_bad_mapping_file_is_one_readable_line(tmp_path: Path) -> None:
    from importer.mapping import MappingProblem

    path = tmp_path / "m.yaml"
    path.write_text("columns:\n  Tiền: money\n", encoding="utf-8")
    with pytest.raises(MappingProblem, match="unknown field 'money'"):
        load_mapping(path)
    path.write_text("statuses:\n  Xong: finished\n", encoding="utf-8")
    with pytest.raises(MappingProblem, match="pending/completed/cancelled/refunded"):
        load_mapping(path)
    assert load_mapping(None) == Mapping()


def dotted(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def test_a_ten_megabyte_file(run: Any, dsn: str, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write(
            "Mã hóa đơn,Thời gian,Khách hàng,Điện thoại,Tên hàng,Số lượng,Đơn giá,Thành tiền\n"
        )
        line = 0
        while out.tell() < 10_000_000:
            line += 1
            order = line // 3
            out.write(
                f"HD{order:07d},{1 + order % 28:02d}/10/2026 {8 + order % 12:02d}:15,"
                f"Khách {order % 997},09{order % 997:08d},Sản phẩm số {line % 151},"
                f"{1 + line % 3},{dotted((line % 151 + 1) * 1000)},"
                f"{dotted((1 + line % 3) * (line % 151 + 1) * 1000)}\n"
            )
    report = do_import(run, dsn, path)
    assert report.status == 0 and report.rows == line, describe(report)
    expected = sum((1 + n % 3) * (n % 151 + 1) * 1000 for n in range(1, line + 1))
    total = rows(run, dsn, "SELECT sum(final_total_price) AS s, count(*) AS n FROM orders")[0]
    assert total["s"] == expected and total["n"] == line // 3 + 1
    assert counts(report)["products"][0] == 151 and counts(report)["customers"][0] == 997
    assert_rollups_match(run, dsn)  # a large file writes with triggers off, then rebuilds


def test_a_line_a_later_export_dropped_is_removed(run: Any, dsn: str, tmp_path: Path) -> None:
    three = "Order ID,Date,Product,Qty,Line total\n" + "".join(
        f"S1,2026-11-05 10:00,{name},1,{price}\n"
        for name, price in (("Tea", 10), ("Cake", 20), ("Juice", 30))
    )
    do_import(run, dsn, write(tmp_path, "first.csv", three))
    two = "\n".join(three.splitlines()[:3]) + "\n"
    report = do_import(run, dsn, write(tmp_path, "second.csv", two))
    assert counts(report)["orders"] == (0, 1, 0, 0)  # its total and quantity changed
    assert report.tables["order_items"].removed == 1
    left = rows(run, dsn, "SELECT total_price FROM order_items ORDER BY total_price")
    assert [r["total_price"] for r in left] == [Decimal(10), Decimal(20)]
    assert rows(run, dsn, "SELECT final_total_price AS t FROM orders") == [{"t": Decimal(30)}]
    assert_rollups_match(run, dsn)


def test_what_the_review_found(run: Any, dsn: str, tmp_path: Path) -> None:
    """Placeholder dates, amounts too large to store and Shopify's shipping are row-level;
    an employees file never changes the role of staff the shop's app made; names typed with
    decomposed accents or double spaces match the shop's own rows."""

    async def seed() -> None:
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute(
                "INSERT INTO employees (name, role, messenger_psid) VALUES ('Hoa Pham', 'owner', '999')"
            )
            await conn.execute("INSERT INTO products (name) VALUES ('Cà  phê')")
        finally:
            await conn.close()

    run(seed())
    staff = write(tmp_path, "staff.csv", "Tên nhân viên,Chức danh\nHoa  Pham,Nhân viên bán hàng\n")
    assert do_import(run, dsn, staff).status == 0
    assert rows(run, dsn, "SELECT name, role FROM employees") == [
        {"name": "Hoa Pham", "role": "owner"}
    ]
    text = (
        "Name,Created at,Subtotal,Shipping,Taxes,Total,Lineitem quantity,Lineitem name,"
        "Lineitem price\n"
        "#1,2026-11-03 10:00:00 +0700,48.00,10.00,4.80,62.80,1,Ca\u0300 phê,48.00\n"
        "#2,0001-01-01 00:00:00,5.00,,,5.00,1,Tea,5.00\n"
        "#3,2026-11-03 11:00:00 +0700,,,,,100000,Gold,1000000\n"
        "#4,2026-11-03 12:00:00 +0700,,,,,1,Tea,5.00\n"
    )
    report = do_import(run, dsn, write(tmp_path, "shopify.csv", text))
    assert [str(p) for p in report.problems] == [
        "line 3, column 'Created at': date '0001-01-01 00:00:00' is out of range",
        "line 4, column 'Lineitem price': line total 100000000000 is too large",
    ]
    totals = rows(run, dsn, "SELECT code, final_total_price AS t FROM orders ORDER BY code")
    assert totals == [{"code": "#1", "t": Decimal("62.80")}, {"code": "#4", "t": Decimal("5.00")}]
    # "Cà  phê" (the app's, double space) and "Cà phê" written with a combining grave: one product
    assert rows(run, dsn, "SELECT count(*) AS n FROM products") == [{"n": 2}]
    stock = write(tmp_path, "stock.csv", "Tên hàng,Giá bán,Tồn kho\nTea,5.00,3000000000\n")
    assert do_import(run, dsn, stock).problems[0].reason == "3000000000 is too large"


def test_one_product_with_and_without_its_code_imports_the_same_twice(
    run: Any, dsn: str, tmp_path: Path
) -> None:
    text = (
        "Mã hóa đơn,Thời gian,Mã hàng,Tên hàng,Số lượng,Thành tiền\n"
        "HD1,05/11/2026 09:00,A1,Trà sữa,1,30.000\n"
        "HD2,05/11/2026 10:00,,Trà sữa,1,30.000\n"
    )
    path = write(tmp_path, "mixed.csv", text)
    do_import(run, dsn, path)
    for _ in range(2):
        again = do_import(run, dsn, path)
        assert counts(again)["order_items"] == (0, 0, 2, 0)
