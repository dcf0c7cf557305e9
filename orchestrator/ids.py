"""Deterministic ids: the same cause always yields the same id, so re-processing is a no-op.

BRIEF.md: every planned send has an id derived from its cause (event id + step), and every output
CloudEvent has a deterministic ``id`` so consumers can de-duplicate. An id is
``<prefix>_<26 lowercase base32 chars>``: the first 130 bits of SHA-256 over the length-prefixed
parts. Length-prefixing makes the encoding injective (``("ab", "c")`` and ``("a", "bc")`` differ)
whatever characters the parts contain. 130 bits keep collisions out of reach for any volume Parley
will see, and the ids stay short enough for Redis keys, provider metadata and log lines.
"""

from __future__ import annotations

import hashlib
from binascii import b2a_base64
from functools import lru_cache

SEND_PREFIX = "snd"
EVENT_PREFIX = "evt"
EVENT_IDENTITY_PREFIX = "ce"

# The base32 alphabet (RFC 4648), lowercase, as pairs: one pair spells 10 bits, so 13 table look-ups
# spell an id's 26 characters (130 bits), the same ones ``base64.b32encode`` gives for the digest's start
# (tests/unit/codec/test_codec_fast_paths.py). b32encode is pure Python in 3.11, and every output event,
# planned send and inbound event's identity derives an id.
_BASE32 = "abcdefghijklmnopqrstuvwxyz234567"
_PAIRS = tuple(first + second for first in _BASE32 for second in _BASE32)
_URLSAFE = bytes.maketrans(b"+/", b"-_")


def stable_id(prefix: str, *parts: str) -> str:
    """The id of ``parts`` under ``prefix``; a pure function of its arguments."""
    digest = hashlib.sha256()
    for part in (prefix, *parts):
        encoded = part.encode("utf-8")
        digest.update(b"%d:%s" % (len(encoded), encoded))
    # 17 bytes hold the 130 bits, 13 pairs of base32 characters; the last 6 bits are dropped
    bits = int.from_bytes(digest.digest()[:17], "big") >> 6
    pairs = _PAIRS
    return (
        f"{prefix}_{pairs[bits >> 120]}{pairs[bits >> 110 & 1023]}{pairs[bits >> 100 & 1023]}"
        f"{pairs[bits >> 90 & 1023]}{pairs[bits >> 80 & 1023]}{pairs[bits >> 70 & 1023]}{pairs[bits >> 60 & 1023]}"
        f"{pairs[bits >> 50 & 1023]}{pairs[bits >> 40 & 1023]}{pairs[bits >> 30 & 1023]}{pairs[bits >> 20 & 1023]}"
        f"{pairs[bits >> 10 & 1023]}{pairs[bits & 1023]}"
    )


def send_id(cause_event_id: str, step_id: str) -> str:
    """The id of the send that cadence step ``step_id`` plans for the inbound event ``cause_event_id``."""
    return stable_id(SEND_PREFIX, cause_event_id, step_id)


@lru_cache(maxsize=4096)
def event_identity(source: str, event_id: str) -> str:
    """What identifies an inbound CloudEvent: ``id`` is unique only within its ``source`` (CloudEvents
    1.0), so two producers may reuse an id. Hashed, as every derived id is: short and safe in keys.
    Cached: handling one event asks for its identity a dozen times (load, de-duplication, send ids…)."""
    return stable_id(EVENT_IDENTITY_PREFIX, source, event_id)


def output_event_id(event_type: str, *parts: str) -> str:
    """The CloudEvent id of an output of ``event_type`` identified by ``parts``.

    Pass what makes the output unique, e.g. ``("message.scheduled", send_id)`` or
    ``("message.delivered", send_id, provider_message_id)``; a re-run re-derives the same id.
    """
    return stable_id(EVENT_PREFIX, event_type, *parts)


def fingerprint(text: str) -> str:
    """12 characters standing for ``text`` where only equality matters (the ids a debtor's record keeps
    to recognise a re-delivered event or a finished send): 72 bits of BLAKE2b, URL-safe base64. Among
    the few hundred ids one debtor's record holds, a collision is beyond any practical chance."""
    digest = hashlib.blake2b(text.encode("utf-8"), digest_size=9).digest()
    return b2a_base64(digest, newline=False).translate(_URLSAFE).decode("ascii")  # base64.urlsafe_b64encode
