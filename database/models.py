"""Tortoise models: the audit of assistant turns (other tables are read and written with the
named queries of sql/)."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class LLMTurn(Model):
    """The audit record of one assistant turn."""

    id = fields.UUIDField(primary_key=True)
    psid = fields.TextField()
    session_id = fields.UUIDField(null=True)
    role = fields.TextField()
    user_message = fields.TextField(null=True)
    reply = fields.TextField(null=True)
    model = fields.TextField(null=True)
    prompt_tokens = fields.IntField(default=0)
    completion_tokens = fields.IntField(default=0)
    cost_usd = fields.DecimalField(max_digits=12, decimal_places=6, null=True)
    latency_ms = fields.IntField(null=True)
    rounds = fields.IntField(default=0)
    tool_calls: list = fields.JSONField(default=list)  # type: ignore[assignment]
    fidelity_flags: list = fields.JSONField(default=list)  # type: ignore[assignment]
    error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "llm_turns"
