"""Property-based fuzzing of webhook bodies/headers and tool arguments (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from database import connection
from messenger.signature import sign
from tests.conftest import make_settings
from tools.llm_tools import TOOLS, Caller, LLMShopTools

SECRET = "fuzz-secret"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        "sender": st.one_of(json_values, st.fixed_dictionaries({"id": json_values})),
        "recipient": json_values,
        "timestamp": json_values,
        "message": st.one_of(
            json_values,
            st.fixed_dictionaries(
                {},
                optional={
                    "mid": json_values,
                    "text": json_values,
                    "is_echo": json_values,
                    "attachments": json_values,
                    "quick_reply": json_values,
                },
            ),
        ),
        "postback": json_values,
        "read": json_values,
    },
)
webhook_like = st.fixed_dictionaries(
    {"object": st.sampled_from(["page", "user", "", None, 5])},
    optional={
        "entry": st.one_of(
            json_values,
            st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "id": json_values,
                        "time": json_values,
                        "messaging": st.one_of(json_values, st.lists(event_like, max_size=3)),
                        "standby": st.lists(event_like, max_size=2),
                    },
                ),
                max_size=3,
            ),
        )
    },
)


@pytest.fixture(scope="module")
def fuzz_app(database_url: str, loop: Any) -> Flask:
    from main import create_app

    flask_app = create_app(make_settings(database_url, FB_APP_SECRET=SECRET, RUN_WORKER=False))
    flask_app.extensions["runtime"] = loop
    return flask_app


def _stored(run: Any) -> int:
    async def go() -> int:
        rows = await connection().execute_query_dict(
            "SELECT (SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'handle_event')"
            " + (SELECT count(*) FROM inbox_events) AS n"
        )
        return int(rows[0]["n"])

    return run(go())


@FUZZ
@given(
    body=st.one_of(webhook_like.map(lambda v: json.dumps(v).encode()), st.binary(max_size=300)),
    header=st.one_of(
        st.none(),
        st.text(st.characters(blacklist_characters="\r\n\x00"), max_size=80),
        st.just("sha256=" + "0" * 64),
    ),
)
def test_unsigned_or_mis_signed_posts_are_403_and_store_nothing(
    fuzz_app, run, procrastinate_schema, body, header
) -> None:  # noqa: ANN001
    before = _stored(run)
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers["X-Hub-Signature-256"] = header
    response = fuzz_app.test_client().post("/facebook", data=body, headers=headers)
    assert response.status_code == 403
    assert _stored(run) == before


@FUZZ
@given(
    body=st.one_of(
        webhook_like.map(lambda v: json.dumps(v).encode()),
        st.binary(max_size=300),
        st.text(max_size=200).map(str.encode),
    )
)
def test_signed_garbage_never_gets_a_5xx(fuzz_app, procrastinate_schema, body) -> None:  # noqa: ANN001
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(SECRET, body)}
    response = fuzz_app.test_client().post("/facebook", data=body, headers=headers)
    assert response.status_code in (200, 400, 413)


tool_names = st.sampled_from(sorted(TOOLS) + ["no_such_tool", "", "get_revenue_by_filters; DROP"])
arguments = st.one_of(
    st.dictionaries(
        st.sampled_from(
            [
                "limit",
                "start_date",
                "end_date",
                "period",
                "periods_back",
                "employee_name",
                "query",
                "search_text",
                "product_name",
                "min_amount",
                "stock_level",
                "metric_type",
                "days_back",
                "psid",
                "category",
                "brand",
                "max_price",
                "is_premium",
            ]
        ),
        json_values,
        max_size=5,
    ),
    st.text(max_size=60),
    json_values,
)


@FUZZ
@given(name=tool_names, args=arguments, role=st.sampled_from(["owner", "shopper"]))
def test_tool_calls_always_return_a_result_never_sql_or_a_database_error(
    run, demo_shop, name, args, role
) -> None:  # noqa: ANN001
    async def go() -> Any:
        return await LLMShopTools().execute_tool(name, args, Caller("fuzz-psid", role))

    result = run(go())
    if not result.ok:
        text = (result.error or "").lower()
        assert result.content.startswith("ERROR")
        for leaked in ("select ", "syntax error", "asyncpg", "postgres", "traceback", "relation "):
            assert leaked not in text
    if role == "shopper":
        assert result.ok is False or "shopper" in TOOLS[name].roles
