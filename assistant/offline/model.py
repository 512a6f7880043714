"""The built-in offline model, plugged into LiteLLM as the custom provider `offline`.

It reads the conversation, picks a tool with the parser, emits a genuine
OpenAI-format tool call, and once the results come back writes the reply from
them — through the same tool loop as any hosted model, with no key and no network.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import date
from typing import Any

from litellm import CustomLLM
from litellm.types.utils import (
    ChatCompletionMessageToolCall,
    Choices,
    Function,
    Message,
    ModelResponse,
    Usage,
)

from assistant.offline.intent import ANSWER, ASK_STAFF, KNOWLEDGE, METRICS, OWNER_TOOLS, SEARCH
from assistant.offline.metrics_writer import Context
from assistant.offline.parser import ParsedIntent, Vocabulary, parse
from assistant.offline.vocabulary import load_vocabulary
from assistant.offline.writer import good_entry, text, write_reply
from assistant.prompts import CORRECTION_LEAD
from tools.formatting import parse_result

OWNER_ONLY_HINT = METRICS


def _context(kwargs: dict[str, Any]) -> tuple[date, str]:
    """Today (shop time) and the shop's name, as the tool loop passes them (LiteLLM metadata,
    see assistant.llm.shop_context); the system's date and "shop" without them."""
    metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
    today = metadata.get("shop_today")
    shop = metadata.get("shop_name") or "shop"
    return (date.fromisoformat(today) if today else date.today()), shop


def _user_texts(messages: list[dict[str, Any]]) -> list[str]:
    return [str(m.get("content") or "") for m in messages if m.get("role") == "user"]


def _questions(messages: list[dict[str, Any]]) -> list[str]:
    """The caller's questions before the last one that a tool answered, oldest first.

    Only these are the context of a follow-up: an answer to a pending escalation or a desk
    command (stored as a user message and its desk reply, with no tool call), a correction
    request, small talk or a message superseded in a flood never changes how the next
    question is read."""
    found: list[str] = []
    asked: str | None = None
    last = max((i for i, m in enumerate(messages) if m.get("role") == "user"), default=0)
    for message in messages[:last]:
        role = message.get("role")
        if role == "user":
            content = str(message.get("content") or "")
            asked = None if content.startswith(CORRECTION_LEAD) else content
        elif role == "assistant" and asked is not None and _asks(message):
            found.append(asked)
            asked = None
    return found


def _asks(message: dict[str, Any]) -> bool:
    """Whether an assistant message called a tool that answers a question (not the desk's
    answer_escalation or ask_staff, which pass words between people)."""
    names = {(call.get("function") or {}).get("name") for call in message.get("tool_calls") or []}
    return bool(names - {ANSWER, ASK_STAFF, None})


def _calls(messages: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The arguments of the calls made since the question, by tool (the last of each)."""
    found: dict[str, dict[str, Any]] = {}
    for message in reversed(messages):
        if message.get("role") == "user":
            break
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            try:
                value = json.loads(function.get("arguments") or "{}")
            except (TypeError, json.JSONDecodeError):
                value = {}
            found.setdefault(str(function.get("name")), value if isinstance(value, dict) else {})
    return found


def _trailing_tool_results(messages: list[dict[str, Any]]) -> list[str]:
    results: list[str] = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.insert(0, str(message.get("content") or ""))
    return results


def _turn_tool_results(messages: list[dict[str, Any]]) -> list[str]:
    """Tool results after the last real question (before a correction request)."""
    results: list[str] = []
    for message in reversed(messages[:-1]):
        if message.get("role") == "user":
            break
        if message.get("role") == "tool":
            results.insert(0, str(message.get("content") or ""))
    return results


def _since_question(messages: list[dict[str, Any]]) -> list[tuple[str, dict[str, Any], list[Any]]]:
    """The (tool, totals, rows) of every tool result since the question, in order."""
    results: list[tuple[str, dict[str, Any], list[Any]]] = []
    for message in reversed(messages):
        if message.get("role") == "user":
            break
        if message.get("role") == "tool":
            name, head, sections = parse_result(str(message.get("content") or ""))
            results.insert(0, (name, head, sections.get("rows", [])))
    return results


def _next_step(
    done: list[tuple[str, dict[str, Any], list[Any]]],
    question: str,
    offered: set[str],
    intent: ParsedIntent,
) -> dict[str, Any] | None:
    """When a shopper's question is not answered yet, the next tool.

    A catalog search that found nothing tries the shop knowledge; knowledge without a good
    entry asks the staff — unless the shopper was looking for a product the shop simply
    does not have ("do you sell durian cake?").
    """
    if not done or not question.strip():
        return None
    name, _, rows = done[-1]
    tried = {tool for tool, _, _ in done}
    ask = {"tool": ASK_STAFF, "arguments": {"question": question.strip()[:300], "kind": "question"}}
    if name == SEARCH and not rows:
        if KNOWLEDGE in offered and KNOWLEDGE not in tried:
            return {"tool": KNOWLEDGE, "arguments": {"query": question.strip()[:300]}}
        if KNOWLEDGE in tried and not intent.asks_for_product and ASK_STAFF in offered:
            return ask
        return None
    if name != KNOWLEDGE or any(good_entry(row) for row in rows):
        return None
    if ASK_STAFF in offered and not (SEARCH in tried and intent.asks_for_product):
        return ask
    return None


def _replied(messages: list[dict[str, Any]], trailing: list[str]) -> list[str]:
    """The results to write from: the trailing ones, or — when the shop knowledge had nothing
    after a catalog search that found nothing — the catalog's "nothing found"."""
    done = _since_question(messages)
    if len(done) >= 2 and done[-1][0] == KNOWLEDGE and not any(good_entry(r) for r in done[-1][2]):
        return [str(m.get("content") or "") for m in messages if m.get("role") == "tool"][-2:-1]
    return trailing


def _get(message: Any, key: str) -> Any:
    return message.get(key) if isinstance(message, dict) else getattr(message, key, None)


class OfflineLLM(CustomLLM):
    """A deterministic, rule-based chat model with tool calling."""

    async def acompletion(self, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        """Answer one chat completion request."""
        messages = [m if isinstance(m, dict) else dict(m) for m in kwargs.get("messages", [])]
        optional = kwargs.get("optional_params") or {}
        offered = {
            tool["function"]["name"] for tool in optional.get("tools") or [] if "function" in tool
        }
        response: ModelResponse = kwargs.get("model_response") or ModelResponse()
        today, shop = _context(kwargs)
        decision = await self._decide(messages, offered, today=today, shop=shop)
        return _fill(response, kwargs.get("model", "offline"), decision, messages)

    def completion(self, *args: Any, **kwargs: Any) -> ModelResponse:  # type: ignore[override]
        """The offline model answers only through the async path."""
        raise NotImplementedError("use litellm.acompletion with the offline model")

    async def _decide(
        self, messages: list[dict[str, Any]], offered: set[str], *, today: date, shop: str
    ) -> dict[str, Any]:
        users = _user_texts(messages)
        current = users[-1] if users else ""
        # Staff outside ANALYTICS_ROLES are offered the desk but not the figures: their
        # questions are read as an owner's, and a figure they ask for is declined below.
        team = OWNER_ONLY_HINT in offered or ANSWER in offered
        role = "owner" if team else "shopper"
        vocabulary = await load_vocabulary(role)
        previous = self._previous(_questions(messages), today, role, vocabulary)
        intent = parse(current, today=today, role=role, vocabulary=vocabulary, previous=previous)
        results = _trailing_tool_results(messages)
        if current.startswith(CORRECTION_LEAD):
            # Asked to correct its figures: write again from this turn's tool results only.
            results = _turn_tool_results(messages)
            current = users[-2] if len(users) > 1 else ""
            earlier = _questions(messages[: len(messages) - 1])
            previous = self._previous(earlier, today, role, vocabulary)
            intent = parse(
                current, today=today, role=role, vocabulary=vocabulary, previous=previous
            )
        if results:
            chained = _next_step(_since_question(messages), current, offered, intent)
            if chained is not None:
                return chained
            calls = _calls(messages)
            context = Context(
                language=intent.language,
                today=today,
                arguments=calls.get(METRICS, {}),
                calls=calls,
                left_out=intent.left_out,
            )
            return {"content": write_reply(_replied(messages, results), intent.language, context)}
        if intent.tool and intent.tool in offered:
            return {"tool": intent.tool, "arguments": intent.arguments}
        if intent.tool in OWNER_TOOLS:
            return {"content": text(intent.language, "owners_only")}
        return {"content": self._small_talk(intent, role, shop)}

    @staticmethod
    def _previous(
        earlier: list[str], today: date, role: str, vocabulary: Vocabulary
    ) -> ParsedIntent | None:
        """The intent of the conversation so far, following follow-ups from the start."""
        previous: ParsedIntent | None = None
        for message in earlier[-8:]:
            intent = parse(
                message, today=today, role=role, vocabulary=vocabulary, previous=previous
            )
            if intent.tool:
                previous = intent
        return previous

    @staticmethod
    def _small_talk(intent: ParsedIntent, role: str, shop: str) -> str:
        lang = intent.language
        help_text = text(lang, "help_owner" if role == "owner" else "help_shopper")
        if intent.intent == "greeting":
            return f"{text(lang, 'greeting', shop=shop)}\n{help_text}"
        if intent.intent == "thanks":
            return text(lang, "thanks")
        if intent.intent == "help":
            return help_text
        return f"{text(lang, 'unknown')}\n{help_text}"


def _fill(
    response: ModelResponse, model: str, decision: dict[str, Any], messages: list[dict[str, Any]]
) -> ModelResponse:
    if "tool" in decision:
        call = ChatCompletionMessageToolCall(
            id=f"call_{uuid.uuid4().hex[:24]}",
            type="function",
            function=Function(name=decision["tool"], arguments=json.dumps(decision["arguments"])),
        )
        message = Message(role="assistant", content=None, tool_calls=[call])
        finish = "tool_calls"
    else:
        message = Message(role="assistant", content=decision["content"])
        finish = "stop"
    response.choices = [Choices(index=0, message=message, finish_reason=finish)]
    response.model = model
    response.created = int(time.time())
    prompt_chars = sum(len(str(_get(m, "content") or "")) for m in messages)
    completion_chars = len(str(decision.get("content") or decision.get("arguments") or ""))
    response.usage = Usage(  # type: ignore[attr-defined]
        prompt_tokens=prompt_chars // 4,
        completion_tokens=completion_chars // 4,
        total_tokens=(prompt_chars + completion_chars) // 4,
    )
    return response
