"""The database package: lifecycle, models, named SQL and the read-only query path.

Nothing outside this package imports asyncpg.
"""

from database.connection import (
    apply_sql_file,
    close_database,
    connection,
    describe_url,
    init_database,
    state,
)
from database.queries import (
    QueryTimeout,
    ReadOnlyViolation,
    fetch_readonly,
    load_sql,
)

__all__ = [
    "QueryTimeout",
    "ReadOnlyViolation",
    "apply_sql_file",
    "close_database",
    "connection",
    "describe_url",
    "fetch_readonly",
    "init_database",
    "load_sql",
    "state",
]
