"""The Graph API Send API client: messages, sender actions, error classes, dry run.

The page token travels in the JSON body, never in a URL, so it cannot leak into
logs or exception messages. Errors are classified by `error.code`/`error_subcode`
(see shared MESSENGER-SEND-ERRORS), not by HTTP status.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import re
import threading
from dataclasses import dataclass, replace
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
    attachment_id: str | None = None  # an uploaded file's id (message_attachments)

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


@dataclass(frozen=True)
class PageIds:
    """The ID Matching API's answer: the person's PSIDs on the page, or why there are none."""

    psids: tuple[str, ...] = ()
    error: str | None = None


_NUMERIC_ID = re.compile(r"[0-9]{1,32}")


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
        url = self.url if path is None else self._edge(path)
        body = {**payload, "access_token": self.settings.FB_PAGE_ACCESS_TOKEN}
        return self._request(url, json=body)

    def upload_attachment(self, filename: str, content: bytes, content_type: str) -> SendResult:
        """Upload a picture (`POST /me/message_attachments`, multipart: a `message` field with
        the attachment's type and `is_reusable`, the file in `filedata`); its
        `attachment_id` sends it. Blocking — call it from a thread."""
        if self.dry_run:
            return SendResult(Outcome.DRY_RUN)
        message = {"attachment": {"type": "image", "payload": {"is_reusable": True}}}
        form = {
            "message": json.dumps(message),
            "access_token": self.settings.FB_PAGE_ACCESS_TOKEN or "",
        }
        files = {"filedata": (filename, content, content_type)}
        result = self._request(self._edge("message_attachments"), data=form, files=files)
        if result.outcome is Outcome.AMBIGUOUS:  # uploading again only makes a spare copy
            return replace(result, outcome=Outcome.TRANSIENT)
        return result

    def _edge(self, path: str) -> str:
        return self.url.rsplit("/", 1)[0] + f"/{path}"

    def _request(self, url: str, **request: Any) -> SendResult:
        try:
            response = self._session().post(url, timeout=self.settings.GRAPH_API_TIMEOUT, **request)
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
            attachment = data.get("attachment_id")
            return SendResult(
                Outcome.SENT,
                message_id=data.get("message_id"),
                attachment_id=str(attachment) if attachment is not None else None,
            )
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

    def ids_for_pages(self, asid: str, page_id: str) -> PageIds:
        """The PSID(s) on page `page_id` of the person Meta calls `asid` (an app-scoped id):
        the ID Matching API, `GET /{asid}/ids_for_pages?page=…`, answered as
        `{"data": [{"id": <PSID>, "page": {"id", "name"}}], "paging": …}`.

        Meta asks for the app access token (`FB_APP_ID|FB_APP_SECRET`; the page token without
        FB_APP_ID) with its `appsecret_proof`, and the app and page in one Business Manager.
        The GET travels inside a batch request (`POST /?batch=[…]`), so the token — which
        holds the app secret — is in the body: a GET's query string lands in urllib3's debug
        log. Blocking — call it from a thread.
        """
        if self.dry_run:
            return PageIds(error="dry run (FB_PAGE_ACCESS_TOKEN is not set)")
        if not (_NUMERIC_ID.fullmatch(asid) and _NUMERIC_ID.fullmatch(page_id)):
            return PageIds(error="not a numeric app-scoped id")
        settings = self.settings
        token = (
            f"{settings.FB_APP_ID}|{settings.FB_APP_SECRET}"
            if settings.FB_APP_ID and settings.FB_APP_SECRET
            else settings.FB_PAGE_ACCESS_TOKEN or ""
        )
        lookup = {"method": "GET", "relative_url": f"{asid}/ids_for_pages?page={page_id}"}
        body = {"batch": json.dumps([lookup]), "include_headers": "false", "access_token": token}
        if settings.FB_APP_SECRET:
            secret = settings.FB_APP_SECRET.encode()
            body["appsecret_proof"] = hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()
        url = self.url.rsplit("/", 2)[0] + "/"
        try:
            response = self._session().post(url, data=body, timeout=settings.GRAPH_API_TIMEOUT)
        except requests.RequestException as exc:
            return PageIds(error=f"request failed: {type(exc).__name__}")
        status, answer = _batch_answer(response)
        entries = answer.get("data") if isinstance(answer, dict) else None
        if status != 200 or not isinstance(entries, list):
            failure = classify_error(status, answer)
            return PageIds(error=f"Graph error {failure.code}/{failure.subcode}: {failure.error}")
        return PageIds(_psids_on_page(entries, page_id))


def _batch_answer(response: requests.Response) -> tuple[int, Any]:
    """The status and JSON body of a one-call batch: `[{"code": 200, "body": "<json>"}]`, or
    the request's own when the batch as a whole failed (a bad token)."""
    try:
        data = response.json()
    except ValueError:
        return response.status_code, None
    if not (isinstance(data, list) and data and isinstance(data[0], dict)):
        return response.status_code, data
    code = data[0].get("code")
    try:
        body = json.loads(data[0].get("body") or "null")
    except (TypeError, ValueError):
        body = None
    return (code if isinstance(code, int) else 500), body


def _psids_on_page(entries: list[Any], page_id: str) -> tuple[str, ...]:
    """The entries' PSIDs on `page_id` (an entry naming no page answers the `page` asked)."""
    psids = []
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str | int):
            continue
        page = entry.get("page")
        page_of = page.get("id") if isinstance(page, dict) else None
        if page_of is None or str(page_of) == page_id:
            psids.append(str(entry["id"]))
    return tuple(dict.fromkeys(psids))
