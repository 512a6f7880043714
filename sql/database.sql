-- The database package's own queries: schema changes, the read-only path, health.

-- name: advisory_xact_lock
-- Wait for the advisory lock $1 (database/locks.py), held until the transaction ends.
SELECT pg_advisory_xact_lock($1);

-- name: read_only
-- The first statement of a read-only transaction.
SET TRANSACTION READ ONLY;

-- name: local_settings
-- Settings for this transaction only: $1 names, $2 values (passed as parameters).
SELECT set_config(name, value, true)
  FROM unnest($1::text[], $2::text[]) AS s(name, value);

-- name: available_extensions
-- Which of the extensions $1 the server can create.
SELECT name FROM pg_available_extensions WHERE name = ANY ($1::text[]);

-- name: ping
-- Whether the database answers.
SELECT 1;
