"""Verify and create the `X-Hub-Signature-256` header of Messenger webhook requests."""

from __future__ import annotations

import hashlib
import hmac
import string

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="
_HEX_DIGITS = frozenset(string.hexdigits)
_DIGEST_LENGTH = hashlib.sha256().digest_size * 2


def sign(secret: str, body: bytes) -> str:
    """Return the header value Meta would send for `body`: `sha256=` + lowercase hex HMAC."""
    return _PREFIX + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """Return True if `header` is a valid HMAC-SHA256 of the raw `body`; never raises."""
    if not secret or not isinstance(header, str):
        return False
    if not isinstance(body, bytes | bytearray | memoryview):
        return False
    scheme, sep, digest = header.strip().partition("=")
    if not sep or scheme.strip().lower() != "sha256":
        return False
    digest = digest.strip().lower()
    if len(digest) != _DIGEST_LENGTH or not _HEX_DIGITS.issuperset(digest):
        return False
    expected = sign(secret, bytes(body)).removeprefix(_PREFIX)
    return hmac.compare_digest(expected, digest)
