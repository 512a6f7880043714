"""Search's job on the queue: embed products and knowledge entries whose vector is missing
or stale, periodically and once when a worker starts."""

from __future__ import annotations

from procrastinate import JobContext

from config import Settings
from jobs.app import Task
from search.index import refresh, vectors_ready

REFRESH_EMBEDDINGS = "refresh_embeddings"


async def refresh_embeddings(context: JobContext, timestamp: int | None = None) -> None:
    """Embed products and knowledge entries whose vector is missing or stale (one at a time
    across processes: the job is locked)."""
    await refresh(context.additional_context["settings"])


def tasks(settings: Settings) -> list[Task]:
    """Search's tasks, for the queue worker."""
    return [
        Task(
            REFRESH_EMBEDDINGS,
            refresh_embeddings,
            queueing_lock=REFRESH_EMBEDDINGS,
            lock=REFRESH_EMBEDDINGS,
            cron=f"*/{settings.EMBEDDING_REFRESH_MINUTES} * * * *",
            defer_at_start=lambda: vectors_ready(settings),
        )
    ]
