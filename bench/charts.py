"""Charts: render time per chart shape, and upload-to-send time against the fake Graph API.

    python -m bench.charts [--repeat N]     (make bench-charts)

Rendering runs in a worker thread as the assistant runs it (`tools.charts.draw.picture`);
the baseline in the same run is a blank figure of the same size saved as PNG (what any
chart costs before it draws anything). Sending is the Graph API part of a chart: the
multipart upload to /me/message_attachments, then the message with its attachment id,
against the loopback fake; its baseline is one text message to the same fake.
Figures are medians and p95/p99 in milliseconds, and ratios to the baselines.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import statistics
import time
from datetime import date, timedelta
from typing import Any

from bench.common import percentile
from config import Settings
from messenger.graph_api import GraphClient
from testing.fakes.graph import FakeGraph
from tools.charts.draw import DPI, HEIGHT_INCHES, WIDTH_INCHES, picture
from tools.charts.spec import ChartSpec, chart_of

TODAY = date(2026, 12, 6)


def _days(n: int, grouping: str = "day") -> dict[str, Any]:
    start = TODAY - timedelta(days=n - 1)
    step = 7 if grouping == "week" else 1
    rows = [
        {
            grouping: (start + timedelta(days=i * step)).isoformat(),
            "revenue": str(1_000_000 + (i * 7919) % 900_000),
            "previous_revenue": str(900_000 + (i * 104_729) % 800_000),
        }
        for i in range(n if grouping == "day" else n // 7)
    ]
    return {
        "period": {"start": start.isoformat(), "end": TODAY.isoformat()},
        "previous_period": {
            "start": (start - timedelta(days=n)).isoformat(),
            "end": (start - timedelta(days=1)).isoformat(),
        },
        "metrics": ["revenue"],
        "group_by": [grouping],
        "totals": {"revenue": "45000000"},
        "previous_totals": {"revenue": "41000000"},
        "changes": {"revenue": {"absolute": "4000000", "percent": "9.8"}},
        "rows": rows,
        "total_rows": len(rows),
        "truncated": False,
    }


def _hours() -> dict[str, Any]:
    rows = [{"hour": f"{h:02d}:00", "units_sold": (h * 37) % 61} for h in range(24)]
    return {
        "period": {"start": "2026-12-05", "end": "2026-12-05"},
        "metrics": ["units_sold"],
        "group_by": ["hour"],
        "totals": {"units_sold": sum(r["units_sold"] for r in rows)},
        "rows": rows,
        "total_rows": 24,
        "truncated": False,
    }


def _products() -> dict[str, Any]:
    rows = [
        {"product": f"Trà Sữa Trân Châu Đường Đen {i}", "revenue": str(9_000_000 - i * 612_345)}
        for i in range(11)
    ]
    return {
        "period": {"start": "2026-12-01", "end": "2026-12-06"},
        "metrics": ["revenue"],
        "group_by": ["product"],
        "totals": {"revenue": "80000000"},
        "rows": rows,
        "total_rows": 40,
        "truncated": True,
    }


SHAPES = {
    "line · 30 days + previous": _days(30),
    "line · 24 hours": _hours(),
    "line · a year by week": _days(364, "week"),
    "bars · 11 products + others": _products(),
}


def _blank() -> bytes:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


async def _timed(call: Any, repeat: int) -> list[float]:
    await call()  # warm-up (imports, font cache)
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _row(name: str, samples: list[float], baseline: float | None) -> dict[str, Any]:
    median = statistics.median(samples)
    return {
        "case": name,
        "median_ms": round(median, 1),
        "p95_ms": round(percentile(samples, 95), 1),
        "p99_ms": round(percentile(samples, 99), 1),
        "x_baseline": round(median / baseline, 1) if baseline else None,
    }


async def rendering(repeat: int) -> list[dict[str, Any]]:
    blank = await _timed(lambda: asyncio.to_thread(_blank), repeat)
    baseline = statistics.median(blank)
    rows = [_row("baseline · blank 1080×720 PNG", blank, None)]
    for language in ("en", "vi"):
        for name, result in SHAPES.items():
            spec: ChartSpec = chart_of(result, language, "VND")
            rows.append(
                _row(
                    f"{name} ({language})",
                    await _timed(lambda s=spec: picture(s), repeat),
                    baseline,
                )
            )
    return rows


async def sending(repeat: int) -> list[dict[str, Any]]:
    fake = FakeGraph().start()
    try:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            FB_PAGE_ACCESS_TOKEN="bench-token",
            FB_APP_SECRET="bench-secret",
            GRAPH_API_BASE=fake.base_url,
        )
        graph = GraphClient(settings)
        png = (await picture(chart_of(SHAPES["line · 30 days + previous"], "en", "VND"))).png

        def text() -> None:
            graph.send_message("100", {"text": "Revenue today: 1,234,000 VND"})

        def chart() -> None:
            upload = graph.upload_attachment("chart.png", png, "image/png")
            body = {
                "attachment": {"type": "image", "payload": {"attachment_id": upload.attachment_id}}
            }
            graph.send_message("100", body)

        plain = await _timed(lambda: asyncio.to_thread(text), repeat)
        baseline = statistics.median(plain)
        upload = await _timed(lambda: asyncio.to_thread(chart), repeat)
        return [
            _row("baseline · one text message", plain, None),
            _row(f"upload ({len(png):,} bytes) + message with attachment_id", upload, baseline),
        ]
    finally:
        fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=60)
    args = parser.parse_args()
    rows = asyncio.run(rendering(args.repeat)) + asyncio.run(sending(args.repeat))
    width = max(len(row["case"]) for row in rows)
    print(f"{'case':<{width}}  median    p95    p99   × baseline")
    for row in rows:
        times = f"{row['median_ms']:>6}  {row['p95_ms']:>6}  {row['p99_ms']:>6}"
        ratio = f"{row['x_baseline']}" if row["x_baseline"] is not None else "—"
        print(f"{row['case']:<{width}}  {times}   {ratio}")
    print(json.dumps({"repeat": args.repeat, "rows": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
