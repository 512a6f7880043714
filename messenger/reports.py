"""The daily report and low-stock alerts on their way to staff, within Messenger's rules.

A staff member who wrote to the page in the last 24 hours gets the message now (messaging
type UPDATE); anyone else gets nothing now, and it waits for their next message (see
`reports.waiting`). Each kind runs one at a time across processes (an advisory lock: a run
that finds it taken leaves the work to the run holding it) and in two steps: record what
each person gets (the outbox, or kept waiting), then send what is recorded and unsent — so
a crash or a send error resumes where it stopped, and nothing is recorded twice for a
person: the report once per day (`digest:<day>:<psid>`), an alert once per batch of
crossings (`alerts:<batch>:<psid>`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from loguru import logger

from config import Settings
from database import connection, load_sql
from database.locks import DIGEST_LOCK_KEY, STOCK_ALERT_LOCK_KEY, advisory_lock
from desk.turn import Outgoing, last_message_at
from desk.windows import STANDARD_WINDOW
from messenger import outbox
from messenger.delivery import TransientSendError
from messenger.pipeline import PipelineContext, deliver
from messenger.replies import outgoing_parts
from reports import alerts, waiting
from reports.digest import QUICK_REPLIES, DigestFigures, digest_text, figures, report_day
from reports.staff import Recipient, language_of, recipients

SQL = load_sql("reports.sql")
DIGEST, ALERT = "digest", "stock_alert"
KIND = {DIGEST: "digest", ALERT: "alert"}
# How long `flask digest` waits for a run another process is doing.
CLI_WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class Recorded:
    """What one staff member gets: sent now (`how` = "sent") or kept for their next message
    ("waiting"); in a dry run "would send" or "would wait". `text` is the message."""

    psid: str
    day: date | None
    how: str
    text: str


class ReportsBusy(RuntimeError):
    """Another process kept the reports' lock longer than a command would wait."""


async def send_daily_reports(
    ctx: PipelineContext, *, day: date | None = None, due_only: bool = True, dry_run: bool = False
) -> list[Recorded]:
    """Record and send the daily report of every staff member it is due for.

    `due_only` (the periodic job): those whose time has come today. Otherwise (`flask
    digest`) everyone now: a report of today sent before the person's time is an early one,
    recorded apart, so the evening's report still comes. A `dry_run` says what each would get,
    recording nothing."""
    settings, now = ctx.settings, ctx.clock()
    local = now.astimezone(settings.tz)
    done: list[Recorded] = []
    wait = 0.0 if due_only else CLI_WAIT_SECONDS
    async with advisory_lock(DIGEST_LOCK_KEY, wait_seconds=wait) as held:
        if not held:
            if not due_only:
                raise ReportsBusy("another process is sending the daily reports; try again")
            return done
        computed: dict[date, DigestFigures] = {}
        for person in await recipients(settings):
            if not person.reports:
                continue
            due = person.due_time(settings)
            if due_only and local.time() < due:
                continue
            on = day or report_day(due, local)
            early = on == local.date() and local.time() < due
            key = f"{DIGEST}:{on.isoformat()}" + (":early" if early else "")
            outbox_key = f"{key}:{person.psid}"
            if not dry_run and await waiting.recorded(person.psid, key, outbox_key):
                continue
            if on not in computed:
                computed[on] = await figures(settings, on)
            language = await language_of(person.psid)
            text = digest_text(computed[on], language, settings.SHOP_CURRENCY)
            if dry_run:
                how = "would send" if await _window_open(person.psid, now) else "would wait"
            else:
                replies = QUICK_REPLIES.get(language, ())
                how = await _record(person, now, key, outbox_key, DIGEST, text, replies)
            done.append(Recorded(person.psid, on, how, text))
        if not dry_run:
            await _send_unsent(ctx, DIGEST)
    return done


async def send_stock_alerts(ctx: PipelineContext) -> list[Recorded]:
    """Find the lines that fell to or below their threshold since the last check and tell the
    staff who take alerts (one message per check and person)."""
    settings, now = ctx.settings, ctx.clock()
    done: list[Recorded] = []
    async with advisory_lock(STOCK_ALERT_LOCK_KEY) as held:
        if not held:
            return done
        await alerts.check()
        while (found := await alerts.next_batch()) is not None:
            batch, crossings = found
            logger.warning(
                "Low stock, {} line(s) crossed: {}",
                len(crossings),
                "; ".join(alerts.describe(crossing) for crossing in crossings),
            )
            done += await _record_alerts(settings, now, batch, crossings)
            await alerts.recorded(batch)
        await _send_unsent(ctx, ALERT)
    return done


async def _record_alerts(
    settings: Settings, now: datetime, batch: int, crossings: list[alerts.Crossing]
) -> list[Recorded]:
    people = [person for person in await recipients(settings) if person.alerts]
    if not people:
        logger.warning(
            "No staff member in REPORT_ROLES ({}) takes alerts on Messenger: the alert is only "
            "in this log",
            ", ".join(settings.REPORT_ROLES),
        )
    done = []
    key = f"alerts:{batch}"
    for person in people:
        outbox_key = f"{key}:{person.psid}"
        if await waiting.recorded(person.psid, key, outbox_key):
            continue
        language = await language_of(person.psid)
        text = alerts.alert_text(crossings, language)
        replies = alerts.QUICK_REPLIES.get(language, ())
        how = await _record(person, now, key, outbox_key, ALERT, text, replies)
        done.append(Recorded(person.psid, None, how, text))
    return done


async def _record(
    person: Recipient,
    now: datetime,
    key: str,
    outbox_key: str,
    purpose: str,
    text: str,
    quick_replies: tuple[str, ...],
) -> str:
    """Into the outbox when the person's window is open; otherwise kept for their next
    message. Returns "sent" or "waiting"."""
    if await _window_open(person.psid, now):
        item = Outgoing(person.psid, text, purpose, "UPDATE", quick_replies=quick_replies)
        await outbox.add_parts(outbox_key, outgoing_parts(item))
        return "sent"
    await waiting.keep(person.psid, key, KIND[purpose], text)
    logger.info(
        "{} for {} waits for their next message (outside the 24-hour window)",
        "Daily report" if purpose == DIGEST else "Stock alert",
        person.psid,
    )
    return "waiting"


async def _window_open(psid: str, now: datetime) -> bool:
    """Whether `psid` wrote to the page within the last 24 hours."""
    last = await last_message_at(psid)
    return last is not None and now - last < STANDARD_WINDOW


async def _send_unsent(ctx: PipelineContext, purpose: str) -> None:
    """Send every recorded report (or alert) part not yet settled. One whose person's window
    closed meanwhile (sending was held up: a rejected token, Meta's errors) is kept for their
    next message instead; one Meta keeps refusing transiently is tried again next run."""
    rows = await connection().execute_query_dict(SQL["unsent_report_keys"], [purpose])
    now = ctx.clock()
    for row in rows:
        parts = await outbox.parts(row["event_key"])
        unsent = [part for part in parts if part.state in ("pending", "sending", "ambiguous")]
        if unsent and not await _window_open(unsent[0].recipient_psid, now):
            await _keep_instead(unsent, row["event_key"], purpose)
            continue
        try:
            await deliver(ctx, parts)
        except TransientSendError as exc:
            logger.warning("{} not sent yet, tried again next run: {}", row["event_key"], exc)


async def _keep_instead(parts: list[outbox.Part], outbox_key: str, purpose: str) -> None:
    psid = parts[0].recipient_psid
    key = outbox_key.removesuffix(f":{psid}")
    text = "\n".join(str(part.body.get("text") or "") for part in parts)
    await waiting.keep(psid, key, KIND[purpose], text)
    for part in parts:
        await outbox.mark(part.id, "failed", error="the 24-hour window closed: kept waiting")
    logger.info("{} for {}: the window closed before it went; it waits", key, psid)
