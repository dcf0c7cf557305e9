"""Signed, expiring payment-link tokens: one per debtor and account, verifiable by a payment portal.

Token = base64url, unpadded, of::

    version (1 byte, = 1) | expires_at (4 bytes, unsigned big-endian unix seconds)
    | len(debtor_id) (1 byte) | debtor_id (UTF-8) | account_id (UTF-8)
    | tag (12 bytes) = first 12 bytes of HMAC-SHA256(secret, every preceding byte)

The portal calls :func:`verify_payment_token`; it checks the signature before it looks at the
expiry, so a forged token never learns anything beyond "bad signature".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from orchestrator.limits import ID_BYTES

TOKEN_VERSION = 1
TAG_BYTES = 12
_HEADER = struct.Struct(">BIB")
_ALPHABET = re.compile(r"[A-Za-z0-9_-]{1,1024}")


class PaymentTokenError(Exception):
    """Base of every reason a payment token is refused."""

    reason = "invalid"


class MalformedToken(PaymentTokenError):
    """Raised when the token is not one Parley could have issued (bad encoding, length or version)."""

    reason = "malformed"


class BadSignature(PaymentTokenError):
    """Raised when the token's tag does not match: altered, or signed with another secret."""

    reason = "bad_signature"


class ExpiredToken(PaymentTokenError):
    """Raised when a genuine token is past its expiry."""

    reason = "expired"

    def __init__(self, expires_at: datetime) -> None:
        super().__init__(f"payment link expired at {expires_at.isoformat()}")
        self.expires_at = expires_at


@dataclass(frozen=True, slots=True)
class PaymentToken:
    """What a verified token says."""

    debtor_id: str
    account_id: str
    expires_at: datetime


def issue_payment_token(secret: bytes, debtor_id: str, account_id: str, expires_at: datetime) -> str:
    """A compact signed token for ``debtor_id`` and ``account_id`` valid until ``expires_at``."""
    debtor = debtor_id.encode()
    account = account_id.encode()
    if not debtor or not account or len(debtor) > ID_BYTES or len(account) > ID_BYTES:
        raise ValueError("debtor and account ids must be 1..255 bytes of UTF-8")
    payload = _HEADER.pack(TOKEN_VERSION, int(expires_at.timestamp()), len(debtor)) + debtor + account
    return _b64encode(payload + _tag(secret, payload))


def verify_payment_token(token: str, secret: bytes, now: datetime) -> PaymentToken:
    """The debtor, account and expiry of a genuine, unexpired token; a typed error otherwise."""
    if not _ALPHABET.fullmatch(token):
        raise MalformedToken("not base64url")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError) as error:
        raise MalformedToken("not base64url") from error
    if len(raw) < _HEADER.size + 2 + TAG_BYTES:
        raise MalformedToken("too short")
    payload, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    version, expires_epoch, debtor_length = _HEADER.unpack_from(payload)
    if version != TOKEN_VERSION:
        raise MalformedToken(f"unknown version {version}")
    if not hmac.compare_digest(tag, _tag(secret, payload)):
        raise BadSignature("signature does not match")
    ids = payload[_HEADER.size :]
    if not 0 < debtor_length < len(ids):
        raise MalformedToken("bad id lengths")
    try:
        debtor_id, account_id = ids[:debtor_length].decode(), ids[debtor_length:].decode()
    except UnicodeDecodeError as error:
        raise MalformedToken("ids are not UTF-8") from error
    expires_at = datetime.fromtimestamp(expires_epoch, UTC)
    if now >= expires_at:
        raise ExpiredToken(expires_at)
    return PaymentToken(debtor_id=debtor_id, account_id=account_id, expires_at=expires_at)


@dataclass(frozen=True, slots=True)
class PaymentLinks:
    """Builds payment-link URLs: the portal base URL followed by a signed token."""

    secret: bytes
    base_url: str
    ttl: timedelta = timedelta(days=30)

    def link(self, debtor_id: str, account_id: str, now: datetime) -> str:
        """The URL for ``debtor_id``/``account_id``, expiring ``ttl`` after ``now``."""
        return self.base_url + issue_payment_token(self.secret, debtor_id, account_id, now + self.ttl)


def _tag(secret: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, payload, hashlib.sha256).digest()[:TAG_BYTES]


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
