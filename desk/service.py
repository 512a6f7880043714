"""The desk's entry points for one message: staff commands, notices, escalations, relays.

Every message the desk sends is derived from what PostgreSQL records under the message's
durable key, so a retried job sends the same messages again and the outbox sends each
one once: an escalation is created once per shopper message, its staff notified once,
its answer relayed once.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from loguru import logger

from config import Settings
from database import connection, load_sql
from desk import answers, escalations, handover, knowledge
from desk.commands import StaffCommand, parse_staff_command
from desk.escalations import Escalation
from desk.staff import StaffMember, all_staff, route, shopper_name, staff_member
from desk.texts import age, say
from desk.turn import DeskReply, Outgoing, Turn

SQL = load_sql("desk.sql")
QUESTION_CHARS = 300


# ----------------------------------------------------------------------------- shoppers


async def ask_staff(turn: Turn, question: str, kind: str) -> dict[str, object]:
    """Create (once per shopper message) the escalation of `question`; the tool's result.

    A shopper with ESCALATION_LIMIT_PER_SHOPPER questions already open gets no new one (and no
    staff member another notification): they are told one is already with the team."""
    if await escalations.by_event(turn.event_key) is None:
        waiting = await escalations.open_of_shopper(turn.psid)
        if len(waiting) >= turn.settings.ESCALATION_LIMIT_PER_SHOPPER:
            refs = ", ".join(esc.ref for esc in waiting)
            logger.warning(
                "Escalation limit: {} already has {} open ({})", turn.psid, len(waiting), refs
            )
            return {
                "reference": waiting[-1].ref,
                "kind": kind,
                "status": "limit",
                "open_questions": [esc.ref for esc in waiting],
                "note": "this shopper's earlier questions are already with the team; no new "
                "one was raised: tell them the team will answer here",
            }
    targets = await route(kind, turn.settings)
    esc, created = await escalations.create(
        event_key=turn.event_key,
        shopper_psid=turn.psid,
        shopper_mid=turn.mid,
        shopper_name=await shopper_name(turn.psid),
        question=question.strip()[:QUESTION_CHARS],
        shopper_message=turn.text[:2000],
        kind=kind,
        language=turn.language,
        targets=targets,
    )
    if created:
        logger.info(
            "Escalation #{} ({}) for {}: {} staff asked", esc.id, kind, turn.psid, len(targets)
        )
    result: dict[str, object] = {
        "reference": esc.ref,
        "kind": esc.kind,
        "status": esc.status,
        "staff_asked": len(esc.targets),
    }
    if not esc.targets:
        result["note"] = "no staff member is reachable now: the shop will follow up here"
    else:
        result["note"] = "the team has been asked; their answer will be sent here"
    return result


async def request_human(turn: Turn) -> DeskReply:
    """The shopper asks for a person: escalate, hand the thread to the Page Inbox, tell them."""
    result = await ask_staff(turn, turn.text, "support")
    esc = await escalations.by_event(turn.event_key)
    if esc is None:  # the shopper's questions already wait for the team
        return DeskReply(say(turn.language, "limit", ref=result["reference"]))
    await handover.hold(turn.psid, esc.id, "shopper", turn.now, turn.event_key)
    key = "handover" if esc.targets else "handover_none"
    return DeskReply(say(turn.language, key, ref=esc.id))


async def late_relays(turn: Turn) -> list[str]:
    """Answers that waited for this shopper to write again (claimed by this message, once)."""
    texts = []
    for esc in await escalations.relays_for(turn.psid, turn.event_key):
        if esc.relay_state == answers.WAITING:
            await escalations.set_relay(
                esc.id, esc.relay_text or "", answers.QUEUED, turn.event_key
            )
        texts.append(answers.late_relay_text(esc))
    return texts


async def turn_outgoing(turn: Turn) -> list[Outgoing]:
    """What this message makes the desk send to others: staff notifications for the
    escalation it raised, the relay and closure notes for those it answered, handovers."""
    out: list[Outgoing] = []
    for esc in await escalations.of_event(turn.event_key):
        if esc.event_key == turn.event_key:  # raised by this message
            hold = await handover.holder(turn.psid, turn.now, turn.settings.HANDOVER_TIMEOUT_HOURS)
            human = hold is not None and hold.get("escalation_id") == esc.id
            if human:
                out.append(
                    handover.pass_action(turn.psid, turn.settings.HANDOVER_TARGET_APP_ID, esc.id)
                )
            out += _notifications(esc, human)
        if esc.answer_event_key == turn.event_key:  # answered or closed by this message
            out += answers.outgoing_after(esc, turn)
    return out


def _notifications(esc: Escalation, human: bool) -> list[Outgoing]:
    who = esc.shopper_name or say("en", "anonymous")
    key = "notify_human" if human else f"notify_{esc.kind}"
    text = say("en", key, ref=esc.id, who=who, question=esc.question)
    text += "\n" + say("en", "how_to_answer", ref=esc.id)
    quick = () if human else (f"Take #{esc.id}", "Pending")
    return [
        Outgoing(psid, text, purpose="notify", escalation_id=esc.id, quick_replies=quick)
        for psid in esc.target_psids
    ]


# ------------------------------------------------------------------------------- staff


async def staff_command(turn: Turn) -> DeskReply | None:
    """Handle a staff member's command (`#12 …`, a reply to a notification, `remember: …`,
    `forget #3`, `take #12`, `release #12`, `pending`); None when the message is not one."""
    reply_to = await escalations.by_notification(turn.reply_to_mid) if turn.reply_to_mid else None
    command = parse_staff_command(turn.text, reply_to)
    if command is None:
        return None
    staff = await staff_member(turn.psid, turn.settings) or StaffMember(turn.psid, None, "owner")
    logger.info("Staff command {} from {}", command.action, turn.psid)
    return await _dispatch(turn, staff, command)


async def _dispatch(turn: Turn, staff: StaffMember, command: StaffCommand) -> DeskReply:
    if command.action in ("answer", "close"):
        assert command.ref is not None
        if command.action == "answer":
            result = await answers.answer(turn, staff, command.ref, command.text, command.save)
        else:
            result = await answers.close(turn, staff, command.ref)
        return DeskReply(answers.confirmation(result, staff))
    if command.action == "remember":
        entry = await knowledge.add(command.question, command.text, added_by=turn.psid)
        return DeskReply(
            say("en", "remembered", entry=entry, question=command.question, answer=command.text)
        )
    if command.action == "forget":
        removed = await knowledge.remove(int(command.ref or 0))
        if removed is None:
            return DeskReply(say("en", "forget_unknown", entry=command.ref))
        key = "forgot_learnt" if removed.learnt else "forgot"
        return DeskReply(say("en", key, entry=command.ref, question=removed.question))
    if command.action in ("take", "take_over"):
        return await _take(turn, staff, command.ref)
    if command.action == "release":
        if command.ref is None:
            return await _release_latest(turn)
        return await _release(turn, command.ref)
    listing = await pending_text(turn, staff) or say("en", "pending_none")
    return DeskReply(listing, lists_pending=True)


async def _take(turn: Turn, staff: StaffMember, ref: int | None) -> DeskReply:
    if ref is None:
        mine = [
            e for e in await escalations.pending() if not e.targets or staff.psid in e.target_psids
        ]
        if not mine:
            return DeskReply(say("en", "took_none"))
        ref = mine[-1].id
    esc = await escalations.get(ref)
    if esc is None:
        return DeskReply(say("en", "unknown_ref", ref=ref))
    await handover.hold(esc.shopper_psid, esc.id, turn.psid, turn.now, turn.event_key)
    who = esc.shopper_name or say("en", "anonymous")
    action = handover.pass_action(esc.shopper_psid, turn.settings.HANDOVER_TARGET_APP_ID, esc.id)
    return DeskReply(say("en", "took", who=who, ref=esc.id), outgoing=[action])


async def _release(turn: Turn, ref: int) -> DeskReply:
    esc = await escalations.get(ref)
    if esc is None:
        return DeskReply(say("en", "unknown_ref", ref=ref))
    # Not held (any more) is fine: a retried "release" gives the same answer and action.
    await handover.release(esc.shopper_psid, turn.settings, turn.now, turn.transcript)
    who = esc.shopper_name or say("en", "anonymous")
    return DeskReply(
        say("en", "released", who=who, ref=ref),
        outgoing=[handover.take_action(esc.shopper_psid, esc.id)],
    )


async def _release_latest(turn: Turn) -> DeskReply:
    """`release` without a reference: the chat a person took most recently (a handover, or a
    reply from the Page Inbox that silenced the assistant)."""
    hold = await handover.latest_hold()
    if hold is None:
        return DeskReply(say("en", "release_none"))
    if hold.get("escalation_id"):
        return await _release(turn, int(hold["escalation_id"]))
    psid = str(hold["psid"])
    await handover.release(psid, turn.settings, turn.now, turn.transcript)
    who = await shopper_name(psid) or say("en", "anonymous")
    # A pause after a person's reply never passed the thread: there is nothing to take back.
    action = [] if hold.get("until") is not None else [handover.take_action(psid, None)]
    return DeskReply(say("en", "released_chat", who=who), outgoing=action)


def _relevant(esc: Escalation, psid: str) -> bool:
    """Whether a staff member should hear about an open escalation: they were asked, or
    nobody could be."""
    return not esc.targets or psid in esc.target_psids


async def pending_text(turn: Turn, staff: StaffMember) -> str | None:
    """The list of open escalations relevant to `staff`, or None when there are none."""
    mine = [esc for esc in await escalations.pending() if _relevant(esc, staff.psid)]
    if not mine:
        return None
    return _pending_list("pending_list", mine, turn.now)


def _pending_list(title: str, mine: list[Escalation], now: datetime) -> str:
    lines = [say("en", title, count=len(mine))]
    lines += [
        say(
            "en",
            "pending_line",
            ref=esc.id,
            age=age((now - esc.created_at).total_seconds()),
            who=esc.shopper_name or say("en", "anonymous"),
            question=esc.question[:120],
        )
        for esc in mine[:10]
    ]
    lines.append(say("en", "pending_hint"))
    return "\n".join(lines)


async def staff_notice(turn: Turn) -> str | None:
    """Told first when a staff member writes while escalations wait: when one is new to them
    (whether or not its notification reached them: Messenger refuses messages outside the
    24-hour window), and again STAFF_NOTICE_MINUTES after the last notice."""
    staff = await staff_member(turn.psid, turn.settings)
    if staff is None:
        return None
    mine = [esc for esc in await escalations.pending() if _relevant(esc, staff.psid)]
    if not mine:
        return None
    refs = sorted(esc.id for esc in mine)
    rows = await connection().execute_query_dict(SQL["staff_notice_get"], [staff.psid])
    if rows and rows[0]["event_key"] == turn.event_key:  # a retried job: the same notice
        return _pending_list("pending_list", mine, turn.now)
    raw = rows[0]["refs"] if rows else "[]"
    told = set(json.loads(raw) if isinstance(raw, str) else raw)
    told_at: datetime | None = rows[0]["told_at"] if rows else None
    new = set(refs) - told
    stale = told_at is None or turn.now - told_at >= timedelta(
        minutes=turn.settings.STAFF_NOTICE_MINUTES
    )
    if not new and not stale:
        return None
    await connection().execute_query(
        SQL["staff_notice_set"], [staff.psid, json.dumps(refs), turn.now, turn.event_key]
    )
    return await pending_text(turn, staff)


# ------------------------------------------------------------------------ housekeeping


async def expire_stale(settings: Settings, now: datetime) -> list[int]:
    """Mark escalations unanswered for ESCALATION_EXPIRE_HOURS as expired."""
    expired = await escalations.expire(now - timedelta(hours=settings.ESCALATION_EXPIRE_HOURS))
    if expired:
        logger.info("Escalations expired unanswered: {}", ", ".join(f"#{i}" for i in expired))
    return expired


async def reminders(settings: Settings, now: datetime) -> list[Outgoing]:
    """The daily reminder for each staff member with escalations still open."""
    pending = await escalations.pending()
    if not pending:
        return []
    out = []
    for staff in await all_staff(settings):
        mine = [esc for esc in pending if _relevant(esc, staff.psid)]
        if not mine:
            continue
        out.append(Outgoing(staff.psid, _pending_list("reminder", mine, now), purpose="reminder"))
    return out
