"""Throwaway PostgreSQL databases for a test run: embedded, or on a given server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

from config import PROJECT_ROOT
from database.connection import libpq_url
from database.embedded import start_embedded

TEST_DATA_DIR = PROJECT_ROOT / ".data" / "test-postgres"


def server_url() -> tuple[str, bool]:
    """The server tests use: TEST_DATABASE_URL, DATABASE_URL, or the embedded one."""
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return libpq_url(url), False
    return start_embedded(Path(TEST_DATA_DIR)), True


def with_database(url: str, name: str) -> str:
    """`url` pointing at database `name` instead."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def fresh_database(prefix: str = "test") -> Iterator[str]:
    """Create an empty database for this run, yield its URL, drop it afterwards."""
    admin_url, _ = server_url()
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(admin_url, name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
