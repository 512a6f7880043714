"""`flask knowledge …` and `flask escalations`, run as a user runs them (a new process)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from database import connection
from testing.servers import flask_command


def flask(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return flask_command(database_url, *args, timeout=120)


@pytest.fixture
def knowledge_db(run: Any, demo_shop: Any, database_url: str) -> str:
    async def clean() -> None:
        await connection().execute_query("DELETE FROM shop_knowledge WHERE added_by = 'cli'")

    run(clean())
    return database_url


def test_knowledge_add_list_remove(knowledge_db: str) -> None:
    added = flask(
        knowledge_db, "knowledge", "add", "-q", "Do you have Wi-Fi?", "-a", "Yes: LotusGuest"
    )
    assert added.returncode == 0, added.stderr
    entry = added.stdout.strip().removeprefix("Added #")
    assert entry.isdigit()
    listed = flask(knowledge_db, "knowledge", "list")
    assert f"#{entry} [manual, cli] Do you have Wi-Fi?" in listed.stdout
    assert "→ Yes: LotusGuest" in listed.stdout
    assert "opening hours" in listed.stdout  # the demo shop's entries
    removed = flask(knowledge_db, "knowledge", "remove", f"#{entry}")
    assert removed.returncode == 0 and f"Removed #{entry}" in removed.stdout
    assert f"#{entry} " not in flask(knowledge_db, "knowledge", "list").stdout
    assert f"#{entry} (removed)" in flask(knowledge_db, "knowledge", "list", "--all").stdout
    again = flask(knowledge_db, "knowledge", "remove", entry)
    assert again.returncode != 0 and f"no active entry #{entry}" in again.stderr


def test_knowledge_add_names_the_bad_field(knowledge_db: str) -> None:
    result = flask(knowledge_db, "knowledge", "add", "-q", "  ", "-a", "something")
    assert result.returncode != 0
    assert "question: must not be empty" in result.stderr
    assert "Traceback" not in result.stderr


def test_knowledge_import_csv_and_yaml(knowledge_db: str, tmp_path: Path) -> None:
    csv_file = tmp_path / "faq.csv"
    csv_file.write_text(
        'question,answer\n"Do you open on Tet?","Closed on the first 3 days of Tet"\n'
        '"Có phòng lạnh không?","Có, tầng 2 có máy lạnh"\n',
        encoding="utf-8",
    )
    yaml_file = tmp_path / "faq.yaml"
    yaml_file.write_text(
        "- question: Is there a kids menu?\n  answer: Yes, smaller cups and snacks\n",
        encoding="utf-8",
    )
    assert "Imported 2 entries" in flask(knowledge_db, "knowledge", "import", str(csv_file)).stdout
    assert "Imported 1 entries" in flask(knowledge_db, "knowledge", "import", str(yaml_file)).stdout
    listed = flask(knowledge_db, "knowledge", "list").stdout
    assert "Có phòng lạnh không?" in listed and "Is there a kids menu?" in listed
    bad = tmp_path / "bad.yaml"
    bad.write_text("- question: no answer here\n", encoding="utf-8")
    result = flask(knowledge_db, "knowledge", "import", str(bad))
    assert result.returncode != 0 and "entry 1: answer: must not be empty" in result.stderr


def test_escalations_lists_with_ages(run: Any, knowledge_db: str) -> None:
    async def seed() -> None:
        await connection().execute_query("TRUNCATE escalations RESTART IDENTITY")
        await connection().execute_query(
            "INSERT INTO escalations (event_key, shopper_psid, shopper_name, question, kind,"
            " status, answer, answered_by_name, relay_state, created_at)"
            " VALUES ('cli:1', '71', 'Mai Pham', 'open late?', 'question', 'answered',"
            " 'until 22:00', 'Linh Tran', 'queued', now() - interval '3 hours'),"
            " ('cli:2', '72', NULL, 'spilled drink', 'support', 'requested', NULL, NULL, NULL,"
            " now() - interval '5 minutes')"
        )

    run(seed())
    listed = flask(knowledge_db, "escalations").stdout
    assert "#2 requested  5 min support  72: spilled drink" in listed
    assert "#1 answered     3 h question Mai Pham: open late?" in listed
    assert "→ Linh Tran: until 22:00, relay queued" in listed
    pending = flask(knowledge_db, "escalations", "--status", "requested").stdout
    assert "#2" in pending and "#1 " not in pending
