"""Parse Messenger webhook bodies into typed, tolerant `Event` objects.

Over 300 lines on purpose: every event shape Meta sends is read here, so parsing has one
home (small named predicates, one table of non-message bodies).
"""

from __future__ import annotations

import hashlib
import json
import math
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

LIKE_STICKER_ID = 369239263222822
_SECONDS_THRESHOLD = 100_000_000_000  # below this a timestamp is taken to be in seconds (~1973)
_INT_LIMIT = 10**30  # ids and timestamps are far smaller; avoids giant-int pitfalls

# Sent as every message's `metadata`: Meta echoes it back, so the webhook can tell the
# assistant's own messages from those a person sent from the Page Inbox.
ECHO_MARK = "shop-assistant"

Channel = Literal["messaging", "standby"]
_CHANNELS: tuple[Channel, ...] = ("messaging", "standby")
Fields = dict[str, Any]


class InvalidPayload(ValueError):
    """The body is not a Page webhook (`object != "page"` or no `entry` list)."""

    def __init__(self, reason: str) -> None:
        """Store the human-readable reason."""
        super().__init__(reason)
        self.reason = reason


class EventKind(StrEnum):
    """What a single messaging/standby event is about."""

    TEXT = "text"
    QUICK_REPLY = "quick_reply"
    POSTBACK = "postback"
    ATTACHMENT = "attachment"
    LIKE = "like"
    ECHO = "echo"
    DELIVERY = "delivery"
    READ = "read"
    REACTION = "reaction"
    EDIT = "edit"
    REFERRAL = "referral"
    HANDOVER_PASS = "handover_pass"
    HANDOVER_TAKE = "handover_take"
    HANDOVER_REQUEST = "handover_request"
    OPTIN = "optin"
    POLICY = "policy"
    UNSUPPORTED = "unsupported"


ANSWERABLE_KINDS = frozenset(
    {
        EventKind.TEXT,
        EventKind.QUICK_REPLY,
        EventKind.POSTBACK,
        EventKind.ATTACHMENT,
        EventKind.LIKE,
    }
)
# Thread-control changes: who (a person in the Page Inbox, or the assistant) has the chat.
HANDOVER_KINDS = frozenset({EventKind.HANDOVER_PASS, EventKind.HANDOVER_TAKE})


class Attachment(BaseModel):
    """One `message.attachments[]` element (stickers normalised to type "sticker")."""

    model_config = ConfigDict(frozen=True)

    type: str | None = None
    url: str | None = None
    title: str | None = None
    sticker_id: int | None = None
    lat: float | None = None
    long: float | None = None


class Event(BaseModel):
    """One event from `entry[].messaging[]` or `entry[].standby[]`."""

    model_config = ConfigDict(frozen=True)

    kind: EventKind
    channel: Channel = "messaging"
    sender_id: str | None = None
    recipient_id: str | None = None
    page_id: str | None = None
    timestamp: int | None = None
    mid: str | None = None
    target_mid: str | None = None
    text: str | None = None
    payload: str | None = None
    ref: str | None = None
    attachments: list[Attachment] = Field(default_factory=list)
    reply_to_mid: str | None = None
    is_echo: bool = False
    app_id: str | None = None
    metadata: str | None = None
    watermark: int | None = None
    raw: dict[str, Any] = Field(default_factory=dict)

    @property
    def is_answerable(self) -> bool:
        """True for user input on the messaging channel that the assistant should answer."""
        return (
            self.kind in ANSWERABLE_KINDS
            and self.channel == "messaging"
            and self.sender_id is not None
            and not self.is_echo
        )

    @property
    def user_id(self) -> str | None:
        """The person the event is about: the sender, or for an echo (the page's own
        message) its recipient."""
        return self.recipient_id if self.is_echo else self.sender_id

    @property
    def dedup_key(self) -> str:
        """A key that is identical for re-deliveries of the same event."""
        if self.mid:
            return f"mid:{self.mid}"
        if self.kind is EventKind.POSTBACK and self.timestamp is not None:
            return f"pb:{self.sender_id or ''}:{self.timestamp}:{self.payload or ''}"
        if self.watermark is not None:
            return f"{self.kind}:{self.sender_id or ''}:{self.watermark}"
        if self.timestamp is not None and (self.sender_id or self.recipient_id):
            parts = (self.sender_id, self.recipient_id, self.timestamp, self.target_mid)
            return f"{self.kind}:" + ":".join("" if p is None else str(p) for p in parts)
        canonical = json.dumps(self.raw, sort_keys=True, separators=(",", ":"), default=str)
        return "raw:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


class WebhookBatch(BaseModel):
    """All events of one webhook POST, in body order."""

    model_config = ConfigDict(frozen=True)

    object: str
    events: list[Event] = Field(default_factory=list)


def _dict(value: Any) -> dict[str, Any]:
    """Return `value` if it is a dict, else an empty dict."""
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    """Return `value` if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def _int(value: Any) -> int | None:
    """Return an int from an int, an integral float or a string of ASCII digits, else None."""
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    elif isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 30:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < _INT_LIMIT:
        return value
    return None


def _str(value: Any) -> str | None:
    """Return a non-empty str (ints become their decimal string), else None."""
    if isinstance(value, str):
        return value or None
    number = _int(value) if isinstance(value, int) else None
    return None if number is None else str(number)


def _float(value: Any) -> float | None:
    """Return a float from an int or float (not bool), else None."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if number and abs(value) <= 1e300 else None


def _millis(value: Any) -> int | None:
    """Read a timestamp, converting second-based values (lead ads) to milliseconds."""
    stamp = _int(value)
    return stamp * 1000 if stamp is not None and 0 < stamp < _SECONDS_THRESHOLD else stamp


def _at(body: Any, path: str) -> Any:
    """Follow a dotted path through nested dicts; None when any step is missing."""
    for part in path.split("."):
        body = _dict(body).get(part)
    return body


def is_echo(message: dict[str, Any]) -> bool:
    """True if the message is an echo of something the Page sent."""
    return message.get("is_echo") in (True, "true")


def is_quick_reply(message: dict[str, Any]) -> bool:
    """True if the message came from tapping a quick reply."""
    return _str(_at(message, "quick_reply.payload")) is not None


def is_like(message: dict[str, Any], attachments: list[Attachment]) -> bool:
    """True for the thumbs-up button (legacy `image` + sticker_id, or type `sticker`)."""
    if _int(message.get("sticker_id")) == LIKE_STICKER_ID:
        return True
    return any(att.sticker_id == LIKE_STICKER_ID for att in attachments)


def _attachment(item: dict[str, Any]) -> Attachment:
    """Read one attachment; an image carrying a sticker_id becomes type "sticker"."""
    sticker_id = _int(_at(item, "payload.sticker_id"))
    return Attachment(
        type="sticker" if sticker_id is not None else _str(item.get("type")),
        url=_str(_at(item, "payload.url")) or _str(item.get("url")),
        title=_str(_at(item, "payload.title")) or _str(item.get("title")),
        sticker_id=sticker_id,
        lat=_float(_at(item, "payload.coordinates.lat")),
        long=_float(_at(item, "payload.coordinates.long")),
    )


def _attachments(items: Any) -> list[Attachment]:
    """Read all dict attachments, keeping one per sticker id (Meta may send image + sticker)."""
    result: list[Attachment] = []
    stickers: set[int] = set()
    for att in (_attachment(item) for item in _list(items) if isinstance(item, dict)):
        if att.sticker_id is None or att.sticker_id not in stickers:
            result.append(att)
        if att.sticker_id is not None:
            stickers.add(att.sticker_id)
    return result


def _message_kind(message: dict[str, Any], attachments: list[Attachment]) -> EventKind:
    """Classify a `message` object."""
    if is_echo(message):
        return EventKind.ECHO
    if is_quick_reply(message):
        return EventKind.QUICK_REPLY
    if is_like(message, attachments):
        return EventKind.LIKE
    if _str(message.get("text")):
        return EventKind.TEXT
    return EventKind.ATTACHMENT if attachments else EventKind.UNSUPPORTED


def _message_fields(message: dict[str, Any]) -> Fields:
    """Fields of a `message` event (text, quick reply, attachment, like, echo)."""
    attachments = _attachments(message.get("attachments"))
    return {
        "kind": _message_kind(message, attachments),
        "mid": _str(message.get("mid")),
        "text": _str(message.get("text")),
        "payload": _str(_at(message, "quick_reply.payload")),
        "ref": _str(_at(message, "referral.ref")),
        "attachments": attachments,
        "reply_to_mid": _str(_at(message, "reply_to.mid")),
        "is_echo": is_echo(message),
        "app_id": _str(message.get("app_id")),
        "metadata": _str(message.get("metadata")),
    }


# Non-message events: top-level key -> (kind, {Event field: dotted path inside that key}).
_HANDOVER = {"app_id": "new_owner_app_id", "metadata": "metadata"}
_POLICY = {"payload": "action", "text": "reason"}
_BODIES: dict[str, tuple[EventKind, dict[str, str]]] = {
    "postback": (
        EventKind.POSTBACK,
        {"mid": "mid", "text": "title", "payload": "payload", "ref": "referral.ref"},
    ),
    "delivery": (EventKind.DELIVERY, {"watermark": "watermark"}),
    "read": (EventKind.READ, {"watermark": "watermark"}),
    "reaction": (EventKind.REACTION, {"target_mid": "mid", "payload": "action"}),
    "message_edit": (EventKind.EDIT, {"target_mid": "mid", "text": "text"}),
    "referral": (EventKind.REFERRAL, {"ref": "ref"}),
    "pass_thread_control": (EventKind.HANDOVER_PASS, _HANDOVER),
    "take_thread_control": (EventKind.HANDOVER_TAKE, _HANDOVER),
    "request_thread_control": (
        EventKind.HANDOVER_REQUEST,
        {"app_id": "requested_owner_app_id", "metadata": "metadata"},
    ),
    "optin": (EventKind.OPTIN, {"ref": "ref", "payload": "payload"}),
    "policy_enforcement": (EventKind.POLICY, _POLICY),
    "policy-enforcement": (EventKind.POLICY, _POLICY),
}


def _kind_fields(raw: dict[str, Any]) -> Fields:
    """Find the event's distinguishing key and read its fields (`kind` included)."""
    message = raw.get("message")
    if isinstance(message, dict):
        return _message_fields(message)
    if "message" in raw:  # e.g. the dashboard test: "message": "TEST_MESSAGE"
        return {"kind": EventKind.UNSUPPORTED}
    for key, (kind, paths) in _BODIES.items():
        body = raw.get(key)
        if isinstance(body, dict):
            fields: Fields = {"kind": kind}
            for name, path in paths.items():
                fields[name] = (_int if name == "watermark" else _str)(_at(body, path))
            return fields
    return {"kind": EventKind.UNSUPPORTED}


def parse_event(
    raw: dict[str, Any], channel: Channel = "messaging", page_id: str | None = None
) -> Event:
    """Turn one messaging/standby event dict into an `Event`; never raises on odd shapes."""
    return Event(
        channel=channel,
        sender_id=_str(_dict(raw.get("sender")).get("id")),
        recipient_id=_str(_dict(raw.get("recipient")).get("id")),
        page_id=page_id,
        timestamp=_millis(raw.get("timestamp")),
        raw=raw,
        **_kind_fields(raw),
    )


def parse_webhook(payload: Any) -> WebhookBatch:
    """Parse a decoded webhook body; raise `InvalidPayload` unless it is a Page webhook."""
    if not isinstance(payload, dict):
        raise InvalidPayload("body is not a JSON object")
    if payload.get("object") != "page":
        raise InvalidPayload("object is not 'page'")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise InvalidPayload("entry is not a list")
    events: list[Event] = []
    for entry in entries:
        entry = _dict(entry)
        page_id = _str(entry.get("id"))
        for channel in _CHANNELS:
            for item in _list(entry.get(channel)):
                if isinstance(item, dict):
                    events.append(parse_event(item, channel, page_id))
    return WebhookBatch(object="page", events=events)


def mark_for(part_id: int | None) -> str:
    """The `metadata` sent with a message: our mark, naming the outbox part when known (its
    echo then confirms a send whose answer timed out)."""
    return ECHO_MARK if part_id is None else f"{ECHO_MARK}:{part_id}"


def is_our_mark(metadata: str | None) -> bool:
    """Whether an echo's metadata says the assistant sent it."""
    return metadata == ECHO_MARK or (metadata or "").startswith(ECHO_MARK + ":")


def part_of_mark(metadata: str | None) -> int | None:
    """The outbox part an echo's metadata names, if any."""
    if not is_our_mark(metadata):
        return None
    number = (metadata or "").partition(":")[2]
    return int(number) if number.isdigit() and len(number) < 19 else None


def is_person_echo(event: Event, app_id: str | None) -> bool:
    """An echo of a message a person sent from the Page (the Page Inbox, the Pages app): not
    marked as the assistant's own, and not sent by this app (`app_id`, when known)."""
    if event.kind is not EventKind.ECHO or event.user_id is None or not event.text:
        return False
    ours = is_our_mark(event.metadata) or (app_id is not None and event.app_id == app_id)
    return not ours
