"""Tests for messenger.signature: X-Hub-Signature-256 over the raw request body."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from messenger.signature import SIGNATURE_HEADER, sign, verify_signature

DATA_DIR = Path(__file__).resolve().parent / "data" / "messenger"
FIXTURES = sorted(DATA_DIR.glob("*.json"))
SECRET = "app-secret"
# Body exactly as Meta sends it: non-ASCII escaped as \uXXXX (these are literal backslashes).
ESCAPED_BODY = (
    b'{"object":"page","entry":[{"messaging":[{"message":{"text":"\\u00e4\\u00f6\\u00e5"}}]}]}'
)
# Computed independently with `openssl dgst -sha256 -hmac app-secret`.
ESCAPED_BODY_HMAC = "510ce9c583942f2345e46d8dd9b2afec31437ef79e90c1ab2435428761efaca5"
TEXT_MESSAGE_HMAC = "5de56e80096fc01ca297c3690495278f60413393369cf14a5f6b66149c1a2a11"


def test_header_name() -> None:
    """The header constant is the one Meta sends."""
    assert SIGNATURE_HEADER == "X-Hub-Signature-256"


def test_sign_matches_known_vectors() -> None:
    """sign() gives `sha256=` + lowercase hex, matching openssl."""
    assert sign(SECRET, ESCAPED_BODY) == f"sha256={ESCAPED_BODY_HMAC}"
    body = (DATA_DIR / "text_message.json").read_bytes()
    assert sign(SECRET, body) == f"sha256={TEXT_MESSAGE_HMAC}"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: path.stem)
def test_every_fixture_body_verifies(path: Path) -> None:
    """The signature over each raw stored body is accepted; with another secret it is not."""
    body = path.read_bytes()
    header = sign(SECRET, body)
    assert verify_signature(SECRET, body, header)
    assert not verify_signature("other-secret", body, header)


def test_escaped_unicode_body_is_hashed_raw() -> None:
    """HMAC is over the escaped raw bytes; re-serialised decoded JSON does not verify."""
    header = f"sha256={ESCAPED_BODY_HMAC}"
    assert verify_signature(SECRET, ESCAPED_BODY, header)
    decoded = json.loads(ESCAPED_BODY)
    assert decoded["entry"][0]["messaging"][0]["message"]["text"] == "äöå"
    reencoded = json.dumps(decoded, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert json.loads(reencoded) == decoded
    assert not verify_signature(SECRET, reencoded, header)


def test_escaped_slashes_matter() -> None:
    """Real bodies escape `/` as `\\/`; unescaping them changes the signature."""
    body = (DATA_DIR / "image_attachment.json").read_bytes()
    assert b"\\/" in body
    assert not verify_signature(SECRET, body.replace(b"\\/", b"/"), sign(SECRET, body))


@pytest.mark.parametrize("index", [0, 1, 57, -2, -1])
def test_one_altered_byte_is_rejected(index: int) -> None:
    """Changing any single byte of the body invalidates the signature."""
    body = bytearray((DATA_DIR / "text_message.json").read_bytes())
    header = sign(SECRET, bytes(body))
    body[index] ^= 0x01
    assert not verify_signature(SECRET, bytes(body), header)


def test_appended_or_truncated_body_is_rejected() -> None:
    """Extra or missing trailing bytes are rejected too."""
    header = sign(SECRET, ESCAPED_BODY)
    assert not verify_signature(SECRET, ESCAPED_BODY + b"\n", header)
    assert not verify_signature(SECRET, ESCAPED_BODY[:-1], header)


def _sha1_header(body: bytes) -> str:
    """A legacy X-Hub-Signature value, which must not pass as a sha256 header."""
    return "sha1=" + hmac.new(SECRET.encode(), body, hashlib.sha1).hexdigest()


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        " ",
        "sha256",
        "sha256=",
        "sha256=zz",
        "=" + ESCAPED_BODY_HMAC,
        ESCAPED_BODY_HMAC,
        _sha1_header(ESCAPED_BODY),
        "sha1=" + ESCAPED_BODY_HMAC,
        "md5=" + ESCAPED_BODY_HMAC,
        "sha256=" + ESCAPED_BODY_HMAC[:-1],
        "sha256=" + ESCAPED_BODY_HMAC + "0",
        "sha256=" + "z" * 64,
        "sha256=" + "é" * 64,
        "sha256=" + ESCAPED_BODY_HMAC[:-1] + "\u0660",
        "sha256=" + "0" * 64,
        "sha256=sha256=" + ESCAPED_BODY_HMAC,
    ],
    ids=repr,
)
def test_missing_or_malformed_header_is_rejected(header: str | None) -> None:
    """Missing, empty, wrong-scheme, wrong-length and non-hex headers give False."""
    assert verify_signature(SECRET, ESCAPED_BODY, header) is False


def test_lenient_about_case_and_whitespace() -> None:
    """Uppercase hex, an uppercase scheme or surrounding spaces still verify."""
    assert verify_signature(SECRET, ESCAPED_BODY, f"sha256={ESCAPED_BODY_HMAC.upper()}")
    assert verify_signature(SECRET, ESCAPED_BODY, f"SHA256={ESCAPED_BODY_HMAC}")
    assert verify_signature(SECRET, ESCAPED_BODY, f"  sha256={ESCAPED_BODY_HMAC}\r\n")


def test_empty_secret_never_verifies() -> None:
    """An unset app secret fails closed, even against a header made with it."""
    assert not verify_signature("", ESCAPED_BODY, sign("", ESCAPED_BODY))


def test_non_bytes_body_is_rejected_not_raised() -> None:
    """A decoded str body (a caller bug) gives False instead of a TypeError."""
    header = sign(SECRET, ESCAPED_BODY)
    assert not verify_signature(SECRET, ESCAPED_BODY.decode(), header)  # type: ignore[arg-type]


def test_unicode_secret() -> None:
    """A non-ASCII secret is used as UTF-8 bytes."""
    expected = hmac.new("sëcret".encode(), ESCAPED_BODY, hashlib.sha256).hexdigest()
    assert sign("sëcret", ESCAPED_BODY) == f"sha256={expected}"
    assert verify_signature("sëcret", ESCAPED_BODY, f"sha256={expected}")


@settings(database=None, deadline=None, max_examples=200)
@given(st.text(min_size=1), st.binary(), st.data())
def test_round_trip_and_single_byte_tamper(secret: str, body: bytes, data: st.DataObject) -> None:
    """sign/verify round-trips; flipping any one byte breaks it."""
    header = sign(secret, body)
    assert verify_signature(secret, body, header)
    if body:
        index = data.draw(st.integers(0, len(body) - 1))
        tampered = bytearray(body)
        tampered[index] ^= data.draw(st.integers(1, 255))
        assert not verify_signature(secret, bytes(tampered), header)


@settings(database=None, deadline=None, max_examples=300)
@given(st.none() | st.text() | st.text().map(lambda tail: "sha256=" + tail))
def test_arbitrary_headers_never_raise(header: str | None) -> None:
    """Any header value gives a bool, never an exception."""
    assert verify_signature(SECRET, ESCAPED_BODY, header) in (True, False)
