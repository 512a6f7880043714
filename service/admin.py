"""Read-only admin endpoints, behind a bearer token (ADMIN_TOKEN; unset = off)."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from config import Settings
from service.inspect import sender_report

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def _require_token() -> None:
    settings: Settings = current_app.config["SETTINGS"]
    if not settings.ADMIN_TOKEN:
        abort(404)
    scheme, _, given = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), settings.ADMIN_TOKEN.encode()
    ):
        abort(401)


@bp.get("/senders/<psid>")
def sender(psid: str) -> ResponseReturnValue:
    """What happened to one sender: conversation, tool calls, events, outgoing messages."""
    settings: Settings = current_app.config["SETTINGS"]
    limit = min(max(request.args.get("limit", 20, type=int) or 20, 1), 200)
    report = current_app.extensions["runtime"].run(sender_report(psid, settings, limit), 10)
    return jsonify(report)
