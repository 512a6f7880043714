"""The tool loop: one message answered by the model (LiteLLM, or the offline model).

It loads the sender's history for today, offers the tools their role allows, runs up to
LLM_MAX_TOOL_ROUNDS rounds of tool calls (concurrently within a round), checks the reply's
numbers against the tool results, stores the turn and audits it. `rewriter` turns a staff
answer into the shopper's language for the desk.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import openai
from loguru import logger

from assistant.fidelity import unsupported_numbers
from assistant.history import trim_history
from assistant.llm import complete, is_offline, shop_context
from assistant.prompts import CORRECTION, REWRITE, system_prompt
from assistant.reply import AssistantReply
from config import Settings
from core import memory
from core.periods import local_today
from database.models import LLMTurn
from desk.turn import Rewrite, Turn
from tools.charts.draw import Picture, picture
from tools.charts.spec import ChartSpec
from tools.llm_tools import OWNER, Caller, LLMShopTools, ToolResult

STORED_RESULT_CHARS = 1500
MAX_CHARTS = 2  # pictures in one reply
OWNER_QUICK_REPLIES = ["Revenue today", "Revenue this week", "Low stock", "Best sellers"]
SHOPPER_QUICK_REPLIES = ["Menu", "My orders"]
APOLOGY = {
    "en": "Sorry, I can't answer right now. Please try again in a few minutes.",
    "vi": "Xin lỗi, hiện mình chưa trả lời được. Bạn thử lại sau ít phút nhé.",
}


def apology(language: str) -> str:
    """The reply when every model failed, in the user's language."""
    return APOLOGY.get(language, APOLOGY["en"])


@dataclass
class ModelRun:
    """The model's work on one message: calls, usage, tool results, and what to remember."""

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
    context: dict[str, str] = field(default_factory=dict)  # the shop's name, today (llm.py)


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
    run: ModelRun,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
) -> dict[str, Any]:
    response = await complete(settings, messages, tools, run.context)
    run.model = getattr(response, "model", None) or run.model
    usage = getattr(response, "usage", None)
    if usage is not None:
        run.prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
        run.completion_tokens += int(getattr(usage, "completion_tokens", 0) or 0)
    hidden = getattr(response, "_hidden_params", None) or {}
    run.cost += float(hidden.get("response_cost") or 0.0)
    return _message_dict(response.choices[0].message)


async def _run_tools(
    tools: LLMShopTools, run: ModelRun, calls: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    results = await asyncio.gather(
        *(
            tools.execute_tool(call["function"]["name"], call["function"]["arguments"], run.caller)
            for call in calls
        )
    )
    run.results += results
    return [
        {"role": "tool", "tool_call_id": call["id"], "name": result.name, "content": result.content}
        for call, result in zip(calls, results, strict=True)
    ]


async def _tool_loop(
    settings: Settings, tools: LLMShopTools, run: ModelRun, messages: list[dict[str, Any]]
) -> str:
    definitions = tools.get_tool_definitions(run.caller.role)
    for _ in range(settings.LLM_MAX_TOOL_ROUNDS):
        run.rounds += 1
        reply = await _call_model(settings, run, messages, definitions)
        if not reply.get("tool_calls"):
            return str(reply.get("content") or "").strip()
        tool_messages = await _run_tools(tools, run, reply["tool_calls"])
        messages += [reply, *tool_messages]
        run.stored += [reply, *(_stored_tool(m) for m in tool_messages)]
    run.rounds += 1
    final = await _call_model(settings, run, messages, None)
    return str(final.get("content") or "").strip()


def _stored_tool(message: dict[str, Any]) -> dict[str, Any]:
    content = message["content"]
    if len(content) > STORED_RESULT_CHARS:
        content = content[:STORED_RESULT_CHARS] + "\n… (truncated)"
    return {**message, "content": content}


async def _check_numbers(
    settings: Settings,
    run: ModelRun,
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
    run.flags.append(", ".join(flagged))
    logger.warning("Numeric fidelity: reply has unsupported numbers {}; asking once", flagged)
    retry = [
        *messages,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": CORRECTION.format(numbers=", ".join(flagged))},
    ]
    corrected = await _call_model(settings, run, retry, None)
    return str(corrected.get("content") or reply).strip() or reply


async def answer_with_model(settings: Settings, caller: Caller, turn: Turn) -> AssistantReply:
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
    run = ModelRun(caller, language, stored=[user], context=shop_context(settings, today))
    started = time.perf_counter()
    error: str | None = None
    try:
        reply = await _tool_loop(settings, LLMShopTools(settings), run, messages)
        reply = await _check_numbers(settings, run, messages, reply, text, today)
    except (TimeoutError, openai.OpenAIError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        logger.error("Every model failed for psid {}: {}", psid, error)
        reply = apology(language)
        run.stored = [user]  # keep the stored conversation free of half-finished tool calls
    if not reply:
        reply = apology(language)
    charts = await _charts(run.results) if error is None else []
    run.stored.append({"role": "assistant", "content": reply})
    await memory.append_messages(conversation.session_id, run.stored)
    latency_ms = int((time.perf_counter() - started) * 1000)
    await audit(psid, conversation.session_id, run, text, reply, latency_ms, error)
    return AssistantReply(
        reply,
        caller.role,
        language,
        tool_calls=[result.audit() for result in run.results],
        model=run.model,
        session_id=conversation.session_id,
        failed=error is not None,
        images=_images(run.results),
        charts=charts,
        quick_replies=OWNER_QUICK_REPLIES if caller.role == OWNER else SHOPPER_QUICK_REPLIES,
    )


def rewriter(settings: Settings) -> Rewrite:
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


async def _charts(results: list[ToolResult]) -> list[Picture]:
    """The pictures of the figures asked as a chart (at most MAX_CHARTS), rendered off the
    event loop. A chart that cannot be drawn is logged; the text still answers."""
    pictures: list[Picture] = []
    for result in results:
        chart = result.data.get("chart") if result.ok and isinstance(result.data, dict) else None
        if result.name != "query_metrics" or not chart or len(pictures) >= MAX_CHARTS:
            continue
        try:
            pictures.append(await picture(ChartSpec.from_dict(chart)))
        except (ValueError, TypeError, OverflowError, RuntimeError, MemoryError) as exc:
            # matplotlib's own errors: the line of figures still answers.
            logger.opt(exception=exc).error("Chart not drawn: {}", exc)
    return pictures


async def audit(
    psid: str,
    session_id: UUID,
    run: ModelRun,
    text: str,
    reply: str,
    latency_ms: int,
    error: str | None,
) -> None:
    """Record one answered message in `llm_turns` (a desk answer has model "desk")."""
    await LLMTurn.create(
        psid=psid,
        session_id=session_id,
        role=run.caller.role,
        user_message=text,
        reply=reply,
        model=run.model,
        prompt_tokens=run.prompt_tokens,
        completion_tokens=run.completion_tokens,
        cost_usd=round(run.cost, 6) if run.cost else None,
        latency_ms=latency_ms,
        rounds=run.rounds,
        tool_calls=json.loads(json.dumps([r.audit() for r in run.results], default=str)),
        fidelity_flags=run.flags,
        error=error,
    )
