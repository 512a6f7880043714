"""Order lines grouped into orders and checked before anything is written (issue 18's
readings): files written as real exports look, expectations computed by hand."""

from __future__ import annotations

import codecs
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from importer.headers import match
from importer.orders import WALK_IN, Order, Reading, orders
from importer.reader import read_csv

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")
READING = Reading(SAIGON)


def read(tmp_path: Path, text: str, bom: bool = True) -> dict[str, Order]:
    path = tmp_path / "export.csv"
    path.write_bytes((codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8"))
    columns, rows = read_csv(path)
    return {order.code: order for order in orders(rows, match(columns), READING)}


KIOTVIET = (
    "Mã hóa đơn,Thời gian,Khách hàng,Điện thoại,Tên hàng,Số lượng,Đơn giá,Thành tiền,"
    "Khách cần trả,Trạng thái,Người bán\n"
    'HD001,05/12/2026 14:30,Chị Lan,0901 234 567,Trà sữa,2,45.000,90.000,"120.000",Hoàn thành,Thảo\n'
    "HD001,05/12/2026 14:30,Chị Lan,0901 234 567,Bánh flan,1,30.000,30.000,120.000,Hoàn thành,Thảo\n"
    "HD002,05/12/2026 15:00,Khách lẻ,,Cà phê sữa,1,29.000,29.000,29.000,Đã hủy,Minh\n"
)


def test_a_kiotviet_invoice_lines_export(tmp_path: Path) -> None:
    found = read(tmp_path, KIOTVIET)
    first = found["HD001"]
    assert first.problems == []
    assert [(ln.product_name, ln.quantity, ln.total) for ln in first.lines] == [
        ("Trà sữa", Decimal(2), Decimal(90000)),
        ("Bánh flan", Decimal(1), Decimal(30000)),
    ]
    assert first.final_total == Decimal(120000)
    assert first.ordered_at == datetime(2026, 12, 5, 14, 30, tzinfo=SAIGON)
    assert (first.customer, first.phone, first.employee, first.status) == (
        "Chị Lan",
        "+84901234567",
        "Thảo",
        1,
    )
    second = found["HD002"]
    assert second.customer == WALK_IN and second.status == 2 and second.final_total == 29000


SHOPIFY = (
    "Name,Created at,Financial Status,Total,Discount Amount,Taxes,Lineitem quantity,"
    "Lineitem name,Lineitem price\n"
    "#1001,2026-11-03 14:05:00 -0500,paid,21.50,2.00,1.50,2,Latte,6.00\n"
    "#1001,,,,,,1,Croissant,10.00\n"
    "#1002,2026-11-04T09:00:00Z,refunded,,,,1,Mocha,5.00\n"
)


def test_a_shopify_export_with_order_columns_on_the_first_row_only(tmp_path: Path) -> None:
    found = read(tmp_path, SHOPIFY, bom=False)  # Shopify writes "2026-11-03 14:05:00 -0500"
    first = found["#1001"]
    assert first.problems == [], [str(p) for p in first.problems]
    assert len(first.lines) == 2  # the second row belongs to the order above
    # Lines 12.00 + 10.00, minus the discount 2.00, plus tax 1.50 = 21.50: the file's total.
    assert first.final_total == Decimal("21.50")
    assert first.ordered_at == datetime(2026, 11, 3, 19, 5, tzinfo=ZoneInfo("UTC"))
    second = found["#1002"]
    # No order total in the file: the lines minus the discount plus tax.
    assert second.status == 3 and second.final_total == Decimal("5.00")


def test_a_bad_line_skips_its_whole_order_and_says_where(tmp_path: Path) -> None:
    text = (
        "Mã hóa đơn,Thời gian,Tên hàng,Số lượng,Thành tiền,Khách cần trả\n"
        "HD010,05/12/2026 09:00,Trà,1,20.000,40.000\n"
        "HD010,05/12/2026 09:00,Trà,-1,20.000,40.000\n"  # a negative quantity
        "HD011,hôm qua,Cà phê,1,25.000,25.000\n"  # an unreadable date
        "HD012,05/12/2026 10:00,Bánh,1,abc,30.000\n"  # an unreadable amount
        "HD013,05/12/2026 11:00,Sinh tố,1,35.000,99.000\n"  # lines do not add up
        "HD014,05/12/2026 12:00,,1,35.000,35.000\n"  # no product name
        "HD015,05/12/2026 12:30,Trà,2,40.000,40.000\n"  # fine
    )
    found = read(tmp_path, text)
    reasons = {code: [str(p) for p in order.problems] for code, order in found.items()}
    assert reasons["HD010"] == ["line 3, column 'Số lượng': quantity -1 is not positive"]
    assert reasons["HD011"] == ["line 4, column 'Thời gian': unreadable date 'hôm qua'"]
    assert reasons["HD012"] == ["line 5, column 'Thành tiền': unreadable amount 'abc'"]
    assert reasons["HD013"] == [
        "line 6, column 'Khách cần trả': the lines add up to 35000, the order total is 99000"
    ]
    assert reasons["HD014"] == ["line 7, column 'Tên hàng': missing product name"]
    assert reasons["HD015"] == []


def test_a_total_within_rounding_passes(tmp_path: Path) -> None:
    text = (
        "Order ID,Date,Product,Qty,Unit price,Total\n"
        "A1,2026-12-05,Latte,3,3.33,9.99\n"
        "A2,2026-12-05,Latte,3,3.33,10.00\n"  # 9.99 against 10.00: within a unit
    )
    found = read(tmp_path, text, bom=False)
    assert found["A1"].problems == [] and found["A2"].problems == []
    assert found["A2"].final_total == Decimal("10.00")
