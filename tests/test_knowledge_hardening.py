"""Shop knowledge that stays true and private (issue #14, items 5, 6, 9 and the "untrusted"
half of item 3): keyword stuffing cannot poison the answers, a shopper's personal details are
not learnt and no shopper sees a learnt question, and `remember:` splits at `=` first.

The pure parts (redaction, parsing) need no database; the rest runs on real PostgreSQL with
the demo shop's six standing entries, as a shop would have them.
"""

from __future__ import annotations

import pytest

from desk.commands import StaffCommand, parse_staff_command

# ------------------------------------------------------------------ item 9: remember:


@pytest.mark.parametrize(
    ("text", "question", "answer"),
    [
        (
            "remember: What is the refund policy? = Refunds within 7 days with the receipt",
            "What is the refund policy?",
            "Refunds within 7 days with the receipt",
        ),
        ("remember: What is the refund policy?=Refunds", "What is the refund policy?", "Refunds"),
        (
            "remember: refund policy = Refunds -> store credit",
            "refund policy",
            "Refunds -> store credit",
        ),
        ("remember: wifi password = lotus=2024", "wifi password", "lotus=2024"),
        ("remember: wifi password -> lotus2024", "wifi password", "lotus2024"),
        ("remember: wifi password → lotus2024", "wifi password", "lotus2024"),
        ("remember: wifi => LotusGuest", "wifi", "LotusGuest"),
        (
            "remember: Do you deliver? -> Yes, in District 1",
            "Do you deliver?",
            "Yes, in District 1",
        ),
        ("remember: parking? Free motorbike parking", "parking?", "Free motorbike parking"),
        ("remember: Open on Tet? Closed 3 days? Yes", "Open on Tet?", "Closed 3 days? Yes"),
        (
            "ghi nhớ: Có giao hàng không? = Có, trong Quận 1",
            "Có giao hàng không?",
            "Có, trong Quận 1",
        ),
        ("nhớ: giờ mở cửa = 7h đến 22h", "giờ mở cửa", "7h đến 22h"),
    ],
)
def test_remember_splits_at_equals_before_anything_else(
    text: str, question: str, answer: str
) -> None:
    assert parse_staff_command(text) == StaffCommand("remember", text=answer, question=question)


def test_remember_one_fact_is_both_question_and_answer() -> None:
    fact = "we deliver free over 200k"
    assert parse_staff_command(f"remember: {fact}") == StaffCommand(
        "remember", text=fact, question=fact
    )
