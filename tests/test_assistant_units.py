"""History trimming, numeric fidelity, result formatting, commands and language."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from assistant.fidelity import numbers_in, unsupported_numbers
from assistant.history import split_turns, trim_history
from conversation.commands import is_delete_request, is_reset
from core.language import detect_language
from tools.formatting import format_result, parse_result
from tools.rag_analytics import Rows


def turn(n: int, *, tools: int = 0, size: int = 10) -> list[dict]:
    messages: list[dict] = [{"role": "user", "content": f"question {n} " + "x" * size}]
    if tools:
        calls = [
            {
                "id": f"c{n}-{i}",
                "type": "function",
                "function": {"name": "get_inventory_status", "arguments": "{}"},
            }
            for i in range(tools)
        ]
        messages.append({"role": "assistant", "content": None, "tool_calls": calls, "ts": "t"})
        messages += [
            {"role": "tool", "tool_call_id": f"c{n}-{i}", "name": "x", "content": "r" * size}
            for i in range(tools)
        ]
    messages.append({"role": "assistant", "content": f"answer {n}"})
    return messages


def test_trimming_drops_whole_turns_oldest_first_and_never_orphans_a_tool_result() -> None:
    history = [m for n in range(30) for m in turn(n, tools=n % 3, size=200)]
    kept = trim_history(history, model="gpt-4o-mini", token_budget=800, max_messages=100)
    assert kept and kept[0]["role"] == "user"
    called = {c["id"] for m in kept for c in m.get("tool_calls") or []}
    answered = {m["tool_call_id"] for m in kept if m["role"] == "tool"}
    assert answered == called
    assert kept[-1]["content"] == "answer 29"
    assert all("ts" not in m for m in kept)


def test_trimming_respects_the_message_cap() -> None:
    history = [m for n in range(10) for m in turn(n)]
    kept = trim_history(history, model="gpt-4o-mini", token_budget=100_000, max_messages=5)
    assert len(kept) == 4 and [t[0]["content"][:10] for t in split_turns(kept)] == [
        "question 8",
        "question 9",
    ]


@pytest.mark.parametrize(
    ("reply", "flagged"),
    [
        ("Revenue: 89,917,020 VND from 437 orders", []),
        ("Revenue: 89.917.020 đ from 437 orders", []),
        ("Revenue: about 89.9M VND", []),
        ("Average 205,760 VND", []),  # a rounded tool figure
        ("Revenue: 99,000,000 VND", ["99,000,000"]),
        ("Up 37% on last month", ["37"]),
        ("Top 3 products this week", []),
        ("Orders on 2026-11-30", []),
        ("Units sold: 437\nMình chưa hiểu “size L”", []),  # a line after a figure
        ("437 mục gần nhất", []),  # "m" of a word is no million
        ("Revenue: 89.9 m", []),
    ],
)
def test_fidelity_flags_only_numbers_found_nowhere(reply: str, flagged: list[str]) -> None:
    sources = [
        '{"total_revenue":"89,917,020 VND","total_orders":437,"avg_order_value":"205,759.77 VND"}'
    ]
    assert unsupported_numbers(reply, sources, date(2026, 12, 1)) == flagged


def test_numbers_are_read_in_both_separator_styles() -> None:
    values = [
        v for _, v, _ in numbers_in("1,234,567.89 and 1.234.567 and 12,5 and 100k and 1,5 triệu")
    ]
    assert values == [
        Decimal("1234567.89"),
        Decimal("1234567"),
        Decimal("12.5"),
        Decimal("100000"),
        Decimal("1500000.0"),
    ]


def test_results_are_compact_totals_first_and_capped() -> None:
    rows = Rows(
        [{"product_name": f"P{i}", "price": Decimal("45000"), "stock": i} for i in range(12)], 57
    )
    text, count = format_result("get_inventory_status", rows, "VND")
    lines = text.splitlines()
    assert lines[0] == 'get_inventory_status: {"total_matching":57}'
    assert len([line for line in lines if line.startswith("- ")]) == 10
    assert lines[-1] == "... and 47 more"
    assert '"price":"45,000 VND"' in lines[1] and count == 12
    name, head, sections = parse_result(text)
    assert name == "get_inventory_status" and head == {"total_matching": 57}
    assert len(sections["rows"]) == 10


def test_dict_results_keep_totals_on_the_first_line() -> None:
    data = {
        "total_orders": 3,
        "total_revenue": Decimal("300.50"),
        "orders": [{"order_id": "x", "revenue": Decimal("100.5"), "note": None}],
    }
    text, _ = format_result("get_revenue_by_filters", data, "USD")
    first = json.loads(text.splitlines()[0].split(": ", 1)[1])
    assert first == {"total_orders": 3, "total_revenue": "300.50 USD"}
    assert "... and 2 more" in text


@pytest.mark.parametrize("text", ["reset", "Reset!", "new chat", "bắt đầu lại", "/reset"])
def test_reset_commands(text: str) -> None:
    assert is_reset(text)


@pytest.mark.parametrize("text", ["delete my data", "Delete my data.", "xóa dữ liệu của tôi"])
def test_delete_commands(text: str) -> None:
    assert is_delete_request(text) and not is_reset(text)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("có trà sữa không?", "vi"),
        ("co tra sua khong", "vi"),
        ("do you have matcha?", "en"),
        ("revenue last month", "en"),
        ("doanh thu tháng trước", "vi"),
    ],
)
def test_language_detection(text: str, language: str) -> None:
    assert detect_language(text) == language
