"""The history a model sees: the newest whole turns of a conversation that fit its budget."""

from __future__ import annotations

from typing import Any


def split_turns(messages: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group stored messages into turns, each starting at a user message."""
    turns: list[list[dict[str, Any]]] = []
    for message in messages:
        if message.get("role") == "user" or not turns:
            turns.append([])
        turns[-1].append(message)
    return turns


def for_model(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as the chat API expects it (our bookkeeping keys removed)."""
    return {
        k: v
        for k, v in message.items()
        if k in {"role", "content", "tool_calls", "tool_call_id", "name"}
    }


def trim_history(
    messages: list[dict[str, Any]], *, model: str, token_budget: int, max_messages: int
) -> list[dict[str, Any]]:
    """The newest whole turns that fit the token budget and message cap.

    Whole turns are dropped oldest first, so a tool result is never sent without
    the assistant message that called it.
    """
    from litellm import token_counter  # LiteLLM takes seconds to import: only when trimming

    turns = [[for_model(m) for m in turn] for turn in split_turns(messages)]
    turns = [turn for turn in turns if turn and turn[0].get("role") == "user"]
    kept: list[list[dict[str, Any]]] = []
    count = 0
    for turn in reversed(turns):
        candidate = [m for t in [turn, *kept] for m in t]
        if count + len(turn) > max_messages:
            break
        if token_counter(model=model, messages=candidate) > token_budget:
            break
        kept.insert(0, turn)
        count += len(turn)
    return [m for turn in kept for m in turn]
