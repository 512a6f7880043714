"""The Graph API Send API client: messages, sender actions, error classes, dry run.

The page token travels in the JSON body, never in a URL, so it cannot leak into
logs or exception messages. Errors are classified by `error.code`/`error_subcode`
(see shared MESSENGER-SEND-ERRORS), not by HTTP status.
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass
from typing import Any

import requests

from config import Settings
from messenger.events import mark_for

RETRYABLE_CODES = {1, 2, 4, 613, 1200, -1}
# The page token is invalid or expired (190), or the session behind it is (102): not the
# message's fault — it waits until a working token is set.
TOKEN_CODES = {190, 102}


class Outcome(enum.StrEnum):
    """What happened to one Send API call."""

    SENT = "sent"
    DRY_RUN = "dry_run"
    TRANSIENT = "transient"  # retry with backoff
    PERMANENT = "permanent"  # do not retry: fix the request or the recipient is unreachable
    TOKEN = "token"  # the page token is invalid or expired
    AMBIGUOUS = "ambiguous"  # sent, maybe: a timeout after the request went out


@dataclass(frozen=True)
class SendResult:
    """The outcome of a call, with Meta's error details when it failed."""

    outcome: Outcome
    message_id: str | None = None
    code: int | None = None
    subcode: int | None = None
    error: str | None = None

    @property
    def delivered(self) -> bool:
        """Whether the message reached Meta (or was logged in a dry run)."""
        return self.outcome in (Outcome.SENT, Outcome.DRY_RUN)


def classify_error(status: int, body: Any) -> SendResult:
    """Map an HTTP status and Graph error body to an outcome."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        outcome = Outcome.TRANSIENT if status >= 500 or status == 429 else Outcome.PERMANENT
        return SendResult(outcome, error=f"HTTP {status} without a Graph error body")
    code = error.get("code")
    subcode = error.get("error_subcode")
    message = str(error.get("message", ""))[:300]
    code = code if isinstance(code, int) else None
    subcode = subcode if isinstance(subcode, int) else None
    if code in TOKEN_CODES:
        outcome = Outcome.TOKEN
    elif code == 1 and subcode in (99, 2018382):
        outcome = Outcome.PERMANENT
    elif code in RETRYABLE_CODES:
        outcome = Outcome.TRANSIENT
    else:
        outcome = Outcome.PERMANENT
    return SendResult(outcome, code=code, subcode=subcode, error=message)


class GraphClient:
    """Sends to `{GRAPH_API_BASE}/{GRAPH_API_VERSION}/me/messages` with `requests`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = f"{settings.GRAPH_API_BASE.rstrip('/')}/{settings.GRAPH_API_VERSION}/me/messages"
        self._local = threading.local()

    @property
    def dry_run(self) -> bool:
        """True without a page token: nothing is sent, replies are logged."""
        return not self.settings.send_enabled

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    def post(self, payload: dict[str, Any], *, path: str | None = None) -> SendResult:
        """POST one Send API (or other /me/ edge) request; blocking — call it from a thread."""
        if self.dry_run:
            return SendResult(Outcome.DRY_RUN)
        url = self.url if path is None else self.url.rsplit("/", 1)[0] + f"/{path}"
        body = {**payload, "access_token": self.settings.FB_PAGE_ACCESS_TOKEN}
        try:
            response = self._session().post(url, json=body, timeout=self.settings.GRAPH_API_TIMEOUT)
        except requests.ConnectTimeout:
            return SendResult(Outcome.TRANSIENT, error="connect timeout")
        except requests.Timeout:
            return SendResult(Outcome.AMBIGUOUS, error="read timeout after the request was sent")
        except requests.ConnectionError as exc:
            return SendResult(Outcome.TRANSIENT, error=f"connection error: {type(exc).__name__}")
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.ok and isinstance(data, dict) and "error" not in data:
            return SendResult(Outcome.SENT, message_id=data.get("message_id"))
        return classify_error(response.status_code, data)

    def send_message(
        self,
        psid: str,
        message: dict[str, Any],
        *,
        messaging_type: str = "RESPONSE",
        tag: str | None = None,
        part_id: int | None = None,
    ) -> SendResult:
        """Send one message (text or attachment, with optional quick replies)."""
        payload: dict[str, Any] = {
            "recipient": {"id": psid},
            "messaging_type": messaging_type,
            "message": {**message, "metadata": mark_for(part_id)},
        }
        if tag:
            payload["tag"] = tag
        return self.post(payload)

    def thread_control(self, psid: str, action: dict[str, Any]) -> SendResult:
        """Handover Protocol: `{"pass_thread_control": {...}}` or `{"take_thread_control": {...}}`
        for the thread with `psid` (POST /me/pass_thread_control, /me/take_thread_control)."""
        ((edge, params),) = action.items()
        result = self.post({"recipient": {"id": psid}, **params}, path=edge)
        return SendResult(Outcome.SENT) if result.outcome is Outcome.SENT else result

    def sender_action(self, psid: str, action: str) -> SendResult:
        """`mark_seen`, `typing_on` or `typing_off` (best effort)."""
        return self.post({"recipient": {"id": psid}, "sender_action": action})
