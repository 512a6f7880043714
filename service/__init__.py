"""Process-level plumbing: logging, the background asyncio loop, CLI commands."""
