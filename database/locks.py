"""The PostgreSQL advisory lock keys this application takes, in one place so none collide."""

# Applying sql/schema.sql and what must wait for it: the demo load, the vector schema.
SCHEMA_LOCK_KEY = 7_215_530_001
# Loading the demo shop (7_215_530_002 was bootstrap's own once: not reused).
DEMO_LOAD_LOCK_KEY = 7_215_530_003
# Applying the job queue's (procrastinate's) schema.
QUEUE_SCHEMA_LOCK_KEY = 7_215_530_010
# Building a time zone's metrics rollups (one process at a time).
ROLLUP_BUILD_LOCK_KEY = 7_215_530_016
# Importing a shop's own data (one import at a time).
IMPORT_LOCK_KEY = 7_215_530_020
