"""Who is staff: active employees whose messenger_psid is the sender, plus OWNER_PSIDS."""

from __future__ import annotations

from config import Settings
from database import connection
from tools.llm_tools import OWNER, SHOPPER, Caller

STAFF_QUERY = (
    "SELECT 1 FROM employees WHERE messenger_psid = $1 AND coalesce(status, 1) = 1 LIMIT 1"
)


async def resolve_caller(psid: str, settings: Settings) -> Caller:
    """The caller for `psid`, looked up now (never cached), so staff changes apply at once."""
    if psid in settings.OWNER_PSIDS:
        return Caller(psid, OWNER)
    _, rows = await connection().execute_query(STAFF_QUERY, [psid])
    return Caller(psid, OWNER if rows else SHOPPER)
