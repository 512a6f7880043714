"""`flask import` as a shop owner runs it (a new process): the report, the exit statuses,
and then `flask ask` answering "revenue last month" with the file's own total."""

from __future__ import annotations

import codecs
import subprocess
from datetime import date, timedelta
from pathlib import Path

from testing.servers import flask_command

OWNER = "6900000000000001"


def flask(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return flask_command(
        database_url,
        *args,
        SHOP_TIMEZONE="Asia/Ho_Chi_Minh",
        SHOP_CURRENCY="VND",
        OWNER_PSIDS=OWNER,
    )


def last_month() -> date:
    """A day in the middle of last month (shop-local months; the 15th is safe either way)."""
    return (date.today().replace(day=1) - timedelta(days=1)).replace(day=15)


def test_import_then_ask_revenue_last_month(own_shop_db: str, tmp_path: Path) -> None:
    day = last_month().strftime("%d/%m/%Y")
    export = tmp_path / "DanhSachChiTietHoaDon.csv"
    export.write_bytes(
        codecs.BOM_UTF8
        + (
            "Mã hóa đơn,Thời gian,Khách hàng,Tên hàng,Số lượng,Đơn giá,Thành tiền,"
            "Khách cần trả,Trạng thái\n"
            f"HD1,{day} 09:00,Chị Lan,Trà sữa,2,45.000,90.000,1.234.500,Hoàn thành\n"
            f"HD1,{day} 09:00,Chị Lan,Quà Tết,1,1.144.500,1.144.500,1.234.500,Hoàn thành\n"
            f"HD2,{day} 10:00,,Cà phê,1,29.000,29.000,29.000,Hoàn thành\n"
            f"HD3,{day} 11:00,,Cà phê,1,29.000,29.000,29.000,Đã hủy\n"
            f"HD4,{day} 12:00,,Cà phê,-2,29.000,29.000,29.000,Hoàn thành\n"
        ).encode()
    )
    dry = flask(own_shop_db, "import", str(export), "--dry-run")
    assert dry.returncode == 1, dry.stdout + dry.stderr
    assert "would import" in dry.stdout
    assert "line 6, column 'Số lượng': quantity -2 is not positive" in dry.stdout
    done = flask(own_shop_db, "import", str(export))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "orders                     3         0          0        1" in done.stdout
    again = flask(own_shop_db, "import", str(export))
    assert "orders                     0         0          3        1" in again.stdout
    asked = flask(own_shop_db, "ask", "--psid", OWNER, "revenue last month?")
    assert asked.returncode == 0, asked.stderr
    # the completed orders: 1,234,500 + 29,000 (the cancelled one and the skipped one left out)
    assert "1,263,500" in asked.stdout, asked.stdout


def test_exit_statuses_and_the_worst_of_several_files(own_shop_db: str, tmp_path: Path) -> None:
    good = tmp_path / "products.csv"
    good.write_text("Mã hàng,Tên hàng,Giá bán,Tồn kho\nTS9,Trà sen,55.000,12\n", encoding="utf-8")
    broken = tmp_path / "photo.xlsx"
    broken.write_bytes(b"not a workbook")
    result = flask(own_shop_db, "import", str(good))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "products" in result.stdout and "everything imported" in result.stdout
    result = flask(own_shop_db, "import", str(good), str(broken))
    assert result.returncode == 2
    assert "photo.xlsx: not imported: cannot read photo.xlsx as an Excel workbook" in result.stdout
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("columns: [oops]\n", encoding="utf-8")
    result = flask(own_shop_db, "import", str(good), "--mapping", str(mapping))
    assert result.returncode == 2 and "mapping mapping.yaml" in result.stderr
    assert "Traceback" not in result.stderr
