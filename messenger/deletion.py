"""Meta's data deletion callback: verify `signed_request`, find the person, delete, and give
a status URL that says what really happened.

Meta names the person by an app-scoped id; everything here is keyed by this page's PSID.
The ID Matching API maps one to the other (`GraphClient.ids_for_pages`), and the id is
tried as a PSID too (a dry run or development setup has no ID Matching). The lookup is one
Graph call in the request: Meta waits for the confirmation code, and the callback is rare.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from loguru import logger

from config import Settings
from database import privacy
from messenger.graph_api import GraphClient, PageIds

bp = Blueprint("deletion", __name__)

MAX_JSON_DEPTH = 64
# Meta's clock and ours may differ a little; a request "issued" further ahead is not Meta's.
CLOCK_SKEW_SECONDS = 300
_USER_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
DETAILS = {
    privacy.DELETED: "Your conversations with the shop's assistant and the questions you "
    "asked the staff were deleted on {date}, together with every copy of your words in the "
    "staff's messages. The shop keeps your orders and customer record for its accounts.",
    privacy.NOTHING_STORED: "We checked on {date}: the shop's assistant held no conversation "
    "data about you, so there was nothing to delete.",
    privacy.COULD_NOT_MAP: "We could not find which Messenger conversation is yours on {date} "
    "(Facebook did not tell us your id for this page), so nothing could be deleted "
    "automatically. Write “delete my data” to the page in Messenger and everything is "
    "deleted at once.",
    "unverified": "This request was recorded on {date}, before deletions were checked; write "
    "“delete my data” to the page in Messenger to be sure everything is deleted.",
}


def _b64decode(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> int:
    """How deep arrays and objects nest in JSON `text` (strings skipped), without parsing it;
    stops counting past `limit`."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > limit:
                break
        elif char in "]}":
            depth -= 1
    return deepest


def parse_signed_request(signed_request: str, secret: str) -> dict[str, Any] | None:
    """The payload of a valid `signed_request` (HMAC-SHA256 with the app secret), else None.

    The signature is checked before the payload is decoded, and a payload nested deeper than
    MAX_JSON_DEPTH is refused unparsed: bad input is None, never an exception.
    """
    signature_part, sep, payload_part = signed_request.partition(".")
    if not sep or not secret:
        return None
    try:
        signature = _b64decode(signature_part)
        expected = hmac.new(secret.encode(), payload_part.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            return None
        text = _b64decode(payload_part).decode("utf-8")
        if json_depth(text) > MAX_JSON_DEPTH:
            return None
        payload = json.loads(text)
    except (ValueError, UnicodeError, RecursionError):
        return None
    if not isinstance(payload, dict) or str(payload.get("algorithm", "")).upper() != "HMAC-SHA256":
        return None
    return payload


def user_id_of(payload: dict[str, Any]) -> str | None:
    """The payload's `user_id` when it looks like an id (a number or a short token)."""
    value = payload.get("user_id")
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value)
    return text if _USER_ID.fullmatch(text) else None


def age_refusal(payload: dict[str, Any], max_age: int, now: float) -> str | None:
    """Why a request is too old (or not dated) to act on, else None."""
    issued = payload.get("issued_at")
    if isinstance(issued, bool) or not isinstance(issued, int | float) or not math.isfinite(issued):
        return "signed_request has no issued_at"
    if issued > now + CLOCK_SKEW_SECONDS:
        return "signed_request is issued in the future"
    if now - issued > max_age:
        return "signed_request is too old"
    return None


@dataclass(frozen=True)
class Mapping:
    """The ids to delete (this page's PSIDs, then the id itself) and whether Meta mapped it."""

    psids: tuple[str, ...]
    mapped: bool


def map_user(settings: Settings, user_id: str) -> Mapping:
    """This page's PSID(s) of the person Meta names by an app-scoped id, plus the id itself."""
    if settings.FB_PAGE_ID:
        found = GraphClient(settings).ids_for_pages(user_id, settings.FB_PAGE_ID)
    else:
        found = PageIds(error="FB_PAGE_ID is not set")
    if found.error:
        logger.warning("Data deletion: the app-scoped id was not mapped to a PSID: {}", found.error)
    elif not found.psids:
        logger.warning("Data deletion: Meta knows no PSID on this page for the app-scoped id")
    return Mapping(tuple(dict.fromkeys([*found.psids, user_id])), mapped=bool(found.psids))


def status_url(settings: Settings, code: str) -> str:
    """The status page's URL: on PUBLIC_BASE_URL, else (with a warning) the request's host."""
    if settings.PUBLIC_BASE_URL:
        return settings.PUBLIC_BASE_URL + url_for("deletion.deletion_status", code=code)
    logger.warning(
        "PUBLIC_BASE_URL is not set: the data deletion status URL uses this request's host {!r}",
        request.host,
    )
    return url_for("deletion.deletion_status", code=code, _external=True)


def _refused(reason: str) -> ResponseReturnValue:
    logger.info("Data deletion request refused: {}", reason)
    return jsonify(error=reason), 400


@bp.post("/facebook/data-deletion")
def data_deletion() -> ResponseReturnValue:
    """Delete a person's data on Meta's request; answer with a status URL and code."""
    settings: Settings = current_app.config["SETTINGS"]
    signed = request.form.get("signed_request", "")
    payload = parse_signed_request(signed, settings.FB_APP_SECRET or "")
    user_id = user_id_of(payload) if payload is not None else None
    if payload is None or user_id is None:
        return _refused("invalid signed_request")
    runtime = current_app.extensions["runtime"]
    request_hash = hashlib.sha256(signed.encode()).hexdigest()
    known = runtime.run(privacy.handled_request(request_hash), timeout=10)
    if known is None:
        reason = age_refusal(payload, settings.DELETION_REQUEST_MAX_AGE_SECONDS, time.time())
        if reason:
            return _refused(reason)
        mapping = map_user(settings, user_id)
        handled = privacy.handle_request(
            request_hash, user_id, mapping.psids, mapped=mapping.mapped
        )
        known = runtime.run(handled, timeout=60)
    else:
        logger.info("Data deletion request replayed: the same confirmation, nothing more")
    return jsonify(url=status_url(settings, known.code), confirmation_code=known.code)


@bp.get("/facebook/data-deletion/<code>")
def deletion_status(code: str) -> ResponseReturnValue:
    """Tell the person what their deletion request found and did, and when."""
    found = current_app.extensions["runtime"].run(privacy.request_status(code), timeout=5)
    if found is None:
        return jsonify(status="unknown confirmation code"), 404
    date = found.at.date().isoformat()
    detail = DETAILS.get(found.status, DETAILS["unverified"]).format(date=date)
    return jsonify(
        status=found.status,
        confirmation_code=code,
        at=found.at.isoformat(),
        date=date,
        detail=detail,
    )
