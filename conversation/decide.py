"""One message → one reply: the one place that decides what happens to a message.

In order: is a person holding this chat (then the assistant is silent) → who is asking →
a chat command (a fresh start, "delete my data") → for staff, a staff command and the
notice of what waits; for shoppers, answers that waited for them and "talk to a person" →
otherwise the assistant's tool loop (assistant/loop.py). What the desk sends to others
because of the message comes back in the reply's `outgoing`.
"""

from __future__ import annotations

from datetime import UTC, datetime

from loguru import logger
from uuid_extensions import uuid7

from assistant.loop import ModelRun, answer_with_model, audit, rewriter
from assistant.reply import AssistantReply
from config import Settings
from conversation.commands import canned, is_delete_request, is_human_request, is_reset
from core import memory
from core.language import detect_language
from core.periods import local_today
from core.text import clean_text
from database import state
from database.privacy import delete_sender_data
from desk import handover
from desk import service as desk
from desk.turn import DeskReply, Transcript, Turn, nothing_said
from reports import waiting
from reports.controls import apply as apply_control
from reports.controls import read_control
from tools.llm_tools import TEAM, Caller
from tools.roles import resolve_caller


async def held_by_a_person(
    psid: str, settings: Settings, now: datetime, event_key: str | None = None
) -> bool:
    """Whether a person holds this chat, so the assistant stays silent (the one check).

    A hold made by the message `event_key` itself does not count: its retried job still owes
    the reply and notifications."""
    hours = settings.HANDOVER_TIMEOUT_HOURS
    return await handover.holder(psid, now, hours, event_key) is not None


async def ask_assistant(
    psid: str,
    text: str,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
    event_key: str | None = None,
    mid: str | None = None,
    reply_to_mid: str | None = None,
    transcript: Transcript = nothing_said,
) -> AssistantReply:
    """Answer one message from `psid`, remembering it in the sender's session for today;
    silent when a person holds the chat.

    `event_key` is the message's durable key (the inbox event): what the desk records
    under it (an escalation, an answer) is created once however often this is retried.
    `transcript` reads the channel's record of a chat a person held (for the note the
    assistant keeps when a staff member releases it).
    """
    settings = settings or state().settings
    now = now or datetime.now(UTC)
    if await held_by_a_person(psid, settings, now, event_key):
        logger.info("A person holds the chat with {}: the assistant stays silent", psid)
        caller = await resolve_caller(psid, settings)
        return AssistantReply("", caller.role, detect_language(clean_text(text)), silent=True)
    return await answer(
        psid,
        text,
        settings=settings,
        now=now,
        event_key=event_key,
        mid=mid,
        reply_to_mid=reply_to_mid,
        transcript=transcript,
    )


async def answer(
    psid: str,
    text: str,
    *,
    settings: Settings,
    now: datetime,
    event_key: str | None = None,
    mid: str | None = None,
    reply_to_mid: str | None = None,
    transcript: Transcript = nothing_said,
) -> AssistantReply:
    """Answer one message of a chat no person holds (the caller has checked)."""
    text = clean_text(text)  # the webhook cleans its bodies; `flask ask` and tests come here
    caller = await resolve_caller(psid, settings)
    language = detect_language(text)
    if is_reset(text):
        await memory.reset_conversation(psid)
        return AssistantReply(canned("reset", language), caller.role, language)
    if is_delete_request(text):
        await delete_sender_data(psid)
        return AssistantReply(canned("deleted", language), caller.role, language)

    turn = Turn(
        psid,
        caller.role,
        event_key or f"local:{uuid7()}",
        text,
        language,
        now,
        settings,
        mid=mid,
        reply_to_mid=reply_to_mid,
        rewrite=rewriter(settings),
        transcript=transcript,
    )
    caller = Caller(psid, caller.role, turn)
    before: list[str] = []
    handled: DeskReply | None = None
    if caller.role in TEAM:
        control = read_control(text)
        if control is not None:  # a choice about reports or alerts
            handled = DeskReply(await apply_control(psid, control, settings, language))
        else:
            handled = await desk.staff_command(turn)
        notice = await desk.staff_notice(turn) if not _lists_pending(handled) else None
        away = await waiting.claim(psid, turn.event_key, language)
        before = [line for line in (away, notice) if line]
    else:
        before = await desk.late_relays(turn)
        if is_human_request(text):
            handled = await desk.request_human(turn)
    if handled is not None:
        return await _desk_reply(caller, turn, handled, before)
    reply = await answer_with_model(settings, caller, turn)
    reply.before = before
    reply.outgoing = await desk.turn_outgoing(turn)
    return reply


def _lists_pending(handled: DeskReply | None) -> bool:
    return handled is not None and handled.lists_pending


async def _desk_reply(
    caller: Caller, turn: Turn, handled: DeskReply, before: list[str]
) -> AssistantReply:
    """A message the desk answered itself: remembered and audited like any turn."""
    conversation = await memory.open_conversation(
        turn.psid, local_today(turn.settings.tz, turn.now)
    )
    await memory.append_messages(
        conversation.session_id,
        [{"role": "user", "content": turn.text}, {"role": "assistant", "content": handled.text}],
    )
    desk_run = ModelRun(caller, turn.language, stored=[], model="desk")
    await audit(turn.psid, conversation.session_id, desk_run, turn.text, handled.text, 0, None)
    return AssistantReply(
        handled.text,
        caller.role,
        turn.language,
        model="desk",
        session_id=conversation.session_id,
        quick_replies=list(handled.quick_replies),
        before=before,
        outgoing=[*handled.outgoing, *await desk.turn_outgoing(turn)],
    )
