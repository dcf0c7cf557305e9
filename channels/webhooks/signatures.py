"""Webhook authenticity checks: framework-neutral, over raw bytes, raising a typed reason.

Unlike the SDK helpers these never see a re-serialised body, compare in constant time, and
enforce a timestamp window for SendGrid (its own helper does not).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Mapping
from typing import Literal
from urllib.parse import parse_qsl

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

RejectReason = Literal["missing_header", "bad_signature", "stale", "bad_timestamp", "bad_secret", "not_configured"]

TWILIO_SIGNATURE_HEADER = "X-Twilio-Signature"
SENDGRID_SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
SENDGRID_TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


class SignatureError(Exception):
    """Raised when a webhook request cannot be trusted; ``reason`` is also the metric label."""

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason: RejectReason = reason


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if not value:
        raise SignatureError("missing_header", name)
    return value


def twilio_signature(auth_token: str, url: str, params: list[tuple[str, str]]) -> str:
    """Twilio's HMAC-SHA1 over the URL and the sorted POST parameters (same rules as the SDK:
    values of a repeated key are sorted and de-duplicated)."""
    by_key: dict[str, set[str]] = {}
    for key, value in params:
        by_key.setdefault(key, set()).add(value)
    payload = url + "".join(key + value for key in sorted(by_key) for value in sorted(by_key[key]))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_twilio_request(auth_token: str, url: str, body: bytes, headers: Mapping[str, str]) -> list[tuple[str, str]]:
    """Check ``X-Twilio-Signature`` over the exact public ``url`` and the raw form body; return the form."""
    if not auth_token:
        raise SignatureError("not_configured", "twilio auth token")
    signature = _header(headers, TWILIO_SIGNATURE_HEADER)
    params = parse_qsl(body.decode("utf-8", errors="strict"), keep_blank_values=True)
    expected = twilio_signature(auth_token, url, params)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise SignatureError("bad_signature", "twilio")
    return params


def load_sendgrid_public_key(public_key_b64: str) -> ec.EllipticCurvePublicKey:
    """The Event Webhook verification key as SendGrid's console shows it (base64 DER, no PEM armour)."""
    key = serialization.load_der_public_key(base64.b64decode(public_key_b64))
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("SendGrid's event webhook key must be an EC (P-256) public key")
    return key


def verify_sendgrid_event(
    public_key: ec.EllipticCurvePublicKey | None,
    body: bytes,
    headers: Mapping[str, str],
    max_age_s: float,
    now: float | None = None,
) -> None:
    """Check the ECDSA P-256 / SHA-256 signature over ``timestamp + raw body`` and the timestamp's age."""
    if public_key is None:
        raise SignatureError("not_configured", "sendgrid event webhook key")
    signature_b64 = _header(headers, SENDGRID_SIGNATURE_HEADER)
    timestamp = _header(headers, SENDGRID_TIMESTAMP_HEADER)
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise SignatureError("bad_timestamp", "not an integer") from None
    current = time.time() if now is None else now
    if abs(current - sent_at) > max_age_s:
        raise SignatureError("stale", f"{current - sent_at:.0f}s old")
    try:
        signature = base64.b64decode(signature_b64, validate=True)
        public_key.verify(signature, timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, binascii.Error, ValueError):
        raise SignatureError("bad_signature", "sendgrid") from None


def verify_path_secret(expected: str, given: str) -> None:
    """Inbound Parse carries no signature: a secret path segment, compared in constant time."""
    if not expected:
        raise SignatureError("not_configured", "inbound parse secret")
    if not hmac.compare_digest(expected.encode(), given.encode()):
        raise SignatureError("bad_secret")
