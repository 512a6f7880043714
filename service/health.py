"""GET /healthz: is the process up and is its database reachable."""

from __future__ import annotations

import concurrent.futures
from typing import Any

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from loguru import logger

from database import ping
from messenger.delivery import service_problems

bp = Blueprint("health", __name__)


async def _ping() -> list[dict[str, Any]]:
    await ping()
    return await service_problems()


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Report database reachability (200 when up, 503 when not) and problems that stop
    messages going out (a rejected page token: `degraded`, still 200 — the webhook keeps
    storing what arrives, and it goes out once the token is fixed)."""
    runtime = current_app.extensions["runtime"]
    try:
        problems = runtime.run(_ping(), timeout=3)
    except (concurrent.futures.TimeoutError, OSError, ConnectionError) as exc:
        logger.warning("Health check: database unreachable: {}", exc)
        return jsonify(status="degraded", database="down"), 503
    except Exception as exc:  # any driver error means "down" here
        logger.warning("Health check: database error: {!r}", exc)
        return jsonify(status="degraded", database="down"), 503
    if problems:
        return jsonify(status="degraded", database="up", problems=problems)
    return jsonify(status="ok", database="up")
