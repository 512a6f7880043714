"""Who is asking: staff (active employees whose messenger_psid is the sender, and
OWNER_PSIDS) — owners when their role is in ANALYTICS_ROLES — or a shopper."""

from __future__ import annotations

from config import Settings
from desk.staff import staff_member
from tools.llm_tools import OWNER, SHOPPER, STAFF_MEMBER, Caller


async def resolve_caller(psid: str, settings: Settings) -> Caller:
    """The caller for `psid`, looked up now (never cached), so staff changes apply at once."""
    if psid in settings.OWNER_PSIDS:
        return Caller(psid, OWNER)
    member = await staff_member(psid, settings)
    if member is None:
        return Caller(psid, SHOPPER)
    if member.role in settings.ANALYTICS_ROLES:
        return Caller(psid, OWNER)
    return Caller(psid, STAFF_MEMBER)
