"""GET /healthz: is the process up and is its database reachable."""

from __future__ import annotations

import concurrent.futures

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue
from loguru import logger

from database import connection

bp = Blueprint("health", __name__)


async def _ping() -> None:
    await connection().execute_query("SELECT 1")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Report database reachability: 200 when up, 503 when not."""
    runtime = current_app.extensions["runtime"]
    try:
        runtime.run(_ping(), timeout=3)
    except (concurrent.futures.TimeoutError, OSError, ConnectionError) as exc:
        logger.warning("Health check: database unreachable: {}", exc)
        return jsonify(status="degraded", database="down"), 503
    except Exception as exc:  # noqa: BLE001 - any driver error means "down" here
        logger.warning("Health check: database error: {!r}", exc)
        return jsonify(status="degraded", database="down"), 503
    return jsonify(status="ok", database="up")
