"""The one place that talks to LiteLLM: a Router with timeouts, retries and fallbacks.

Models: LLM_MODEL (or the built-in offline model when none is configured), then
LLM_FALLBACK_MODELS in order. Retries on transient errors (429, 5xx, timeouts)
and fallbacks are LiteLLM's Router's, configured here, not hand-written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import litellm
from litellm import Router

from config import OFFLINE_MODEL, Settings

PRIMARY = "primary"
litellm.suppress_debug_info = True
litellm.telemetry = False
# LiteLLM installs its own stderr handlers; send its records through ours instead.
for _name in ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy"):
    _logger = logging.getLogger(_name)
    _logger.handlers.clear()
    _logger.propagate = True
    _logger.setLevel(logging.WARNING)


def register_offline_provider() -> None:
    """Make `offline/...` models resolve to the built-in offline model."""
    from assistant.offline.model import OfflineLLM

    if any(p.get("provider") == "offline" for p in litellm.custom_provider_map):
        return
    entry = {"provider": "offline", "custom_handler": OfflineLLM()}
    litellm.custom_provider_map = [*litellm.custom_provider_map, entry]  # type: ignore[list-item]
    litellm.utils.custom_llm_setup()


@dataclass(frozen=True)
class RouterConfig:
    """The settings a router depends on (hashable, so routers are built once)."""

    chain: tuple[str, ...]
    api_base: str | None
    api_key: str | None
    timeout: float
    num_retries: int

    @classmethod
    def of(cls, settings: Settings) -> RouterConfig:
        """The router configuration of `settings`."""
        return cls(
            tuple(model_chain(settings)),
            settings.LLM_API_BASE,
            settings.LLM_API_KEY,
            settings.LLM_TIMEOUT,
            settings.LLM_NUM_RETRIES,
        )

    def deployment(self, name: str, model: str) -> dict[str, Any]:
        """One entry of the router's model list."""
        params: dict[str, Any] = {"model": model, "timeout": self.timeout}
        if not model.startswith("offline/"):
            if self.api_base:
                params["api_base"] = self.api_base
            if self.api_key:
                params["api_key"] = self.api_key
        return {"model_name": name, "litellm_params": params}


def model_chain(settings: Settings) -> list[str]:
    """The models tried in order for one completion."""
    return [settings.llm_model, *settings.LLM_FALLBACK_MODELS]


@cache
def _router(config: RouterConfig) -> Router:
    names = [PRIMARY, *(f"fallback-{i}" for i in range(1, len(config.chain)))]
    return Router(
        model_list=[
            config.deployment(name, model) for name, model in zip(names, config.chain, strict=True)
        ],
        fallbacks=[{PRIMARY: names[1:]}] if len(names) > 1 else [],
        num_retries=config.num_retries,
        timeout=config.timeout,
        retry_after=0,
        disable_cooldowns=True,
    )


def router_for(settings: Settings) -> Router:
    """The (cached) router for these settings, with the offline provider registered."""
    if any(model.startswith("offline/") for model in model_chain(settings)):
        register_offline_provider()
    return _router(RouterConfig.of(settings))


def shop_context(settings: Settings, today: date) -> dict[str, str]:
    """What a model is told besides the messages: the shop's name and today's date in shop
    time. Sent as LiteLLM's `metadata`, which the offline model reads and LiteLLM never sends
    to a hosted provider (the system prompt tells those)."""
    return {"shop_name": settings.SHOP_NAME, "shop_today": today.isoformat()}


async def complete(
    settings: Settings,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    context: dict[str, str] | None = None,
) -> Any:
    """One chat completion through the router (tools offered when given; `context` from
    `shop_context`)."""
    kwargs: dict[str, Any] = {"model": PRIMARY, "messages": messages}
    if tools:
        kwargs["tools"] = tools
        kwargs["tool_choice"] = "auto"
    if context:
        kwargs["metadata"] = dict(context)
    return await router_for(settings).acompletion(**kwargs)


def is_offline(settings: Settings) -> bool:
    """Whether the primary model is the built-in offline one."""
    return settings.llm_model == OFFLINE_MODEL or settings.llm_model.startswith("offline/")
