"""A staff answer: only the first counts, it goes to the shopper once, and the shop learns it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from loguru import logger

from core.language import detect_language
from core.text import fold
from desk import escalations, knowledge
from desk.escalations import Escalation
from desk.staff import StaffMember
from desk.texts import say
from desk.turn import Outgoing, Turn, last_message_at
from desk.windows import Delivery, relay_window

QUEUED, TAGGED, WAITING = "queued", "tagged", "waiting"


@dataclass(frozen=True)
class AnswerResult:
    """What happened to an answer: `outcome` is answered, closed, already, unknown or empty."""

    outcome: str
    ref: int
    escalation: Escalation | None = None
    knowledge_id: int | None = None
    relay: str | None = None  # queued, tagged (HUMAN_AGENT), waiting
    was_expired: bool = False
    not_learnt: str | None = None  # why a question to save was not: too_long, personal

    def as_dict(self) -> dict[str, object]:
        """For a tool result."""
        esc = self.escalation
        out: dict[str, object] = {"reference": f"#{self.ref}", "outcome": self.outcome}
        if esc is not None:
            out["status"] = esc.status
            if self.outcome == "already":
                out["answered_by"] = esc.answered_by_name
            if self.outcome == "answered":
                out["sent_to_shopper"] = self.relay in (QUEUED, TAGGED)
                out["waits_for_shopper"] = self.relay == WAITING
                out["saved_as"] = f"#{self.knowledge_id}" if self.knowledge_id else None
                if self.not_learnt:
                    out["not_saved_because"] = self.not_learnt
        return out


async def answer(turn: Turn, staff: StaffMember, ref: int, text: str, save: bool) -> AnswerResult:
    """Answer `#ref` as `staff` (idempotent for a retried message: the same outcome again)."""
    text = text.strip()
    current = await escalations.get(ref)
    if current is None:
        return AnswerResult("unknown", ref)
    if not text:
        return AnswerResult("empty", ref, current)
    if current.answer_event_key == turn.event_key and current.status == "answered":
        return await _after_answer(turn, current)  # this very message answered it before a retry
    was_expired = current.status == "expired"
    # A support case (a damaged order, a refund) is one shopper's business: not learnt.
    save = save and current.kind == "question"
    updated = await escalations.answer(ref, text, staff, turn.event_key, save=save)
    if updated is None:
        latest = await escalations.get(ref)
        return AnswerResult("already", ref, latest or current)
    logger.info("Escalation #{} answered by {}", ref, staff.psid)
    result = await _after_answer(turn, updated)
    return replace(result, was_expired=was_expired)


async def close(turn: Turn, staff: StaffMember, ref: int) -> AnswerResult:
    """Close `#ref` without an answer (idempotent for a retried message)."""
    current = await escalations.get(ref)
    if current is None:
        return AnswerResult("unknown", ref)
    if current.answer_event_key == turn.event_key and current.status == "closed":
        return AnswerResult("closed", ref, current)
    updated = await escalations.close(ref, staff, turn.event_key)
    if updated is None:
        return AnswerResult("already", ref, await escalations.get(ref) or current)
    return AnswerResult("closed", ref, updated)


async def _after_answer(turn: Turn, esc: Escalation) -> AnswerResult:
    """Learn the answer (unless told not to) and decide how it reaches the shopper."""
    assert esc.answer is not None
    entry_id, not_learnt = esc.knowledge_id, None
    if esc.save_to_knowledge and entry_id is None:
        # The next shopper may be answered from it: learnt without this shopper's details,
        # and not at all when it is too long to reuse or the answer repeats their details.
        question, not_learnt = knowledge.learnable(esc.question, esc.answer)
        if not_learnt is None:
            entry_id = await knowledge.add(
                question,
                esc.answer,
                added_by=esc.answered_by_psid,
                source=knowledge.LEARNT,
                escalation_id=esc.id,
            )
            await escalations.set_knowledge(esc.id, entry_id)
    state = esc.relay_state
    if state is None:
        relay_text = esc.relay_text or await _in_shopper_language(turn, esc)
        window = relay_window(
            await last_message_at(esc.shopper_psid),
            turn.now,
            turn.settings.ENABLE_HUMAN_AGENT_TAG,
        )
        if window.delivery is Delivery.RESPONSE:
            state = QUEUED
        elif window.delivery is Delivery.TAGGED:
            state = TAGGED
        else:
            state = WAITING
        await escalations.set_relay(
            esc.id, relay_text, state, turn.event_key if state != WAITING else None
        )
    refreshed = await escalations.get(esc.id) or esc
    return AnswerResult("answered", esc.id, refreshed, entry_id, state, not_learnt=not_learnt)


async def _in_shopper_language(turn: Turn, esc: Escalation) -> str:
    answer_text = esc.answer or ""
    if detect_language(answer_text) == esc.language:
        return answer_text
    try:
        rewritten = (await turn.rewrite(answer_text, esc.language)).strip()
    except Exception as exc:  # any model failure: relay the answer as written
        logger.warning("Could not rewrite the answer to #{}: {}; relaying as written", esc.id, exc)
        return answer_text
    return rewritten or answer_text


def _comparable(text: str) -> str:
    return " ".join(fold(text).lower().split()).strip(" \"'“”‘’.,;:!?-–—")


def staff_words(proposed: str, message: str) -> str:
    """What a model may relay for a staff member: the part of their own message it proposes
    (quoted verbatim), else their whole message — never words it composed itself, which a
    prompt injection planted in a learnt question could fill with other customers' data."""
    wanted, said = _comparable(proposed), _comparable(message)
    if wanted and len(wanted) >= 2 and wanted in said:
        return proposed.strip()
    return message.strip()


def confirmation(result: AnswerResult, staff: StaffMember) -> str:
    """What the answering staff member is told."""
    esc, ref = result.escalation, result.ref
    if result.outcome == "unknown":
        return say("en", "unknown_ref", ref=ref)
    if result.outcome == "empty":
        return say("en", "empty_answer", ref=ref)
    assert esc is not None
    if result.outcome == "already":
        how = "closed" if esc.status == "closed" else "answered"
        return say("en", "already", ref=ref, how=how, who=esc.answered_by_name or "someone")
    if result.outcome == "closed":
        return say("en", "closed_ok", ref=ref)
    who = esc.shopper_name or say("en", "anonymous")
    key = "answered_waiting" if result.relay == WAITING else "answered_sent"
    lines = [say("en", key, ref=ref, who=who)]
    if result.knowledge_id:
        lines.append(say("en", "saved", entry=result.knowledge_id))
    elif esc.kind == "support":
        lines.append(say("en", "not_saved_support"))
    elif result.not_learnt:
        lines.append(say("en", f"not_saved_{result.not_learnt}"))
    else:
        lines.append(say("en", "not_saved"))
    if result.was_expired:
        lines.append(say("en", "expired_note", ref=ref))
    return "\n".join(lines)


def outgoing_after(esc: Escalation, turn: Turn) -> list[Outgoing]:
    """The relay to the shopper and the closure notes to the other staff asked, for an
    escalation answered or closed by this message (derived from the record: a retry sends the
    same messages, and the outbox sends each once)."""
    out: list[Outgoing] = []
    if esc.status == "answered" and esc.relay_event_key == turn.event_key:
        text = say(
            esc.language, "relay", ref=esc.id, question=esc.question, answer=esc.relay_text or ""
        )
        tagged = esc.relay_state == TAGGED
        out.append(
            Outgoing(
                esc.shopper_psid,
                text,
                purpose="relay",
                messaging_type="MESSAGE_TAG" if tagged else "RESPONSE",
                tag="HUMAN_AGENT" if tagged else None,
                escalation_id=esc.id,
            )
        )
    how = "closed" if esc.status == "closed" else "answered"
    closure = say("en", "closed_by", ref=esc.id, how=how, who=esc.answered_by_name or "a colleague")
    out += [
        Outgoing(psid, closure, purpose="closure", escalation_id=esc.id)
        for psid in esc.target_psids
        if psid != esc.answered_by_psid
    ]
    return out


def late_relay_text(esc: Escalation) -> str:
    """An answer delivered when the shopper writes again, saying what it answers."""
    return say(
        esc.language, "relay_late", ref=esc.id, question=esc.question, answer=esc.relay_text or ""
    )
