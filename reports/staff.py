"""Who gets reports and alerts: staff whose role is in REPORT_ROLES (OWNER_PSIDS are owners,
one person however often listed), with their choices and the language they write in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from config import Settings
from core.language import detect_language
from database import connection, load_sql
from desk.staff import all_staff

SQL = load_sql("reports.sql")


@dataclass(frozen=True)
class Recipient:
    """A staff member reports may go to, and what they chose."""

    psid: str
    name: str | None
    role: str
    reports: bool = True
    alerts: bool = True
    report_time: time | None = None  # None: DIGEST_HOUR

    def due_time(self, settings: Settings) -> time:
        """When their daily report goes (shop time)."""
        return self.report_time or time(settings.DIGEST_HOUR, 0)


async def recipients(settings: Settings) -> list[Recipient]:
    """Every staff member in REPORT_ROLES reachable on Messenger, with their choices."""
    members = [
        member
        for member in await all_staff(settings)
        if member.psid in settings.OWNER_PSIDS or member.role in settings.REPORT_ROLES
    ]
    rows = await connection().execute_query_dict(
        SQL["report_settings"], [[member.psid for member in members]]
    )
    chosen = {row["psid"]: row for row in rows}
    out = []
    for member in members:
        row = chosen.get(member.psid)
        role = "owner" if member.psid in settings.OWNER_PSIDS else member.role
        if row is None:
            out.append(Recipient(member.psid, member.name, role))
        else:
            out.append(
                Recipient(
                    member.psid, member.name, role, bool(row["reports"]), bool(row["alerts"]),
                    row["report_time"],
                )
            )  # fmt: skip
    return out


async def language_of(psid: str) -> str:
    """The language the person writes in lately ("en" when they have not written)."""
    rows = await connection().execute_query_dict(SQL["recent_texts"], [psid])
    said = " ".join(str(row["text"] or "") for row in rows)
    return detect_language(said) if said.strip() else "en"


async def choose(psid: str, what: str, value: bool | time | None) -> None:
    """Remember one choice: `reports`/`alerts` on or off, or the `report_time`."""
    on = value if isinstance(value, bool) else None
    at = value if isinstance(value, time) else None
    await connection().execute_query(
        SQL["report_settings_set"],
        [psid, what, on if what == "reports" else None, on if what == "alerts" else None, at],
    )
