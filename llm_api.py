"""`ask_assistant`: one incoming message from a sender → one reply, through the tool loop.

The same function serves the Messenger worker, `flask ask` and the tests. It loads
the sender's session for today, offers the tools their role allows, runs up to
LLM_MAX_TOOL_ROUNDS rounds of tool calls (concurrently within a round), checks
the reply's numbers against the tool results, stores the turn and audits it.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import openai
from loguru import logger
from uuid_extensions import uuid7

from assistant.commands import canned, is_delete_request, is_human_request, is_reset
from assistant.fidelity import unsupported_numbers
from assistant.history import trim_history
from assistant.llm import complete, is_offline
from assistant.prompts import CORRECTION, REWRITE, system_prompt
from config import Settings
from core import memory
from core.language import detect_language
from core.periods import local_today
from core.text import clean_text
from database import state
from database.models import LLMTurn
from database.privacy import delete_sender_data
from desk import service as desk
from desk.turn import DeskReply, Outgoing, Turn
from tools.llm_tools import OWNER, TEAM, Caller, LLMShopTools, ToolResult
from tools.roles import resolve_caller

STORED_RESULT_CHARS = 1500
OWNER_QUICK_REPLIES = ["Revenue today", "Revenue this week", "Low stock", "Best sellers"]
SHOPPER_QUICK_REPLIES = ["Menu", "My orders"]


@dataclass
class AssistantReply:
    """What the assistant answers, and how it got there."""

    text: str
    role: str
    language: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    model: str | None = None
    session_id: UUID | None = None
    failed: bool = False
    images: list[str] = field(default_factory=list)
    quick_replies: list[str] = field(default_factory=list)
    # Messages to the sender before the reply (a staff notice, answers that waited for them).
    before: list[str] = field(default_factory=list)
    # Messages to others and handover actions this turn caused (staff notified, a relay).
    outgoing: list[Outgoing] = field(default_factory=list)
    # Nothing to send: a person holds this shopper's thread.
    silent: bool = False


@dataclass
class _Turn:
    caller: Caller
    language: str
    stored: list[dict[str, Any]]
    results: list[ToolResult] = field(default_factory=list)
    model: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    rounds: int = 0
    flags: list[str] = field(default_factory=list)


def _message_dict(message: Any) -> dict[str, Any]:
    calls = [
        {
            "id": call.id,
            "type": "function",
            "function": {"name": call.function.name, "arguments": call.function.arguments or "{}"},
        }
        for call in (getattr(message, "tool_calls", None) or [])
    ]
    out: dict[str, Any] = {"role": "assistant", "content": getattr(message, "content", None)}
    if calls:
        out["tool_calls"] = calls
    return out


async def _call_model(
    settings: Settings,
    turn: _Turn,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    response = await complete(settings, messages, tools)
    turn.model = getattr(response, "model", None) or turn.model
    usage = getattr(response, "usage", None)
    if usage is not None:
        turn.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
        turn.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
    hidden = getattr(response, "_hidden_params", None) or {}
    turn.cost += float(hidden.get("response_cost") or 0.0)
    return _message_dict(response.choices[0].message)


async def _run_tools(
    tools: LLMShopTools, turn: _Turn, calls: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    results = await asyncio.gather(
        *(
            tools.execute_tool(call["function"]["name"], call["function"]["arguments"], turn.caller)
            for call in calls
        )
    )
    turn.results += results
    return [
        {"role": "tool", "tool_call_id": call["id"], "name": result.name, "content": result.content}
        for call, result in zip(calls, results, strict=True)
    ]


async def _tool_loop(
    settings: Settings, tools: LLMShopTools, turn: _Turn, messages: list[dict[str, Any]]
) -> str:
    definitions = tools.get_tool_definitions(turn.caller.role)
    for _ in range(settings.LLM_MAX_TOOL_ROUNDS):
        turn.rounds += 1
        reply = await _call_model(settings, turn, messages, definitions)
        if not reply.get("tool_calls"):
            return str(reply.get("content") or "").strip()
        tool_messages = await _run_tools(tools, turn, reply["tool_calls"])
        messages += [reply, *tool_messages]
        turn.stored += [reply, *(_stored_tool(m) for m in tool_messages)]
    turn.rounds += 1
    final = await _call_model(settings, turn, messages, None)
    return str(final.get("content") or "").strip()


def _stored_tool(message: dict[str, Any]) -> dict[str, Any]:
    content = message["content"]
    if len(content) > STORED_RESULT_CHARS:
        content = content[:STORED_RESULT_CHARS] + "\n… (truncated)"
    return {**message, "content": content}


async def _check_numbers(
    settings: Settings,
    turn: _Turn,
    messages: list[dict[str, Any]],
    reply: str,
    user_text: str,
    today: Any,
) -> str:
    sources = [user_text] + [
        str(m.get("content") or "") for m in messages if m.get("role") == "tool"
    ]
    flagged = unsupported_numbers(reply, sources, today)
    if not flagged:
        return reply
    turn.flags.append(", ".join(flagged))
    logger.warning("Numeric fidelity: reply has unsupported numbers {}; asking once", flagged)
    retry = [
        *messages,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": CORRECTION.format(numbers=", ".join(flagged))},
    ]
    corrected = await _call_model(settings, turn, retry, None)
    return str(corrected.get("content") or reply).strip() or reply


async def ask_assistant(
    psid: str,
    text: str,
    *,
    settings: Settings | None = None,
    now: datetime | None = None,
    event_key: str | None = None,
    mid: str | None = None,
    reply_to_mid: str | None = None,
) -> AssistantReply:
    """Answer one message from `psid`, remembering it in the sender's session for today.

    `event_key` is the message's durable key (the inbox event): what the desk records
    under it (an escalation, an answer) is created once however often this is retried.
    """
    settings = settings or state().settings
    now = now or datetime.now(UTC)
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
        rewrite=_rewriter(settings),
    )
    caller = Caller(psid, caller.role, turn)
    before: list[str] = []
    handled: DeskReply | None = None
    if caller.role in TEAM:
        handled = await desk.staff_command(turn)
        notice = await desk.staff_notice(turn) if not _lists_pending(handled) else None
        before = [notice] if notice else []
    else:
        if await desk.thread_held(turn):
            logger.info("A person holds the chat with {}: the assistant stays silent", psid)
            return AssistantReply("", caller.role, language, silent=True)
        before = await desk.late_relays(turn)
        if is_human_request(text):
            handled = await desk.request_human(turn)
    if handled is not None:
        return await _desk_reply(caller, turn, handled, before)
    reply = await _assistant_turn(settings, caller, turn)
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
    desk_turn = _Turn(caller, turn.language, stored=[], model="desk")
    await _audit(turn.psid, conversation.session_id, desk_turn, turn.text, handled.text, 0, None)
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


async def _assistant_turn(settings: Settings, caller: Caller, turn: Turn) -> AssistantReply:
    """The model's turn: session history, tool loop, numeric fidelity, memory, audit."""
    psid, text, language = turn.psid, turn.text, turn.language
    today = local_today(settings.tz, turn.now)
    conversation = await memory.open_conversation(psid, today)
    history = trim_history(
        conversation.messages,
        model=settings.llm_model,
        token_budget=settings.LLM_HISTORY_TOKEN_BUDGET,
        max_messages=settings.MAX_MESSAGES_PER_SESSION - 1,
    )
    user = {"role": "user", "content": text}
    system = system_prompt(
        settings, role=caller.role, today=today, highlights=conversation.highlights
    )
    messages = [{"role": "system", "content": system}, *history, user]
    llm_turn = _Turn(caller, language, stored=[user])
    started = time.perf_counter()
    error: str | None = None
    try:
        reply = await _tool_loop(settings, LLMShopTools(settings), llm_turn, messages)
        reply = await _check_numbers(settings, llm_turn, messages, reply, text, today)
    except (TimeoutError, openai.OpenAIError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        logger.error("Every model failed for psid {}: {}", psid, error)
        reply = canned("apology", language)
        llm_turn.stored = [user]  # keep the stored conversation free of half-finished tool calls
    if not reply:
        reply = canned("apology", language)
    llm_turn.stored.append({"role": "assistant", "content": reply})
    await memory.append_messages(conversation.session_id, llm_turn.stored)
    latency_ms = int((time.perf_counter() - started) * 1000)
    await _audit(psid, conversation.session_id, llm_turn, text, reply, latency_ms, error)
    return AssistantReply(
        reply,
        caller.role,
        language,
        tool_calls=[result.audit() for result in llm_turn.results],
        model=llm_turn.model,
        session_id=conversation.session_id,
        failed=error is not None,
        images=_images(llm_turn.results),
        quick_replies=OWNER_QUICK_REPLIES if caller.role == OWNER else SHOPPER_QUICK_REPLIES,
    )


def _rewriter(settings: Settings) -> Any:
    """Rewrites a staff answer into the shopper's language (as written with the offline model)."""

    async def rewrite(text: str, language: str) -> str:
        if is_offline(settings):
            return text
        target = "Vietnamese" if language == "vi" else "English"
        messages = [
            {"role": "system", "content": REWRITE.format(language=target)},
            {"role": "user", "content": text},
        ]
        response = await complete(settings, messages, None)
        return str(response.choices[0].message.content or "").strip()

    return rewrite


def _images(results: list[ToolResult]) -> list[str]:
    for result in results:
        if result.ok and result.name == "get_product_details" and isinstance(result.data, dict):
            return list(result.data.get("images") or [])[:1]
    return []


async def _audit(
    psid: str,
    session_id: UUID,
    turn: _Turn,
    text: str,
    reply: str,
    latency_ms: int,
    error: str | None,
) -> None:
    await LLMTurn.create(
        psid=psid,
        session_id=session_id,
        role=turn.caller.role,
        user_message=text,
        reply=reply,
        model=turn.model,
        prompt_tokens=turn.prompt_tokens,
        completion_tokens=turn.completion_tokens,
        cost_usd=round(turn.cost, 6) if turn.cost else None,
        latency_ms=latency_ms,
        rounds=turn.rounds,
        tool_calls=json.loads(json.dumps([r.audit() for r in turn.results], default=str)),
        fidelity_flags=turn.flags,
        error=error,
    )
