"""Who the staff are and whom an escalation goes to (ESCALATION_ROUTES), looked up each time."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from config import Settings
from database import connection, load_sql

SQL = load_sql("desk.sql")
EVERYONE = "*"


@dataclass(frozen=True)
class StaffMember:
    """A staff member reachable on Messenger."""

    psid: str
    name: str | None
    role: str
    employee: bool = True  # False for an OWNER_PSIDS entry with no employee row

    @property
    def label(self) -> str:
        """How the shop names them in messages."""
        if self.name:
            return self.name
        return "the owner" if self.role == "owner" else "a team member"

    def as_dict(self) -> dict[str, Any]:
        """For the escalation's `targets` column."""
        return asdict(self)


async def all_staff(settings: Settings) -> list[StaffMember]:
    """Every active employee with a messenger_psid, then OWNER_PSIDS not among them."""
    rows = await connection().execute_query_dict(SQL["staff_members"], [])
    members = [StaffMember(str(row["psid"]), row["name"], str(row["role"])) for row in rows]
    known = {member.psid for member in members}
    members += [
        StaffMember(psid, None, "owner", employee=False)
        for psid in settings.OWNER_PSIDS
        if psid not in known
    ]
    return members


async def staff_member(psid: str, settings: Settings) -> StaffMember | None:
    """The staff member with this PSID (an employee, or one of OWNER_PSIDS), else None."""
    rows = await connection().execute_query_dict(SQL["staff_member"], [psid])
    if rows:
        return StaffMember(psid, rows[0]["name"], str(rows[0]["role"]))
    if psid in settings.OWNER_PSIDS:
        return StaffMember(psid, None, "owner", employee=False)
    return None


async def route(kind: str, settings: Settings) -> list[StaffMember]:
    """The staff to ask about an escalation of `kind`.

    `*` is every staff member (OWNER_PSIDS included); otherwise the employees whose role is
    listed. When none of those is reachable: every staff member and the OWNER_PSIDS.
    """
    everyone = await all_staff(settings)
    roles = settings.ESCALATION_ROUTES.get(kind, (EVERYONE,))
    if EVERYONE in roles:
        return everyone
    chosen = [member for member in everyone if member.employee and member.role in roles]
    return chosen or everyone


async def shopper_name(psid: str) -> str | None:
    """The shopper's name when the shop knows them."""
    rows = await connection().execute_query_dict(SQL["customer_name"], [psid])
    return str(rows[0]["name"]) if rows and rows[0]["name"] else None
