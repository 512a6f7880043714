"""Fixtures: settings → a fresh real database per run → the background loop → app → client."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient

from config import Settings
from database import close_database, init_database
from service.runtime import BackgroundLoop
from testing.databases import fresh_database

T = TypeVar("T")
Runner = Callable[..., Any]

TEST_TIMEZONE = "Asia/Ho_Chi_Minh"  # UTC+7 all year: boundaries are easy to compute by hand


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="heavy: run with `make test-heavy`")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings for tests: no .env file, a fixed shop time zone, the test database."""
    values: dict[str, Any] = {
        "DATABASE_URL": database_url,
        "SHOP_TIMEZONE": TEST_TIMEZONE,
        "SHOP_NAME": "Test Tea House",
        "SHOP_CURRENCY": "VND",
        "FB_APP_SECRET": None,
        "FB_PAGE_ACCESS_TOKEN": None,
        "LLM_MODEL": "",
        "LLM_API_KEY": None,
        "LLM_API_BASE": None,
        "OWNER_PSIDS": [],
        "LOAD_DEMO_DATA": False,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh, empty database for this test run (dropped at the end)."""
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture(scope="session")
def loop(settings: Settings) -> Iterator[BackgroundLoop]:
    """The session's background loop with Tortoise initialised on it, as in the app."""

    async def startup() -> None:
        await init_database(settings)

    runtime = BackgroundLoop(startup, close_database, name="test-loop")
    runtime.start()
    yield runtime
    runtime.stop()


@pytest.fixture(scope="session")
def run(loop: BackgroundLoop) -> Callable[[Coroutine[Any, Any, T]], T]:
    """Run a coroutine on the session loop and return its result."""

    def _run(coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        return loop.run(coro, timeout)

    return _run


@pytest.fixture(scope="session")
def app(settings: Settings, loop: BackgroundLoop) -> Flask:
    from main import create_app

    flask_app = create_app(settings)
    flask_app.config["TESTING"] = True
    flask_app.extensions["runtime"] = loop
    return flask_app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def demo_shop(run: Runner, database_url: str, loop: BackgroundLoop) -> Any:
    """The deterministic demo shop, loaded afresh for the module (replacing other test data)."""
    from database.connection import libpq_url
    from database.demo import load_demo_data
    from tests import analytics_data

    # The demo shop replaces the analytics datasets' rows: the next one must load afresh.
    analytics_data.forget()
    return run(load_demo_data(libpq_url(database_url), replace=True, timezone=TEST_TIMEZONE))


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[Any]:
    """A loopback OpenAI-compatible server; scripts are cleared before each use."""
    from testing.fakes.llm import FakeLLM

    server = FakeLLM().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def graph() -> Iterator[Any]:
    """A loopback fake Graph API for the module (tests reset it as they need)."""
    from testing.fakes.graph import FakeGraph

    server = FakeGraph().start()
    yield server
    server.stop()


@pytest.fixture
def llm(fake_llm: Any) -> Any:
    """The fake LLM server, with no scripts or recorded requests left from other tests."""
    fake_llm.reset()
    return fake_llm


@pytest.fixture(scope="session")
def procrastinate_schema(run: Runner, database_url: str, loop: BackgroundLoop) -> None:
    """The job queue's tables, for tests that defer jobs without running a worker."""
    from jobs.app import ensure_schema

    run(ensure_schema(database_url))


# --------------------------------------------------------------------------- search


@pytest.fixture(scope="module")
def has_pgvector(run: Any, loop: Any) -> bool:
    from database.extensions import available_extensions

    return "vector" in run(available_extensions(["vector"]))


@pytest.fixture(scope="module")
def searching(run: Any, demo_shop: Any, settings: Settings) -> Iterator[Settings]:
    """The demo shop, prepared for search (vectors embedded where pgvector is)."""
    from search import index

    run(index.prepare_search(settings))
    run(index.refresh(settings), timeout=300)
    yield settings
    index.STATE.vectors, index.STATE.reason = False, "reset after the search tests"


@pytest.fixture
def vectors(searching: Settings, has_pgvector: bool) -> Settings:
    """`searching`, where the server has pgvector (else the test is skipped)."""
    from search import index

    if not has_pgvector:
        pytest.skip("this PostgreSQL server has no pgvector (the fallback is tested instead)")
    assert index.STATE.vectors
    return searching


@pytest.fixture(scope="module")
def own_shop_db(run: Runner, loop: BackgroundLoop) -> Iterator[str]:
    """An empty database with the schema, of this test module's own (for imports, which
    must not meet the session database's demo shop); its libpq URL."""
    from database.connection import libpq_url
    from database.demo import apply_schema

    with fresh_database("shop") as url:
        dsn = libpq_url(url)
        run(apply_schema(dsn))
        yield dsn


@contextmanager
def captured_logs(level: str = "DEBUG") -> Iterator[list[str]]:
    """The log lines written inside the block (open it after `create_app`, which resets
    the log sinks)."""
    from loguru import logger

    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level=level)
    try:
        yield lines
    finally:
        logger.remove(sink)
