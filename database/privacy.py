"""Deleting everything the assistant keeps about one person, and every copy of their words.

Goes: their conversations and highlights, audited turns, inbox and outbox records, queue jobs
that finished, escalations, holds, notices, and the knowledge learnt from their questions.
Scrubbed: other people's records quoting them (the staff's notifications and "pending"
lists, tool results) keep their rows with the person's words replaced by "[deleted]".
Stays: the shop's books — orders and the customer row, for the accounts.
All of it in one transaction (sql/privacy.sql).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loguru import logger
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from database.connection import connection
from database.queries import load_sql

SQL = load_sql("privacy.sql")
MARKER = "[deleted]"
DELETED, NOTHING_STORED, COULD_NOT_MAP = "deleted", "nothing stored", "could not map"
# A text shorter than this ("wifi?") is replaced only where it is quoted or a whole JSON value,
# so a staff member's own sentence that happens to contain it survives.
SHORT_TEXT = 16
# The staff's "pending" list quotes a question's first 120 characters (desk.service).
QUOTED_PREFIX = 120
# Characters no JSON encoder escapes, at any nesting: a run of them is in every stored copy.
_PLAIN_RUN = re.compile(r"[A-Za-z0-9 ,.?!'():;_-]+")
MIN_PROBE = 4


@dataclass(frozen=True)
class ScrubPatterns:
    """What to replace in other people's records (longest first) and cheap probes to find
    the rows (None: a text has no probe, every row is looked at)."""

    patterns: list[str]
    replacements: list[str]
    exact: list[str]
    probes: list[str] | None

    def params(self) -> list[Any]:
        """The scrub functions' arguments: patterns, replacements, whole values, marker."""
        return [self.patterns, self.replacements, self.exact, MARKER]


def scrub_patterns(texts: Iterable[str]) -> ScrubPatterns:
    """The person's texts as other records hold them: as written, JSON-escaped inside a string
    that holds JSON (both with and without \\u escapes), and the quoted prefix of a long one."""
    pairs: dict[str, str] = {}
    exact: set[str] = set()
    probes: list[str] | None = []
    for text in texts:
        if not text:
            continue
        for form in {text, text[:QUOTED_PREFIX]}:
            if len(form) >= SHORT_TEXT:
                for variant in (form, json.dumps(form, ensure_ascii=False)[1:-1],
                                json.dumps(form)[1:-1]):  # fmt: skip
                    pairs[variant] = MARKER
            else:
                pairs[f"“{form}”"] = f"“{MARKER}”"
                pairs[json.dumps(form, ensure_ascii=False)] = json.dumps(MARKER)
                pairs[json.dumps(form)] = json.dumps(MARKER)
                exact.add(form)
        probe = max(_PLAIN_RUN.findall(text[:QUOTED_PREFIX]), key=len, default="")
        if probes is not None and len(probe) >= MIN_PROBE:
            probes.append(probe)
        else:
            probes = None
    order = sorted(pairs, key=lambda pattern: (-len(pattern), pattern))
    return ScrubPatterns(order, [pairs[p] for p in order], sorted(exact), probes)


@dataclass
class Deletion:
    """What a deletion removed (rows by kind) and changed in other people's records."""

    deleted: dict[str, int] = field(default_factory=dict)
    scrubbed: dict[str, int] = field(default_factory=dict)

    @property
    def found(self) -> bool:
        """Whether anything was stored about the person."""
        return any(self.deleted.values())

    @property
    def sessions(self) -> int:
        """How many conversations were deleted."""
        return self.deleted.get("sessions", 0)

    def add(self, other: Deletion) -> None:
        """Count another id's deletion in this one."""
        for mine, theirs in ((self.deleted, other.deleted), (self.scrubbed, other.scrubbed)):
            for kind, count in theirs.items():
                mine[kind] = mine.get(kind, 0) + count


async def delete_sender_data(psid: str) -> Deletion:
    """Delete what is kept about `psid` and scrub their words from others' records, at once."""
    async with in_transaction() as tx:
        deletion = await _delete(tx, psid)
    logger.info("Data deleted: {}; copies scrubbed: {}", deletion.deleted, deletion.scrubbed)
    return deletion


async def _count(tx: BaseDBAsyncClient, name: str, params: list[Any]) -> int:
    count, _ = await tx.execute_query(SQL[name], params)
    return count


async def _delete(tx: BaseDBAsyncClient, psid: str) -> Deletion:
    [optional] = await tx.execute_query_dict(SQL["optional_tables"])
    mine = await tx.execute_query_dict(SQL["escalations_of"], [psid])
    refs = [row["id"] for row in mine]
    texts = {row[key] for row in mine for key in ("question", "shopper_message", "learnt_question")}
    result = Deletion()
    for kind in ("sessions", "session_links", "turns", "outbox", "inbox", "thread_control",
                 "staff_notices", "report_choices", "waiting_reports"):  # fmt: skip
        result.deleted[kind] = await _count(tx, f"delete_{kind}", [psid])
    if refs:
        result.scrubbed["notifications withdrawn"] = await _count(
            tx, "withdraw_notifications", [refs]
        )
        # A learnt entry's question is the shopper's own words, so the entry goes. Kept with
        # the question removed, it could only be matched by the staff's answer alone ("No,
        # we are closed tonight") and served out of the context it answered; the staff can
        # teach the fact again in their own words with "remember: …".
        learnt = await tx.execute_query_dict(SQL["delete_learnt_knowledge"], [refs])
        result.deleted["learnt knowledge"] = len(learnt)
        if learnt and optional["embeddings"]:
            entries = [row["id"] for row in learnt]
            await _count(tx, "delete_knowledge_embeddings", [entries])
    result.deleted["escalations"] = await _count(tx, "delete_escalations", [psid])
    if optional["jobs"]:
        result.deleted["finished jobs"] = await _count(tx, "delete_finished_jobs", [psid])
    texts.discard(None)
    if texts:
        scrub = scrub_patterns(sorted(texts))
        names = ["sessions", "highlights", "turns", "outbox", "inbox"]
        for name in [*names, *(["jobs"] if optional["jobs"] else [])]:
            params = [*scrub.params(), scrub.probes]
            result.scrubbed[name] = await _count(tx, f"scrub_{name}", params)
    return result


# ------------------------------------------------------------- Meta's deletion callback


@dataclass(frozen=True)
class DeletionRequest:
    """A deletion request as recorded: its confirmation code, what it found, and when."""

    code: str
    status: str
    at: datetime


def _request(row: dict[str, Any]) -> DeletionRequest:
    return DeletionRequest(row["confirmation_code"], row["status"], row["created_at"])


async def handled_request(request_hash: str) -> DeletionRequest | None:
    """The request with this signed_request hash, when it was handled already."""
    rows = await connection().execute_query_dict(SQL["request_get"], [request_hash])
    return _request(rows[0]) if rows else None


async def handle_request(
    request_hash: str, user_id: str, psids: Iterable[str], *, mapped: bool
) -> DeletionRequest:
    """Delete the data of each of `psids` and record what was found, in one transaction; a
    request handled already (by another process, at the same moment) is only returned.

    `mapped`: Meta named this page's PSID for the person, so finding nothing means that
    nothing was stored (else the id could not be mapped).
    """
    async with in_transaction() as tx:
        await tx.execute_query(SQL["request_lock"], [request_hash])
        rows = await tx.execute_query_dict(SQL["request_get"], [request_hash])
        if rows:
            return _request(rows[0])
        deletion = Deletion()
        for psid in dict.fromkeys(psids):
            deletion.add(await _delete(tx, psid))
        status = DELETED if deletion.found else NOTHING_STORED if mapped else COULD_NOT_MAP
        values = [
            secrets.token_hex(8),
            hashlib.sha256(user_id.encode()).hexdigest(),
            deletion.sessions,
            request_hash,
            status,
        ]
        rows = await tx.execute_query_dict(SQL["request_add"], values)
    logger.info("Deletion request: {}; deleted {}; scrubbed {}", status, deletion.deleted,
                deletion.scrubbed)  # fmt: skip
    return _request(rows[0])


async def request_status(code: str) -> DeletionRequest | None:
    """The recorded request with this confirmation code."""
    rows = await connection().execute_query_dict(SQL["status_get"], [code])
    return _request(rows[0]) if rows else None
