"""Meta's data deletion callback: verify `signed_request`, delete, return the confirmation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from loguru import logger

from config import Settings
from database import connection
from database.privacy import delete_sender_data

bp = Blueprint("deletion", __name__)


def _b64decode(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def parse_signed_request(signed_request: str, secret: str) -> dict[str, Any] | None:
    """The payload of a valid `signed_request` (HMAC-SHA256 with the app secret), else None."""
    signature_part, sep, payload_part = signed_request.partition(".")
    if not sep or not secret:
        return None
    try:
        signature = _b64decode(signature_part)
        payload = json.loads(_b64decode(payload_part))
    except (ValueError, UnicodeDecodeError):
        return None
    expected = hmac.new(secret.encode(), payload_part.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected) or not isinstance(payload, dict):
        return None
    if str(payload.get("algorithm", "")).upper() != "HMAC-SHA256":
        return None
    return payload


async def _delete_and_record(user_id: str) -> str:
    sessions = (await delete_sender_data(user_id)).sessions
    code = secrets.token_hex(8)
    digest = hashlib.sha256(user_id.encode()).hexdigest()
    await connection().execute_query(
        "INSERT INTO data_deletions (confirmation_code, user_id_hash, deleted_sessions)"
        " VALUES ($1, $2, $3)",
        [code, digest, sessions],
    )
    return code


@bp.post("/facebook/data-deletion")
def data_deletion() -> ResponseReturnValue:
    """Delete a user's chat data on Meta's request; answer with a status URL and code."""
    settings: Settings = current_app.config["SETTINGS"]
    payload = parse_signed_request(
        request.form.get("signed_request", ""), settings.FB_APP_SECRET or ""
    )
    if payload is None or not payload.get("user_id"):
        return jsonify(error="invalid signed_request"), 400
    runtime = current_app.extensions["runtime"]
    code = runtime.run(_delete_and_record(str(payload["user_id"])), timeout=10)
    logger.info("Data deletion request handled (confirmation {})", code)
    status_url = url_for("deletion.deletion_status", code=code, _external=True)
    return jsonify(url=status_url, confirmation_code=code)


@bp.get("/facebook/data-deletion/<code>")
def deletion_status(code: str) -> ResponseReturnValue:
    """Tell the user whether their deletion request was carried out."""

    async def lookup() -> list[dict[str, Any]]:
        return await connection().execute_query_dict(
            "SELECT created_at FROM data_deletions WHERE confirmation_code = $1", [code]
        )

    rows = current_app.extensions["runtime"].run(lookup(), timeout=5)
    if not rows:
        return jsonify(status="unknown confirmation code"), 404
    return jsonify(status="deleted", confirmation_code=code, at=rows[0]["created_at"].isoformat())
