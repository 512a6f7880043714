"""Reports and alerts for a staff member outside Messenger's 24-hour window: kept until the
person writes again, then told before the reply ("While you were away: …"), once."""

from __future__ import annotations

from database import connection, load_sql

SQL = load_sql("reports.sql")
LEAD = {"en": "While you were away:", "vi": "Trong lúc bạn vắng mặt:"}


async def keep(psid: str, key: str, kind: str, text: str) -> None:
    """Keep `text` for the person's next message; a newer daily report replaces an older one."""
    await connection().execute_query(SQL["waiting_add"], [psid, key, kind, text])
    if kind == "digest":
        await connection().execute_query(SQL["waiting_supersede"], [psid, kind, key])


async def claim(psid: str, event_key: str, language: str) -> str | None:
    """What waited for `psid`, claimed by their message `event_key` (a retried job gets the
    same text), as one message; None when nothing waited."""
    rows = await connection().execute_query_dict(SQL["waiting_claim"], [psid, event_key])
    if not rows:
        return None
    lead = LEAD.get(language, LEAD["en"])
    return "\n\n".join([lead, *(str(row["text"]) for row in rows)])


async def recorded(psid: str, key: str, outbox_key: str) -> bool:
    """Whether the report or alert `key` was already sent (under `outbox_key`) or kept."""
    rows = await connection().execute_query_dict(SQL["report_recorded"], [psid, key, outbox_key])
    return bool(rows and rows[0]["recorded"])
