"""Webhook verification over raw bytes, checked against the SDKs' own signing tools."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sendgrid.helpers.eventwebhook import EventWebhook
from twilio.request_validator import RequestValidator

from channels.webhooks.signatures import (
    SignatureError,
    load_sendgrid_public_key,
    twilio_signature,
    verify_path_secret,
    verify_sendgrid_event,
    verify_twilio_request,
)

TOKEN = "test-auth-token"
URL = "https://hooks.example/webhooks/twilio/sms-status?send_id=s-1"
PARAMS = {"MessageSid": "SM1", "MessageStatus": "delivered", "To": "+15005550006", "ErrorCode": ""}


def test_our_twilio_signature_matches_the_sdk_request_validator() -> None:
    assert twilio_signature(TOKEN, URL, list(PARAMS.items())) == RequestValidator(TOKEN).compute_signature(URL, PARAMS)


def test_a_request_signed_by_the_sdk_verifies_and_returns_its_form() -> None:
    signature = RequestValidator(TOKEN).compute_signature(URL, PARAMS)
    form = verify_twilio_request(TOKEN, URL, urlencode(PARAMS).encode(), {"X-Twilio-Signature": signature})
    assert dict(form) == PARAMS


@pytest.mark.parametrize(
    ("url", "body", "headers", "reason"),
    [
        (URL, urlencode(PARAMS | {"MessageStatus": "failed"}).encode(), "valid", "bad_signature"),
        (URL.replace("s-1", "s-2"), urlencode(PARAMS).encode(), "valid", "bad_signature"),
        (URL, urlencode(PARAMS).encode(), {}, "missing_header"),
        (URL, urlencode(PARAMS).encode(), {"X-Twilio-Signature": "AAAA"}, "bad_signature"),
    ],
)
def test_tampered_or_unsigned_twilio_requests_are_refused_with_a_reason(
    url: str, body: bytes, headers: object, reason: str
) -> None:
    if headers == "valid":
        headers = {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(URL, PARAMS)}
    with pytest.raises(SignatureError) as refused:
        verify_twilio_request(TOKEN, url, body, headers)  # type: ignore[arg-type]
    assert refused.value.reason == reason


@pytest.fixture(scope="module")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _public_b64(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


def _signed(key: ec.EllipticCurvePrivateKey, raw: bytes, timestamp: int) -> dict[str, str]:
    signature = key.sign(str(timestamp).encode() + raw, ec.ECDSA(hashes.SHA256()))
    return {
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": str(timestamp),
    }


def test_a_sendgrid_batch_that_the_sdk_accepts_is_accepted(ec_key: ec.EllipticCurvePrivateKey) -> None:
    raw = json.dumps([{"event": "delivered", "sg_message_id": "abc.filter"}]) + "\r\n"
    now = int(time.time())
    headers = _signed(ec_key, raw.encode(), now)
    sdk = EventWebhook(_public_b64(ec_key))
    assert sdk.verify_signature(raw, headers["X-Twilio-Email-Event-Webhook-Signature"], str(now))
    verify_sendgrid_event(load_sendgrid_public_key(_public_b64(ec_key)), raw.encode(), headers, max_age_s=300)


def test_sendgrid_refusals_name_their_reason(ec_key: ec.EllipticCurvePrivateKey) -> None:
    key = load_sendgrid_public_key(_public_b64(ec_key))
    raw = b'[{"event":"delivered"}]\r\n'
    now = int(time.time())
    cases = {
        "bad_signature": (raw.replace(b"delivered", b"bounce"), _signed(ec_key, raw, now)),
        "stale": (raw, _signed(ec_key, raw, now - 3600)),
        "missing_header": (raw, {"X-Twilio-Email-Event-Webhook-Timestamp": str(now)}),
        "bad_timestamp": (raw, _signed(ec_key, raw, now) | {"X-Twilio-Email-Event-Webhook-Timestamp": "soon"}),
    }
    for reason, (body, headers) in cases.items():
        with pytest.raises(SignatureError) as refused:
            verify_sendgrid_event(key, body, headers, max_age_s=300)
        assert refused.value.reason == reason


def test_the_inbound_parse_secret_must_match_and_must_be_configured() -> None:
    verify_path_secret("s3cret", "s3cret")
    with pytest.raises(SignatureError, match="bad_secret"):
        verify_path_secret("s3cret", "guess")
    with pytest.raises(SignatureError, match="not_configured"):
        verify_path_secret("", "")
