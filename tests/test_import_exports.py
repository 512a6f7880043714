"""Held-out exports: sixteen files written from the issue's contract alone, by someone who
had not read the importer (KiotViet, Sapo, Shopify, Square, Pancake, iPOS, a hand-made
sheet, semicolon and tab files, UTF-16, Excel serial dates, multi-line quoted cells, a
broken workbook), with their expected orders and skipped lines (tests/data/exports/)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from database.demo import SHOP_TABLES
from importer.run import Options, describe, import_file

FOLDER = Path(__file__).parent / "data" / "exports"
CASES = json.loads((FOLDER / "cases.json").read_text(encoding="utf-8"))
SAIGON = "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_a_held_out_export(run: Any, own_shop_db: str, case: dict[str, Any]) -> None:
    async def check() -> tuple[Any, list[asyncpg.Record]]:
        conn = await asyncpg.connect(own_shop_db)
        try:
            await conn.execute(f"TRUNCATE {', '.join(SHOP_TABLES)} CASCADE")
            report = await import_file(FOLDER / case["file"], Options(own_shop_db, SAIGON))
            orders = await conn.fetch(
                "SELECT code, status, final_total_price, created_at FROM orders"
            )
            return report, orders
        finally:
            await conn.close()

    report, orders = run(check())
    explain = "\n".join(describe(report))
    assert (report.kind, report.status) == (case["kind"], case["exit_status"]), explain
    assert sorted({p.line for p in report.problems}) == sorted(case.get("skipped_lines") or [])
    if case["kind"] != "orders":
        return
    local = ZoneInfo(SAIGON)
    got = {
        o["code"]: (
            o["status"],
            o["final_total_price"],
            o["created_at"].astimezone(local).strftime("%Y-%m-%d %H:%M"),
        )
        for o in orders
    }
    want = {
        o["code"]: (o["status"], Decimal(o["final_total"]), o["local_time"]) for o in case["orders"]
    }
    assert got == want, explain
