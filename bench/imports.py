"""Import speed: generated point-of-sale exports through the real importer into a fresh
database — 1M order lines (~330k orders) from CSV, the same file again (which must change
nothing), a dry run, and 100k lines from XLSX — against a baseline in the same run: a bare
COPY of the same CSV into an all-text table (the server's floor for reading the file).

    .venv/bin/python -m bench.importer [--lines 1000000] [--xlsx-lines 100000]

Prints seconds, lines per second, the ratio to the baseline, and the process's peak memory
after each step (it must stay bounded: the file is streamed).
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import resource
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from database.connection import libpq_url
from database.demo import apply_schema
from importer.run import FileReport, Options, describe, import_file
from testing.databases import fresh_database

TIMEZONE = "Asia/Ho_Chi_Minh"
HEADER = (
    "Mã hóa đơn,Thời gian,Khách hàng,Điện thoại,Mã hàng,Tên hàng,Size,Số lượng,Đơn giá,"
    "Thành tiền,Giảm giá hóa đơn,Khách cần trả,Phương thức thanh toán,Trạng thái,Người bán"
)
PRODUCTS, CUSTOMERS, STAFF = 400, 20_000, 9
STATUSES = ("Hoàn thành",) * 17 + ("Đã hủy", "Trả hàng", "Đang xử lý")
PAYMENTS = ("Tiền mặt", "Chuyển khoản", "Thẻ", "Ví MoMo")
START = datetime(2025, 1, 1, 7, 0)


def dotted(amount: int) -> str:
    return f"{amount:,}".replace(",", ".")


def order_rows(lines: int, first: int = 0) -> Iterator[list[Any]]:
    """Deterministic invoice lines, 1-5 per order, as a KiotViet export has them; order
    numbers start after `first`."""
    written, order = 0, first
    while written < lines:
        order += 1
        at = START + timedelta(minutes=order * 2)  # about 2 years for 330k orders
        count = 1 + (order * 7) % 5
        items = []
        for j in range(count):
            product = (order * 31 + j * 17) % PRODUCTS
            quantity = 1 + (order + j) % 3
            price = (20 + product % 60) * 1000
            items.append((product, quantity, price))
        discount = 5000 if order % 10 == 0 else 0
        total = sum(q * p for _, q, p in items) - discount
        customer = order % CUSTOMERS
        name, phone = (
            ("Khách lẻ", "") if order % 4 == 0 else (f"Khách {customer}", f"09{customer:08d}")
        )
        for product, quantity, price in items:  # whole orders: the file ends with one
            written += 1
            yield [
                f"HD{order:07d}", at, name, phone, f"SP{product:04d}", f"Sản phẩm {product}",
                "L" if product % 3 == 0 else "M", quantity, price, quantity * price, discount,
                total, PAYMENTS[order % 4], STATUSES[order % 20], f"Nhân viên {order % STAFF}",
            ]  # fmt: skip


def write_csv(path: Path, lines: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(codecs.BOM_UTF8.decode("utf-8") + HEADER + "\n")
        for row in order_rows(lines):
            row[1] = row[1].strftime("%d/%m/%Y %H:%M")
            for money in (8, 9, 10, 11):
                row[money] = f'"{dotted(row[money])}"'
            out.write(",".join(str(cell) for cell in row) + "\n")


def write_xlsx(path: Path, lines: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Hóa đơn")
    sheet.append(HEADER.split(","))
    for row in order_rows(lines, first=5_000_000):
        sheet.append(row)  # real Excel dates and numbers
    book.save(path)


def baseline_copy(url: str, path: Path) -> float:
    """Seconds for a bare COPY of the CSV into an all-text table (then dropped)."""
    columns = ", ".join(f"c{i} text" for i in range(len(HEADER.split(","))))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE UNLOGGED TABLE bench_raw ({columns})")
        started = time.perf_counter()
        with conn.cursor().copy("COPY bench_raw FROM STDIN (FORMAT csv, HEADER)") as copy:
            with path.open("rb") as raw:
                raw.read(3)  # the BOM
                while chunk := raw.read(1 << 20):
                    copy.write(chunk)
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_raw")
    return seconds


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def timed(path: Path, options: Options) -> tuple[float, FileReport]:
    started = time.perf_counter()
    report = await import_file(path, options)
    return time.perf_counter() - started, report


def line(name: str, seconds: float, lines: int, baseline: float, report: FileReport) -> None:
    orders = report.tables.get("orders")
    changed = f"{orders.created:,} created, {orders.updated:,} updated" if orders else "-"
    print(
        f"{name:<26}{seconds:>9.1f} s{lines / seconds:>12,.0f} lines/s"
        f"{seconds / baseline:>8.1f}x  peak {peak_mb():,.0f} MB  orders: {changed}"
        f"  exit {report.status}"
    )


async def main(lines: int, xlsx_lines: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        csv_path, xlsx_path = Path(folder) / "hoa_don.csv", Path(folder) / "hoa_don.xlsx"
        started = time.perf_counter()
        write_csv(csv_path, lines)
        write_xlsx(xlsx_path, xlsx_lines)
        print(f"Generated {lines:,} CSV lines ({csv_path.stat().st_size / 1e6:,.0f} MB) and "
              f"{xlsx_lines:,} XLSX lines in {time.perf_counter() - started:.0f} s")  # fmt: skip
        with fresh_database("bench_import") as url:
            dsn = libpq_url(url)
            await apply_schema(dsn)
            base = sorted(baseline_copy(url, csv_path) for _ in range(3))[1]
            print(f"{'baseline: bare COPY':<26}{base:>9.1f} s{lines / base:>12,.0f} lines/s"
                  f"{1:>8.1f}x  (median of 3)")  # fmt: skip
            options = Options(dsn, TIMEZONE)
            seconds, report = await timed(csv_path, options)
            line("import CSV", seconds, lines, base, report)
            if report.status:
                print("\n".join(describe(report)[:20]))
            seconds, report = await timed(csv_path, options)
            line("re-import (no change)", seconds, lines, base, report)
            seconds, report = await timed(csv_path, Options(dsn, TIMEZONE, dry_run=True))
            line("dry run", seconds, lines, base, report)
            xlsx_seconds, report = await timed(xlsx_path, options)
            share = base * xlsx_lines / lines
            line(f"XLSX {xlsx_lines:,} lines", xlsx_seconds, xlsx_lines, share, report)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--xlsx-lines", type=int, default=100_000)
    args = parser.parse_args()
    asyncio.run(main(args.lines, args.xlsx_lines))
