"""`/facebook`: Meta's verification handshake, and event intake that only verifies,
stores and hands off — one durable job per event before the 200, nothing else."""

from __future__ import annotations

from typing import Any

import psycopg
from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from loguru import logger
from procrastinate.exceptions import ConnectorException
from werkzeug.exceptions import RequestEntityTooLarge

from config import Settings
from jobs.deferrer import Deferrer
from messenger.events import (
    HANDOVER_KINDS,
    Event,
    EventKind,
    InvalidPayload,
    is_person_echo,
    parse_webhook,
    part_of_mark,
)
from messenger.payload import UnreadableBody, count_events, decode_body
from messenger.signature import SIGNATURE_HEADER, verify_signature

bp = Blueprint("messenger", __name__)
HANDLE_EVENT = "handle_event"  # the job of one event (messenger/tasks.py runs it)
# (event key, sender PSID, the raw event, channel, page id): what one job carries.
EventJob = tuple[str, str | None, dict[str, Any], str, str | None]
# Messages kept (not answered) so the assistant knows what was said while a person chatted.
STANDBY_KINDS = {EventKind.TEXT, EventKind.QUICK_REPLY, EventKind.ATTACHMENT}


def _settings() -> Settings:
    return current_app.config["SETTINGS"]


def defer_events(deferrer: Deferrer, events: list[EventJob]) -> list[int]:
    """Make a body's events durable as `handle_event` jobs in one statement (all or none),
    each locked per sender (an event without one on its own key); return the job ids."""
    jobs = [
        (
            psid or f"event:{key}",
            {"event_key": key, "event": raw, "channel": channel, "page_id": page},
        )
        for key, psid, raw, channel, page in events
    ]
    return deferrer.defer(HANDLE_EVENT, jobs)


# Meta's dashboard "Test" button posts sample events: entry id "0", sender 12334 → 23245.
_SAMPLE_PAGE = "0"
_SAMPLE_PARTIES = ("12334", "23245")


def is_dashboard_sample(event: Event) -> bool:
    """Whether the event is one of the samples Meta's app dashboard sends (no real person)."""
    parties = (event.sender_id, event.recipient_id)
    return event.page_id == _SAMPLE_PAGE or parties == _SAMPLE_PARTIES


def wanted(event: Event, settings: Settings) -> bool:
    """Whether an event becomes a job: answerable ones, thread-control changes, the
    shopper's messages on the standby channel, and the page's messages sent by a person
    (echoes not marked as the assistant's own) or confirming a part whose send timed out."""
    if is_dashboard_sample(event):
        logger.info("Meta dashboard test event acknowledged, not answered ({})", event.kind)
        return False
    if event.is_answerable or event.kind in HANDOVER_KINDS:
        return True
    if event.channel == "standby" and event.kind in STANDBY_KINDS:
        return event.sender_id is not None
    if is_person_echo(event, settings.FB_APP_ID):
        return True
    # Our own echo naming an outbox part: it settles a send that timed out (went out, or not).
    return event.kind is EventKind.ECHO and part_of_mark(event.metadata) is not None


@bp.get("/facebook")
def verify() -> ResponseReturnValue:
    """Answer Meta's subscription handshake with the challenge, as plain text."""
    args = request.args
    if (
        args.get("hub.mode") == "subscribe"
        and args.get("hub.verify_token") == _settings().FB_VERIFY_TOKEN
        and "hub.challenge" in args
    ):
        return Response(args["hub.challenge"], status=200, mimetype="text/plain")
    logger.warning("Webhook verification refused (mode {!r})", args.get("hub.mode"))
    return Response("Forbidden", status=403, mimetype="text/plain")


@bp.post("/facebook")
def receive() -> ResponseReturnValue:
    """Verify the signature, parse, defer one job per event, and answer 200 at once."""
    settings = _settings()
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge:
        return jsonify(error="payload too large"), 413
    if settings.FB_APP_SECRET and not verify_signature(
        settings.FB_APP_SECRET, body, request.headers.get(SIGNATURE_HEADER)
    ):
        logger.warning("Rejected a webhook post with a missing or wrong signature")
        return jsonify(error="invalid signature"), 403
    try:
        payload = decode_body(body)
        total = count_events(payload)
        if total > settings.MAX_WEBHOOK_EVENTS:
            logger.warning("Refused a webhook body of {} events (flood?)", total)
            return jsonify(error=f"more than {settings.MAX_WEBHOOK_EVENTS} events"), 413
        batch = parse_webhook(payload)
    except (UnreadableBody, InvalidPayload) as exc:
        return jsonify(error=exc.reason), 400
    events = [event for event in batch.events if wanted(event, settings)]
    if events:
        runtime = current_app.extensions["runtime"]
        runtime.start(timeout=5, keep_trying=True)
        try:
            # Before start-up has reached the database there is no deferrer yet (RuntimeError).
            deferrer = current_app.extensions["deferrer"]()
            defer_events(
                deferrer,
                [
                    (event.dedup_key, event.user_id, event.raw, event.channel, event.page_id)
                    for event in events
                ],
            )
        except (ConnectorException, RuntimeError, psycopg.Error) as exc:
            # Not stored: Meta re-delivers on a non-200, so nothing is lost.
            logger.error("Could not queue webhook events (database unavailable?): {}", exc)
            return jsonify(error="temporarily unavailable"), 503
    skipped = len(batch.events) - len(events)
    logger.debug("Webhook: {} events queued, {} not answered", len(events), skipped)
    return Response("EVENT_RECEIVED", status=200, mimetype="text/plain")
