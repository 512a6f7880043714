"""The database package: lifecycle, models, named SQL and the read-only query path.

Nothing outside this package imports asyncpg: the driver errors callers handle are
re-exported here.
"""

from asyncpg.exceptions import InsufficientPrivilegeError, PostgresError

from database.connection import (
    close_database,
    connection,
    describe_url,
    init_database,
    ping,
    state,
)
from database.queries import (
    SQL_DIR,
    QueryTimeout,
    ReadOnlyViolation,
    fetch_readonly,
    load_sql,
)
from database.schema import apply_sql_file, lock_schema

__all__ = [
    "SQL_DIR",
    "InsufficientPrivilegeError",
    "PostgresError",
    "QueryTimeout",
    "ReadOnlyViolation",
    "apply_sql_file",
    "close_database",
    "connection",
    "describe_url",
    "fetch_readonly",
    "init_database",
    "load_sql",
    "lock_schema",
    "ping",
    "state",
]
