"""Staff commands, recognised without a model so an answer is never lost to a misreading.

- `#12 <answer>` answers escalation 12 (`#12 nosave: <answer>` keeps it out of the
  shop knowledge; `#12 close` closes it without an answer);
- replying to a notification (Messenger's reply_to) answers that escalation;
- `remember: <question> = <answer>` (`=` first, then `->`, then `question? answer`; or just
  `remember: <fact>`) adds shop knowledge;
- `forget #12` removes knowledge entry 12;
- `take #12` / `take over` hands the shopper's chat to the Page Inbox;
  `release #12` gives it back to the assistant (`release` alone: the chat a person took
  most recently, e.g. by replying from the Page Inbox);
- `pending` lists what is waiting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import fold

_REF = r"#\s*(?P<ref>\d{1,9})"
_ANSWER = re.compile(rf"^\s*{_REF}\s*[:,.\-–—]?\s*(?P<rest>.*)$", re.DOTALL)
_NOSAVE = re.compile(
    r"^\s*(?:\(?\s*(?:no[\s-]?save|don'?t save|do not save|private|khong luu)\s*\)?)\s*[:,.\-–—]?\s*",
    re.IGNORECASE,
)
_NOSAVE_TAIL = re.compile(
    r"\s*[\(\[]\s*(?:no[\s-]?save|don'?t save|do not save|private|khong luu)\s*[\)\]]\s*$",
    re.IGNORECASE,
)
_CLOSE_WORDS = {"close", "closed", "done", "dong", "xong"}
_REMEMBER = re.compile(r"^\s*(?:remember|ghi nho|nho)\s*[:,\-–—]\s*(?P<fact>.+)$", re.DOTALL)
_FORGET = re.compile(rf"^\s*(?:forget|quen|xoa)\s*{_REF}\s*$")
_TAKE = re.compile(rf"^\s*(?:take|take over|nhan)\s*{_REF}\s*$")
_TAKE_OVER = re.compile(r"^\s*(?:take over|take it|toi nhan|de toi)\s*[.!]?\s*$")
_RELEASE = re.compile(rf"^\s*(?:release|give back|hand back|tra lai)\s*(?:{_REF})?\s*[.!]?\s*$")
_PENDING = re.compile(r"^\s*(?:pending|waiting|escalations|cho tra loi)\s*[?.!]?\s*$")
# Tried in order: `=` splits first, so "What is the refund policy? = Refunds…" keeps the
# question whole and the answer without the sign; then an arrow; then the question's "?".
_FACT_SPLITS = (
    re.compile(r"\s*=(?!>)\s*"),
    re.compile(r"\s*(?:=>|->|→)\s*"),
    re.compile(r"(?<=\?)\s+"),
)


@dataclass(frozen=True)
class StaffCommand:
    """A recognised command: `action` and its values."""

    action: str  # answer, close, remember, forget, take, take_over, release, pending
    ref: int | None = None
    text: str = ""
    question: str = ""
    save: bool = True


def parse_staff_command(text: str, reply_to_ref: int | None = None) -> StaffCommand | None:
    """The staff command in `text`, if it is one (`reply_to_ref`: the escalation replied to)."""
    folded = fold(text)
    for pattern, action in ((_FORGET, "forget"), (_TAKE, "take"), (_RELEASE, "release")):
        match = pattern.match(folded)
        if match:
            ref = match.group("ref")
            return StaffCommand(action, ref=int(ref) if ref else None)
    if _TAKE_OVER.match(folded):
        return StaffCommand("take_over", ref=reply_to_ref)
    if _PENDING.match(folded):
        return StaffCommand("pending")
    remember = _REMEMBER.match(folded)
    if remember:
        fact = text[remember.start("fact") :].strip()
        return _remember(fact)
    answer = _ANSWER.match(text)
    if answer:
        return _answer(int(answer.group("ref")), answer.group("rest"))
    if reply_to_ref is not None and text.strip():
        return _answer(reply_to_ref, text)
    return None


def _answer(ref: int, rest: str) -> StaffCommand:
    rest = rest.strip()
    save = True
    # Matched on the folded text ("không lưu" = "khong luu"); folding keeps positions.
    folded = fold(rest)
    if len(folded) == len(rest):
        head = _NOSAVE.match(folded)
        if head:
            rest, folded, save = rest[head.end() :], folded[head.end() :], False
        tail = _NOSAVE_TAIL.search(folded)
        if tail:
            rest, save = rest[: tail.start()], False
    if fold(rest).strip(" .!") in _CLOSE_WORDS:
        return StaffCommand("close", ref=ref)
    return StaffCommand("answer", ref=ref, text=rest.strip(), save=save)


def _remember(fact: str) -> StaffCommand:
    """`question = answer`, `question -> answer`, `question? answer`, or one sentence (used
    as both)."""
    for split in _FACT_SPLITS:
        parts = split.split(fact, maxsplit=1)
        if len(parts) == 2 and parts[0].strip() and parts[1].strip():
            return StaffCommand("remember", question=parts[0].strip(), text=parts[1].strip())
    return StaffCommand("remember", question=fact, text=fact)
