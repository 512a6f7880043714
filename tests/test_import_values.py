"""Values as exports write them, read the way the issue fixes for every importer; and CSV
files with their own line numbers. Expectations written from issue 18's text."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from importer.reader import FileProblem, read_csv
from importer.values import ValueProblem, day, moment, money, phone, status

SAIGON = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1.234.000", "1234000"),
        ("1,234,000", "1234000"),
        ("45.000₫", "45000"),
        ("45000 đ", "45000"),
        ("45.000 VND", "45000"),
        ("$12.50", "12.50"),
        ("12,50 €", "12.50"),
        ("1.500", "1500"),  # a dot and exactly three digits: thousands
        ("1,5", "1.5"),
        ("1,234.56", "1234.56"),
        ("1.234,5", "1234.5"),
        ("0", "0"),
        ("-25.000", "-25000"),
        ("(25.000)", "-25000"),
        ("1 234 000", "1234000"),
    ],
)
def test_money_as_written(text: str, amount: str) -> None:
    assert money(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "abc", "1,2,3", "12.34.5", "--5", "1..5"])
def test_unreadable_money_says_so(text: str) -> None:
    with pytest.raises(ValueProblem, match="unreadable amount"):
        money(text)


def test_a_time_with_an_offset_is_that_instant_without_one_shop_local() -> None:
    explicit = moment("2026-11-03T14:05:00-05:00", SAIGON)
    assert explicit == datetime(2026, 11, 3, 19, 5, tzinfo=UTC)
    local = moment("2026-11-03 14:05:00", SAIGON)
    assert local == datetime(2026, 11, 3, 7, 5, tzinfo=UTC)
    assert moment("2026-11-03T14:05:00Z", SAIGON) == datetime(2026, 11, 3, 14, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "month_first", "local"),
    [
        ("05/12/2026 14:30", False, datetime(2026, 12, 5, 14, 30)),  # day first
        ("05/12/2026 14:30", True, datetime(2026, 5, 12, 14, 30)),
        ("5/12/26", False, datetime(2026, 12, 5)),
        ("05-12-2026 14:30:15", False, datetime(2026, 12, 5, 14, 30, 15)),
        ("12/05/2026 2:30 PM", True, datetime(2026, 12, 5, 14, 30)),
        ("12/05/2026 12:10 am", True, datetime(2026, 12, 5, 0, 10)),
        ("2026-12-05", False, datetime(2026, 12, 5)),
        ("46361", False, datetime(2026, 12, 5)),  # an Excel serial date
        ("46361.5", False, datetime(2026, 12, 5, 12, 0)),
    ],
)
def test_dates_as_written_are_shop_local(text: str, month_first: bool, local: datetime) -> None:
    assert moment(text, SAIGON, month_first=month_first) == local.replace(tzinfo=SAIGON)


def test_the_day_of_a_moment_is_the_shop_s() -> None:
    # 20:00 in New York on 3 November is 4 November in Saigon.
    assert day("2026-11-03T20:00:00-05:00", SAIGON).isoformat() == "2026-11-04"


@pytest.mark.parametrize("text", ["", "31/02/2026", "13/13/2026", "yesterday", "99999999"])
def test_unreadable_dates_say_so(text: str) -> None:
    with pytest.raises(ValueProblem):
        moment(text, SAIGON)


def test_phone_numbers_written_two_ways_are_one() -> None:
    assert phone("0901 234 567") == phone("+84 901 234 567") == "+84901234567"
    assert phone("84901234567") == phone("0084 901-234-567") == "+84901234567"
    assert phone("(090) 123-4567") == "+84901234567"
    assert phone("+1 415 555 0100") == "+14155550100"
    with pytest.raises(ValueProblem):
        phone("12")


@pytest.mark.parametrize(
    ("word", "code"),
    [
        ("Hoàn thành", 1),
        ("completed", 1),
        ("PAID", 1),
        ("Đã hủy", 2),
        ("da huy", 2),
        ("voided", 2),
        ("Trả hàng", 3),
        ("refunded", 3),
        ("Đang xử lý", 0),
        ("pending", 0),
    ],
)
def test_status_words(word: str, code: int) -> None:
    assert status(word) == code


def test_a_mapping_adds_status_words_and_unknown_ones_say_so() -> None:
    assert status("Giao thành công", {"giao thành công": 1}) == 1
    with pytest.raises(ValueProblem, match="unknown status 'maybe'"):
        status("maybe")


# ------------------------------------------------------------------------------ files


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_kiotviet_style_csv_with_bom_and_a_quoted_field_on_two_lines(tmp_path: Path) -> None:
    text = (
        "Mã hóa đơn,Thời gian,Tên hàng,Số lượng,Thành tiền,Ghi chú\n"
        'HD001,05/12/2026 14:30,Trà sữa,2,"90.000",ít đá\n'
        'HD002,05/12/2026 15:00,Cà phê,1,45.000,"giao trước\n5 giờ"\n'
        "\n"
        "HD003,05/12/2026 16:00,Bánh,1,30.000,\n"
    )
    path = write(tmp_path, "hoadon.csv", codecs.BOM_UTF8 + text.encode("utf-8"))
    columns, rows = read_csv(path)
    assert columns[0] == "Mã hóa đơn"  # the BOM is not part of the first name
    got = list(rows)
    assert [row.line for row in got] == [2, 3, 6]  # HD002 spans lines 3-4; line 5 is blank
    assert got[1].cells["Ghi chú"] == "giao trước\n5 giờ"
    assert got[0].cells["Thành tiền"] == "90.000"


def test_semicolons_and_excel_utf16_tabs_are_detected(tmp_path: Path) -> None:
    semicolon = write(tmp_path, "a.csv", b"Order ID;Total\n1001;12,50\n")
    columns, rows = read_csv(semicolon)
    assert columns == ["Order ID", "Total"]
    assert [r.cells for r in rows] == [{"Order ID": "1001", "Total": "12,50"}]
    utf16 = write(tmp_path, "b.txt", "Order ID\tTotal\n1002\t$9.00\n".encode("utf-16"))
    columns, rows = read_csv(utf16)
    assert columns == ["Order ID", "Total"]
    assert [r.cells["Total"] for r in rows] == ["$9.00"]


def test_files_that_cannot_be_read_say_why_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(FileProblem, match="empty"):
        read_csv(write(tmp_path, "empty.csv", b""))
    with pytest.raises(FileProblem, match="not UTF-8"):
        read_csv(write(tmp_path, "latin1.csv", "Tên,Giá\nCà phê,1\n".encode("cp1258") * 50))
    with pytest.raises(FileProblem, match="cannot open"):
        read_csv(tmp_path / "missing.csv")


def test_a_big_file_streams(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("Order ID,Total\n")
        for n in range(50_000):
            out.write(f"{n},{n}.000\n")
    columns, rows = read_csv(path)
    count, last = 0, None
    for row in rows:
        count, last = count + 1, row
    assert count == 50_000 and last is not None and last.line == 50_001


# ---------------------------------------------------------------------------- headers


def test_kiotviet_headers_are_an_orders_file() -> None:
    from importer.headers import kind_of, match, missing

    cols = match(
        [
            "Mã hóa đơn",
            "Thời gian",
            "Khách hàng",
            "Điện thoại",
            "Mã hàng",
            "Tên hàng",
            "Số lượng",
            "Đơn giá",
            "Thành tiền",
            "Giảm giá",
            "Tổng tiền hàng",
            "Khách cần trả",
            "Phương thức thanh toán",
            "Trạng thái",
            "Người bán",
            "Ghi chú",
            "Cột lạ",
        ]
    )
    assert kind_of(cols) == "orders" and missing(cols, "orders") == []
    assert cols.fields["order_total"] == "Khách cần trả"
    assert cols.fields["employee"] == "Người bán" and cols.unknown == ("Cột lạ",)


def test_shopify_headers_typed_any_case_and_spacing() -> None:
    from importer.headers import kind_of, match

    cols = match(
        [
            "Name",
            "Created at",
            "Lineitem name",
            "LINEITEM_QUANTITY",
            "Lineitem price",
            "Total",
            "Payment Method",
            "Financial Status",
        ]
    )
    assert kind_of(cols) == "orders"
    assert cols.fields["order_code"] == "Name" and cols.fields["quantity"] == "LINEITEM_QUANTITY"
    assert cols.fields["status"] == "Financial Status"


def test_other_files_and_a_mapping() -> None:
    from importer.headers import HeaderProblem, for_kind, kind_of, match, missing

    products = match(["Mã hàng", "Tên hàng", "Nhóm hàng", "Giá bán", "Tồn kho"])
    assert kind_of(products) == "products"
    people = match(["Name", "Phone", "Email"])
    assert kind_of(people) == "customers"
    assert for_kind(people, "customers").fields["customer_name"] == "Name"
    staff = match(["Tên nhân viên", "Chức vụ", "Điện thoại"])
    assert kind_of(staff) == "employees"
    own = match(
        ["Số HĐ", "Ngày giờ", "Món", "SL", "Tiền"],
        {"Số HĐ": "order_code", "Ngày giờ": "ordered_at", "Tiền": "line_total"},
    )
    assert kind_of(own) == "orders" and missing(own, "orders") == []
    with pytest.raises(HeaderProblem, match="cannot tell"):
        kind_of(match(["foo", "bar"]))
    assert missing(match(["Order ID", "Product"]), "orders") == [
        "ordered_at",
        "quantity",
        "line_total or unit_price",
    ]


# ------------------------------------------------------------------------------- xlsx


def test_an_xlsx_with_excel_dates_and_numbers(tmp_path: Path) -> None:
    from datetime import datetime as dt

    from openpyxl import Workbook

    from importer.reader import read_xlsx

    book = Workbook()
    first = book.active
    assert first is not None
    first.title = "Notes"
    first.append(["not this sheet"])
    sales = book.create_sheet("Bán hàng")
    sales.append(["Mã hóa đơn", "Thời gian", "Tên hàng", "Số lượng", "Thành tiền"])
    sales.append(["HD001", dt(2026, 12, 5, 14, 30), "Trà sữa", 2, 90000])
    sales.append([None, None, None, None, None])
    sales.append(["HD002", dt(2026, 12, 5), "Cà phê", 1.5, 1234.567])
    path = tmp_path / "sales.xlsx"
    book.save(path)

    columns, rows = read_xlsx(path, sheet="Bán hàng")
    assert columns == ["Mã hóa đơn", "Thời gian", "Tên hàng", "Số lượng", "Thành tiền"]
    got = list(rows)
    assert [row.line for row in got] == [2, 4]  # row 3 is empty
    assert got[0].cells["Thời gian"] == "2026-12-05 14:30:00"
    assert moment(got[0].cells["Thời gian"], SAIGON) == dt(2026, 12, 5, 14, 30, tzinfo=SAIGON)
    assert money(got[0].cells["Thành tiền"]) == Decimal(90000)
    # A typed number with three decimals is never read as thousands.
    assert money(got[1].cells["Thành tiền"]) == Decimal("1234.567")
    assert money(got[1].cells["Số lượng"]) == Decimal("1.5")
    assert read_xlsx(path)[0] == ["not this sheet"]  # the first sheet by default
    with pytest.raises(FileProblem, match="no sheet 'Sales'"):
        read_xlsx(path, sheet="Sales")
    broken = write(tmp_path, "broken.xlsx", b"PK\x03\x04 not really a workbook")
    with pytest.raises(FileProblem, match="cannot read broken.xlsx"):
        read_xlsx(broken)
