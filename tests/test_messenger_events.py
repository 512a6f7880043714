"""Tests for messenger.events: every stored webhook payload, odd shapes, and random JSON."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from messenger.events import (
    LIKE_STICKER_ID,
    Event,
    EventKind,
    InvalidPayload,
    WebhookBatch,
    parse_webhook,
)

DATA_DIR = Path(__file__).resolve().parent / "data" / "messenger"
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared" / "messenger-payloads"
FIXTURES = sorted(DATA_DIR.glob("*.json"))
TEST_MESSAGE = {"object": "page", "entry": [{"messaging": [{"message": "TEST_MESSAGE"}]}]}
PSID, PAGE = "1739141089378194", "234554838031189"


class Expected(NamedTuple):
    """What a fixture's single event must parse to."""

    kind: EventKind
    sender: str | None
    mid: str | None
    text: str | None
    payload: str | None
    answerable: bool
    channel: str = "messaging"


K = EventKind
EXPECTED: dict[str, Expected] = {
    "audio_attachment.json": Expected(
        K.ATTACHMENT, PSID, "mid.$cAAFSsSTn2XdcvE-1U1i5wpqbrOHw", None, None, True
    ),
    "delivery.json": Expected(K.DELIVERY, PSID, None, None, None, False),
    "echo_text.json": Expected(
        K.ECHO, PAGE, "mid.$cAAFStIxHtgpFwwl111ikQQs_I_oI", "test test", None, False
    ),
    "echo_with_metadata_template.json": Expected(
        K.ECHO, "<PAGE_ID>", "mid.1458696618141:b4ef9d19ec21086067", None, None, False
    ),
    "fallback_link_share.json": Expected(
        K.TEXT,
        "<PSID>",
        "m_toDnmD...",
        "This is where I want to go: https://youtu.be/bbo_fZAjIhg",
        None,
        True,
    ),
    "file_attachment.json": Expected(
        K.ATTACHMENT, "1254459154682919", "mid.$cAAJdkrCd2ORnva8ErFhjGm0X_Q_c", None, None, True
    ),
    "image_attachment.json": Expected(
        K.ATTACHMENT, PSID, "mid.$cAAFSuiOlE3doibGxAFiWxoQ_dosX", None, None, True
    ),
    "location_legacy.json": Expected(
        K.ATTACHMENT, PSID, "mid.$cAAFSsb24gKln5K6Sb1hshk46ukmJ", None, None, True
    ),
    "message_edit.json": Expected(
        K.EDIT, "<PSID>", None, "Actually I need size M, not L", None, False
    ),
    "message_with_ads_referral.json": Expected(
        K.TEXT, "<PSID>", "mid.1457764197618:41d102a3e1ae206a38", "hello, world!", None, True
    ),
    "optin_legacy_send_to_messenger.json": Expected(K.OPTIN, PSID, None, None, None, False),
    "optin_notification_messages.json": Expected(
        K.OPTIN, "<PSID>", None, None, "ADDITIONAL-INFORMATION", False
    ),
    "pass_thread_control.json": Expected(K.HANDOVER_PASS, PSID, None, None, None, False),
    "pass_thread_control_back_from_inbox.json": Expected(
        K.HANDOVER_PASS, "<PSID>", None, None, None, False
    ),
    "policy_enforcement.json": Expected(
        K.POLICY,
        None,
        None,
        "The bot violated our Platform Policies (https://developers.facebook.com/devpolicy/"
        "#messengerplatform). Common violations include sending out excessive spammy messages "
        "or being non-functional.",
        "block",
        False,
    ),
    "postback_button_with_mid.json": Expected(
        K.POSTBACK,
        "<PSID>",
        "m_POSTBACK_MESSAGE_ID_EXAMPLE",
        "Add to cart",
        "ADD_TO_CART:SKU-1234",
        True,
    ),
    "postback_get_started.json": Expected(
        K.POSTBACK, PSID, None, "Aan de slag", "getstarted", True
    ),
    "postback_get_started_referral.json": Expected(
        K.POSTBACK, PSID, None, "Aan de slag", "getstarted", True
    ),
    "quick_reply.json": Expected(
        K.QUICK_REPLY, PSID, "mid.1483715260354:77ac33da15", "CLICK HERE", "some_payload", True
    ),
    "quick_reply_doc_example.json": Expected(
        K.QUICK_REPLY,
        "1254459154682919",
        "m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P",
        "Green",
        "DEVELOPER_DEFINED_PAYLOAD_FOR_PICKING_GREEN",
        True,
    ),
    "reaction.json": Expected(K.REACTION, "<PSID>", None, None, "react", False),
    "reaction_unreact.json": Expected(K.REACTION, "<PSID>", None, None, "unreact", False),
    "read.json": Expected(K.READ, PSID, None, None, None, False),
    "referral_ads.json": Expected(K.REFERRAL, "<PSID>", None, None, None, False),
    "referral_lead_complete.json": Expected(
        K.REFERRAL, "5794982867201265", None, None, None, False
    ),
    "referral_mme_existing_thread.json": Expected(K.REFERRAL, PSID, None, None, None, False),
    "reply_to.json": Expected(
        K.TEXT, "<PSID>", "m_1457764197618:41d102a3e1ae206a38", "hello, world!", None, True
    ),
    "standby_message.json": Expected(
        K.TEXT,
        PSID,
        "mid.$cAAEIQkYwD5bNu1Kzh1hgg1r2bI_K",
        "This is a text message",
        None,
        False,
        "standby",
    ),
    "sticker_like.json": Expected(K.LIKE, PSID, "mid.1482142576415:5aaf79ce93", None, None, True),
    "take_thread_control.json": Expected(K.HANDOVER_TAKE, PSID, None, None, None, False),
    "text_message.json": Expected(
        K.TEXT, PSID, "mid.$cAAEIQkYwD5bNu1Kzh1hgg1r2bI_K", "This is a text message", None, True
    ),
    "video_attachment.json": Expected(
        K.ATTACHMENT, PSID, "mid.$cAAFSt2aYrFJpI8x3ci8RnJfhPTsQ", None, None, True
    ),
}


def load(name: str) -> dict[str, Any]:
    """Load one stored webhook body."""
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_bytes())
    return data


def only_event(payload: Any) -> Event:
    """Parse a body that must contain exactly one event."""
    batch = parse_webhook(payload)
    assert len(batch.events) == 1
    return batch.events[0]


def message_event(message: Any, **extra: Any) -> dict[str, Any]:
    """A one-event webhook body around `message`."""
    event = {
        "sender": {"id": "U1"},
        "recipient": {"id": "P1"},
        "timestamp": 1700000000000,
        "message": message,
        **extra,
    }
    return {"object": "page", "entry": [{"id": "P1", "time": 1, "messaging": [event]}]}


# --- the stored payloads ---------------------------------------------------------------------


def test_every_fixture_has_an_expectation() -> None:
    """No stored payload goes untested, and no expectation points at a missing file."""
    assert FIXTURES
    assert {path.name for path in FIXTURES} == set(EXPECTED)


@pytest.mark.skipif(not SHARED_DIR.is_dir(), reason="shared payload folder not present")
def test_copies_match_the_shared_payloads() -> None:
    """tests/data/messenger holds a byte-identical copy of every shared payload."""
    shared = sorted(SHARED_DIR.glob("*.json"))
    assert [path.name for path in shared] == [path.name for path in FIXTURES]
    for path in shared:
        assert (DATA_DIR / path.name).read_bytes() == path.read_bytes(), path.name


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.stem)
def test_fixture_parses_to_expected_event(path: Path) -> None:
    """Each stored payload yields one event with the expected core fields."""
    expected = EXPECTED[path.name]
    payload = json.loads(path.read_bytes())
    event = only_event(payload)
    assert event.kind is expected.kind
    assert event.channel == expected.channel
    assert event.sender_id == expected.sender
    assert event.mid == expected.mid
    assert event.text == expected.text
    assert event.payload == expected.payload
    assert event.is_answerable is expected.answerable
    assert event.is_echo is (expected.kind is K.ECHO)
    assert event.page_id == payload["entry"][0]["id"]
    assert event.raw == payload["entry"][0][expected.channel][0]
    assert isinstance(event.timestamp, int) and event.timestamp > 10**12
    assert event.dedup_key == only_event(copy.deepcopy(payload)).dedup_key


def test_attachment_details() -> None:
    """URLs are unescaped, location coordinates and fallback titles are kept."""
    image = only_event(load("image_attachment.json")).attachments
    assert [a.type for a in image] == ["image"]
    assert image[0].url is not None and image[0].url.startswith("https://scontent-ort2-2.xx.fbcdn")
    location = only_event(load("location_legacy.json")).attachments[0]
    assert (location.type, location.lat, location.long) == ("location", 52.376232, 4.838296)
    assert location.title == "Someone's Location"
    assert location.url == "<SOME URL USING BING MAPS>"
    fallback = only_event(load("fallback_link_share.json")).attachments[0]
    assert (fallback.type, fallback.title) == ("fallback", "TAHITI - Heaven on Earth")
    template = only_event(load("echo_with_metadata_template.json")).attachments
    assert [a.type for a in template] == ["template"]
    assert [a.type for a in only_event(load("file_attachment.json")).attachments] == ["file"]


def test_legacy_like_sticker() -> None:
    """The legacy thumbs-up (image + sticker_id) is a like with one sticker attachment."""
    event = only_event(load("sticker_like.json"))
    assert event.kind is K.LIKE
    assert [(a.type, a.sticker_id) for a in event.attachments] == [("sticker", LIKE_STICKER_ID)]


def test_echo_fields() -> None:
    """Echoes carry the app id and metadata, and are never answerable."""
    event = only_event(load("echo_with_metadata_template.json"))
    assert event.app_id == "1517776481860111"
    assert event.metadata == "<DEVELOPER_DEFINED_METADATA_STRING>"
    assert only_event(load("echo_text.json")).app_id == "743273262513025"


def test_reply_and_referrals() -> None:
    """reply_to.mid, ad/m.me/postback refs and lead-ad second timestamps are read."""
    reply = only_event(load("reply_to.json"))
    assert reply.reply_to_mid == "m_1fTq8oLumEyIp3Q2MR-aY7IfLZDamVrALniheU"
    assert only_event(load("message_with_ads_referral.json")).ref == (
        "<REF_DATA_IF_SPECIFIED_IN_THE_AD>"
    )
    assert only_event(load("referral_mme_existing_thread.json")).ref == "some_cta_or_another"
    assert only_event(load("postback_get_started_referral.json")).ref == "some_cta_or_another"
    assert only_event(load("postback_get_started.json")).ref is None
    assert only_event(load("optin_legacy_send_to_messenger.json")).ref == "some_ref_or_another"
    assert only_event(load("referral_lead_complete.json")).timestamp == 1665424533000


def test_handover_fields() -> None:
    """Pass/take thread control expose the new owner app id and metadata."""
    passed = only_event(load("pass_thread_control.json"))
    assert (passed.app_id, passed.metadata) == (
        "123456789",
        "Additional content that the caller wants to set",
    )
    assert only_event(load("pass_thread_control_back_from_inbox.json")).app_id == "<YOUR_APP_ID>"
    taken = only_event(load("take_thread_control.json"))
    assert taken.app_id is None
    assert taken.metadata == "additional content that the caller wants to set!"
    request = {
        "sender": {"id": "U"},
        "recipient": {"id": "P"},
        "timestamp": 5 * 10**12,
        "request_thread_control": {"requested_owner_app_id": 42, "metadata": "m"},
    }
    event = only_event({"object": "page", "entry": [{"messaging": [request]}]})
    assert (event.kind, event.app_id, event.metadata) == (K.HANDOVER_REQUEST, "42", "m")


def test_reaction_and_edit_point_at_their_target() -> None:
    """Reactions and edits keep the target mid apart from `mid` so keys never collide."""
    reaction = only_event(load("reaction.json"))
    edit = only_event(load("message_edit.json"))
    assert (reaction.mid, reaction.target_mid) == (None, "<MID_OF_ReactedTo_Message>")
    assert (edit.mid, edit.target_mid) == (None, "<MESSAGE_ID>")
    assert edit.text == "Actually I need size M, not L"
    original = only_event(message_event({"mid": "<MESSAGE_ID>", "text": "size L"}))
    assert len({original.dedup_key, edit.dedup_key, reaction.dedup_key}) == 3
    unreact = only_event(load("reaction_unreact.json"))
    assert unreact.dedup_key != reaction.dedup_key


def test_policy_event_has_no_sender() -> None:
    """Policy enforcement arrives without a sender and is not answerable."""
    event = only_event(load("policy_enforcement.json"))
    assert (event.sender_id, event.recipient_id) == (None, "PAGE_ID")
    legacy = {
        "recipient": {"id": "P"},
        "timestamp": 2 * 10**12,
        "policy-enforcement": {"action": "unblock"},
    }
    assert only_event({"object": "page", "entry": [{"messaging": [legacy]}]}).kind is K.POLICY


# --- dedup keys --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("text_message.json", "mid:mid.$cAAEIQkYwD5bNu1Kzh1hgg1r2bI_K"),
        ("postback_button_with_mid.json", "mid:m_POSTBACK_MESSAGE_ID_EXAMPLE"),
        ("postback_get_started.json", f"pb:{PSID}:1520151355121:getstarted"),
        ("delivery.json", f"delivery:{PSID}:1488128564613"),
        ("read.json", f"read:{PSID}:1518439571400"),
        ("referral_mme_existing_thread.json", f"referral:{PSID}:{PAGE}:1518442110333:"),
        ("policy_enforcement.json", "policy::PAGE_ID:1458692752478:"),
    ],
)
def test_dedup_key_rules(name: str, key: str) -> None:
    """The documented key shapes."""
    assert only_event(load(name)).dedup_key == key


def test_dedup_key_survives_redelivery_with_new_entry_time() -> None:
    """Meta re-sends the same event with a different entry time: the key stays the same."""
    for path in FIXTURES:
        payload = json.loads(path.read_bytes())
        again = copy.deepcopy(payload)
        again["entry"][0]["time"] += 1234
        assert only_event(payload).dedup_key == only_event(again).dedup_key, path.name


def test_raw_hash_is_the_last_resort_and_order_independent() -> None:
    """Events without ids or timestamp hash their canonical raw JSON."""
    first = only_event({"object": "page", "entry": [{"messaging": [{"a": 1, "b": [1, "ä"]}]}]})
    second = only_event({"object": "page", "entry": [{"messaging": [{"b": [1, "ä"], "a": 1}]}]})
    other = only_event({"object": "page", "entry": [{"messaging": [{"a": 2}]}]})
    assert first.dedup_key.startswith("raw:")
    assert first.dedup_key == second.dedup_key != other.dedup_key


# --- batching and channels ---------------------------------------------------------------------


def test_batch_keeps_every_entry_and_event_in_order() -> None:
    """Several entries, each with several messaging and standby events: nothing is dropped."""
    text = load("text_message.json")["entry"][0]["messaging"][0]
    postback = load("postback_get_started.json")["entry"][0]["messaging"][0]
    read = load("read.json")["entry"][0]["messaging"][0]
    standby = load("standby_message.json")["entry"][0]["standby"][0]
    body = {
        "object": "page",
        "entry": [
            {"id": "A", "time": 1, "messaging": [text, postback, read]},
            {"id": "B", "time": 2, "messaging": [read], "standby": [standby, postback]},
            {"id": "C", "time": 3, "changes": [{"field": "inbox_labels", "value": {}}]},
            {"id": "D", "time": 4},
        ],
    }
    batch = parse_webhook(body)
    assert isinstance(batch, WebhookBatch) and batch.object == "page"
    assert [(e.page_id, e.channel, e.kind) for e in batch.events] == [
        ("A", "messaging", K.TEXT),
        ("A", "messaging", K.POSTBACK),
        ("A", "messaging", K.READ),
        ("B", "messaging", K.READ),
        ("B", "standby", K.TEXT),
        ("B", "standby", K.POSTBACK),
    ]
    assert [e.is_answerable for e in batch.events] == [True, True, False, False, False, False]


def test_dashboard_test_message() -> None:
    """Meta's `"message": "TEST_MESSAGE"` body becomes one unsupported event without ids."""
    event = only_event(TEST_MESSAGE)
    assert event.kind is K.UNSUPPORTED
    assert (event.sender_id, event.recipient_id, event.page_id, event.mid) == (None,) * 4
    assert event.timestamp is None and event.text is None and not event.is_answerable
    assert event.raw == {"message": "TEST_MESSAGE"}
    assert event.dedup_key.startswith("raw:")


# --- message shapes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attachments",
    [
        [{"type": "sticker", "payload": {"url": "u", "sticker_id": LIKE_STICKER_ID}}],
        [
            {"type": "image", "payload": {"url": "u", "sticker_id": LIKE_STICKER_ID}},
            {"type": "sticker", "payload": {"url": "u", "sticker_id": LIKE_STICKER_ID}},
        ],
        [{"type": "sticker", "payload": {"url": "u", "sticker_id": str(LIKE_STICKER_ID)}}],
    ],
    ids=["new-sticker", "transition-image-and-sticker", "sticker-id-as-string"],
)
def test_like_button_shapes(attachments: list[dict[str, Any]]) -> None:
    """The new sticker shape and the transitional duplicate both give one like."""
    event = only_event(message_event({"mid": "m_1", "attachments": attachments}))
    assert event.kind is K.LIKE and event.is_answerable
    assert [(a.type, a.sticker_id) for a in event.attachments] == [("sticker", LIKE_STICKER_ID)]


@pytest.mark.parametrize("kind", ["sticker", "image"])
def test_other_stickers_are_attachments(kind: str) -> None:
    """A sticker that is not the like button is an attachment of type sticker."""
    att = {"type": kind, "payload": {"url": "u", "sticker_id": 126361874215276}}
    event = only_event(message_event({"mid": "m_2", "attachments": [att]}))
    assert event.kind is K.ATTACHMENT
    assert [(a.type, a.sticker_id, a.url) for a in event.attachments] == [
        ("sticker", 126361874215276, "u")
    ]


def test_fallback_with_null_payload_uses_attachment_level_fields() -> None:
    """`payload: null` with title/url on the attachment itself is read."""
    att = {"type": "fallback", "payload": None, "title": "Shared", "url": "https://x"}
    event = only_event(message_event({"mid": "m_3", "attachments": [att]}))
    assert event.kind is K.ATTACHMENT
    assert [(a.type, a.title, a.url) for a in event.attachments] == [
        ("fallback", "Shared", "https://x")
    ]


def test_quick_reply_with_empty_text_is_still_a_quick_reply() -> None:
    empty_text = message_event({"mid": "m_4", "text": "", "quick_reply": {"payload": "PICK"}})
    assert only_event(empty_text).kind is K.QUICK_REPLY
    assert only_event(empty_text).payload == "PICK"


def test_answerable_needs_a_sender() -> None:
    """A text without a sender id cannot be answered."""
    body = message_event({"mid": "m_5", "text": "hi"}, sender={"id": None})
    event = only_event(body)
    assert event.kind is K.TEXT and event.sender_id is None and not event.is_answerable


def test_events_are_frozen() -> None:
    """Parsed events cannot be changed."""
    event = only_event(load("text_message.json"))
    with pytest.raises(ValidationError):
        event.text = "changed"  # type: ignore[misc]


# --- tolerance and rejection -------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        None,
        [],
        "page",
        1,
        {},
        {"object": "user", "entry": []},
        {"object": "page"},
        {"object": "page", "entry": None},
        {"object": "page", "entry": {"messaging": []}},
        {"object": ["page"], "entry": []},
    ],
    ids=repr,
)
def test_invalid_bodies_raise_invalid_payload(body: Any) -> None:
    """Only a dict with object "page" and a list entry is accepted."""
    with pytest.raises(InvalidPayload) as info:
        parse_webhook(body)
    assert isinstance(info.value, ValueError) and info.value.reason


def test_empty_entry_list_is_an_empty_batch() -> None:
    """`entry: []` is valid and has no events."""
    assert parse_webhook({"object": "page", "entry": []}).events == []


def test_junk_entries_and_events_are_skipped() -> None:
    """Non-dict entries/events and non-list channels never crash the parser."""
    body: dict[str, Any] = {
        "object": "page",
        "entry": [
            None,
            1,
            "x",
            [],
            {},
            {"messaging": "x"},
            {"standby": {"a": 1}},
            {"messaging": [None, 1, "s", []]},
            {"messaging": [{}]},
        ],
    }
    assert [e.kind for e in parse_webhook(body).events] == [K.UNSUPPORTED]


def test_wrong_types_are_tolerated() -> None:
    """Numbers as strings, ints as ids, strings where objects belong all degrade gracefully."""
    body = message_event(
        {
            "mid": 77,
            "text": "hi",
            "attachments": {"type": "image"},
            "reply_to": "m_x",
            "quick_reply": "not-a-dict",
            "is_echo": "no",
            "sticker_id": "abc",
        },
        sender={"id": 1254459154682919},
        recipient="P1",
        timestamp="1518439590791",
    )
    body["entry"][0]["id"] = 682498302938465
    event = only_event(body)
    assert (event.kind, event.mid, event.text) == (K.TEXT, "77", "hi")
    assert (event.sender_id, event.recipient_id) == ("1254459154682919", None)
    assert (event.page_id, event.timestamp) == ("682498302938465", 1518439590791)
    assert event.attachments == [] and event.reply_to_mid is None and not event.is_echo


@pytest.mark.parametrize(
    "event",
    [
        {"postback": "GET_STARTED"},
        {"delivery": None, "read": 5},
        {"message": None},
        {"message": {"attachments": [None, 3, "x"]}},
        {"message": {"text": None, "mid": None}},
        {"sender": "U", "timestamp": None, "reaction": []},
        {"account_linking": {"status": "linked"}, "sender": {"id": "U"}, "timestamp": 10**13},
        {"sender": {"id": True}, "timestamp": 1.5, "read": {"watermark": "soon"}},
    ],
    ids=repr,
)
def test_odd_events_become_unsupported_or_degraded(event: dict[str, Any]) -> None:
    """Unknown or mistyped event bodies give an event, never an exception."""
    parsed = only_event({"object": "page", "entry": [{"messaging": [event]}]})
    assert parsed.kind in {K.UNSUPPORTED, K.READ}
    assert not parsed.is_answerable
    assert isinstance(parsed.dedup_key, str) and parsed.raw == event


# --- property-based ----------------------------------------------------------------------------

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=25,
)
EVENT_KEYS = [
    "sender",
    "recipient",
    "timestamp",
    "message",
    "postback",
    "delivery",
    "read",
    "reaction",
    "message_edit",
    "referral",
    "pass_thread_control",
    "optin",
    "take_thread_control",
    "request_thread_control",
    "policy_enforcement",
]
MESSAGE_KEYS = [
    "mid",
    "text",
    "quick_reply",
    "attachments",
    "is_echo",
    "app_id",
    "metadata",
    "sticker_id",
    "reply_to",
    "referral",
]
field_values = json_values | st.fixed_dictionaries(
    {},
    optional={
        "id": json_values,
        "payload": json_values,
        "mid": json_values,
        "watermark": json_values,
        "sticker_id": st.just(LIKE_STICKER_ID),
    },
)
messages = st.fixed_dictionaries(
    {},
    optional={
        key: (
            st.lists(
                st.fixed_dictionaries({}, optional={"type": json_values, "payload": field_values}),
                max_size=3,
            )
            if key == "attachments"
            else field_values
        )
        for key in MESSAGE_KEYS
    },
)
events = st.fixed_dictionaries(
    {},
    optional={
        key: (messages | json_values if key == "message" else field_values) for key in EVENT_KEYS
    },
)
webhooks = st.fixed_dictionaries(
    {
        "object": st.just("page"),
        "entry": st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": json_values,
                    "messaging": st.lists(events, max_size=3) | json_values,
                    "standby": st.lists(events, max_size=2),
                },
            ),
            max_size=3,
        ),
    }
)


def exercise(batch: WebhookBatch) -> None:
    """Touch every derived property of every event."""
    for event in batch.events:
        assert isinstance(event.kind, EventKind)
        assert isinstance(event.dedup_key, str) and event.dedup_key
        assert isinstance(event.is_answerable, bool)


@settings(database=None, deadline=None, max_examples=300)
@given(
    json_values
    | st.fixed_dictionaries({"object": json_values | st.just("page"), "entry": json_values})
)
def test_random_json_returns_batch_or_raises_invalid_payload(body: Any) -> None:
    """Arbitrary JSON gives a batch or InvalidPayload, nothing else."""
    try:
        batch = parse_webhook(body)
    except InvalidPayload:
        return
    exercise(batch)


@settings(database=None, deadline=None, max_examples=300)
@given(webhooks)
def test_webhook_shaped_garbage_always_parses(body: dict[str, Any]) -> None:
    """Page bodies with random event contents always parse, one event per dict event."""
    batch = parse_webhook(body)
    exercise(batch)
    expected = sum(
        isinstance(item, dict)
        for entry in body["entry"]
        for channel in ("messaging", "standby")
        for item in (entry.get(channel) if isinstance(entry.get(channel), list) else [])
    )
    assert len(batch.events) == expected
