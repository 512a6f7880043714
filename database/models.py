"""Tortoise models for the tables the application itself writes."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Session(Model):
    """One conversation: its messages in `message["messages"]`."""

    id = fields.UUIDField(primary_key=True)
    message: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "session"


class UsersSession(Model):
    """Links a sender (PSID) to a session for one shop-local day."""

    id = fields.UUIDField(primary_key=True)
    customer_id = fields.TextField()
    session: fields.ForeignKeyRelation[Session] = fields.ForeignKeyField(
        "shop.Session", related_name="owners", source_field="session_id"
    )
    highlights: list | None = fields.JSONField(null=True)  # type: ignore[assignment]
    status = fields.IntField(default=1)
    session_date = fields.DateField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "users_sessions"


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
