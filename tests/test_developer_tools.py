"""Data deletion (callback and chat command), the admin endpoint, and the CLI commands."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from flask import Flask

from database import connection
from llm_api import ask_assistant
from messenger.deletion import parse_signed_request
from tests.conftest import make_settings

SECRET = "deletion-secret"

ADMIN_TOKEN = "admin-token-of-24-chars-or-more"


def signed_request(payload: dict[str, Any], secret: str = SECRET) -> str:
    body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    sig = hmac.new(secret.encode(), body.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(sig).rstrip(b"=").decode() + "." + body


@pytest.fixture(scope="module")
def dev_app(database_url: str, loop: Any) -> Flask:
    from main import create_app

    settings = make_settings(database_url, FB_APP_SECRET=SECRET, ADMIN_TOKEN=ADMIN_TOKEN)
    flask_app = create_app(settings)
    flask_app.extensions["runtime"] = loop
    return flask_app


def _history_rows(run: Any, psid: str) -> dict[str, int]:
    async def go() -> dict[str, int]:
        conn = connection()
        counts = {}
        for table, column in [("users_sessions", "customer_id"), ("llm_turns", "psid")]:
            rows = await conn.execute_query_dict(
                f"SELECT count(*) AS n FROM {table} WHERE {column} = $1",
                [psid],
            )
            counts[table] = int(rows[0]["n"])
        return counts

    return run(go())


def test_signed_request_is_verified() -> None:
    good = signed_request({"algorithm": "HMAC-SHA256", "user_id": "u1"})
    assert parse_signed_request(good, SECRET) == {"algorithm": "HMAC-SHA256", "user_id": "u1"}
    assert parse_signed_request(good, "other-secret") is None
    assert parse_signed_request(good[:-2] + "xx", SECRET) is None
    assert parse_signed_request("garbage", SECRET) is None
    assert parse_signed_request(good, "") is None


def test_deletion_callback_deletes_history_and_confirms(run, dev_app, demo_shop) -> None:
    settings = dev_app.config["SETTINGS"]
    psid = "delete-me-1"
    run(ask_assistant(psid, "hello", settings=settings))
    assert _history_rows(run, psid) == {"users_sessions": 1, "llm_turns": 1}
    client = dev_app.test_client()
    # A dry run (no page token) cannot ask Meta for the PSID: the id is tried as one.
    payload = {"algorithm": "HMAC-SHA256", "user_id": psid, "issued_at": int(time.time())}
    response = client.post(
        "/facebook/data-deletion", data={"signed_request": signed_request(payload)}
    )
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"url", "confirmation_code"}
    assert _history_rows(run, psid) == {"users_sessions": 0, "llm_turns": 0}
    status = client.get(f"/facebook/data-deletion/{body['confirmation_code']}")
    assert status.status_code == 200 and status.get_json()["status"] == "deleted"
    assert client.get("/facebook/data-deletion/nope").status_code == 404


def test_deletion_callback_rejects_a_bad_signature(dev_app) -> None:
    bad = signed_request({"algorithm": "HMAC-SHA256", "user_id": "x"}, secret="wrong")
    response = dev_app.test_client().post("/facebook/data-deletion", data={"signed_request": bad})
    assert response.status_code == 400


def test_delete_my_data_chat_command(run, dev_app, demo_shop) -> None:
    settings = dev_app.config["SETTINGS"]
    psid = "delete-me-2"
    run(ask_assistant(psid, "do you have matcha?", settings=settings))
    reply = run(ask_assistant(psid, "delete my data", settings=settings))
    assert "deleted" in reply.text
    assert _history_rows(run, psid) == {"users_sessions": 0, "llm_turns": 0}


def test_admin_endpoint_needs_the_token(run, dev_app, demo_shop) -> None:
    settings = dev_app.config["SETTINGS"]
    run(ask_assistant("6100000000000001", "revenue last month", settings=settings))
    client = dev_app.test_client()
    assert client.get("/admin/senders/6100000000000001").status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    assert client.get("/admin/senders/6100000000000001", headers=wrong).status_code == 401
    bare = {"Authorization": ADMIN_TOKEN}  # the scheme is required
    assert client.get("/admin/senders/6100000000000001", headers=bare).status_code == 401
    good = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    report = client.get("/admin/senders/6100000000000001", headers=good).get_json()
    assert report["role"] == "owner"
    assert report["turns"][0]["tool_calls"][0]["name"] == "query_metrics"
    assert report["conversation"]["messages"][-1]["role"] == "assistant"


def test_messenger_profile_dry_run_prints_the_payload(dev_app) -> None:
    result = dev_app.test_cli_runner().invoke(args=["messenger-profile", "--dry-run"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["get_started"] == {"payload": "GET_STARTED"}
    assert len(payload["ice_breakers"][0]["call_to_actions"]) <= 4
    assert all(len(g["text"]) <= 160 for g in payload["greeting"])
