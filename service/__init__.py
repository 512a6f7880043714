"""Process-level plumbing above the channel: the runtime (the background loop with the database
and the job worker), logging, CLI commands, the health and admin endpoints."""
