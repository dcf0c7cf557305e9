"""CloudEvents 1.0 over Kafka, bytes in and bytes out — the only place that knows the wire format.

Inbound records arrive in structured mode (the value is the whole CloudEvent as JSON) or binary mode
(attributes in ``ce_*`` headers, the value is the ``data`` JSON), as the Kafka protocol binding of
CloudEvents allows. :func:`decode_inbound` turns either into a typed :class:`InboundEvent` or raises
:class:`DecodeError` with a reason a person can act on; the caller dead-letters the record with
:func:`dead_letter` and the stream goes on. Outputs are always structured JSON, compact, with a fixed
field order, so the same event always encodes to the same bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, cast

from pydantic import ValidationError

from orchestrator.compact_json import COMPACT_JSON
from orchestrator.events import (
    ACCOUNT_EVENT_TYPES,
    INBOUND_EVENT_TYPES,
    PROVIDER_EVENT_TYPES,
    AccountPlaced,
    Contract,
    DebtorUpdated,
    EventData,
    InboundEvent,
    id_problem,
    too_long,
)
from orchestrator.ids import output_event_id
from orchestrator.limits import ID_LENGTH, SOURCE_LENGTH
from orchestrator.outputs import (
    ACCOUNT_EVENTS,
    DEFAULT_SOURCE,
    PROVIDER_EVENTS,
    DeadLetter,
    Header,
    OutputEvent,
)
from orchestrator.reasons import capped, excerpt, quoted
from orchestrator.rfc3339 import FORM, DateTimeError, format_date_time, parse_date_time

HeaderValue = bytes | str | None
Headers = Sequence[tuple[str, HeaderValue]] | Mapping[str, HeaderValue]
Record = tuple[bytes | None, bytes, list[tuple[str, bytes]]]
"""A Kafka record to produce: key, value, headers."""

STRUCTURED_CONTENT_TYPE = "application/cloudevents+json"
JSON_CONTENT_TYPE = "application/json"
SPEC_VERSION = "1.0"

_TYPES_BY_TOPIC: dict[str | None, Mapping[str, type[Contract]]] = {
    ACCOUNT_EVENTS: ACCOUNT_EVENT_TYPES,
    PROVIDER_EVENTS: PROVIDER_EVENT_TYPES,
    None: INBOUND_EVENT_TYPES,
}
_MAX_REPORTED_ERRORS = 3
DEAD_LETTER_ORIGINAL_LIMIT = 512 * 1024
"""Raw bytes of a rejected value a dead letter carries; beyond it the dead letter carries this much of
the start, with the length and SHA-256 of the whole."""
DEAD_LETTER_KEY_LIMIT = 1024
"""Bytes of a rejected record's key a dead letter carries (a debtor id is far shorter)."""
DEAD_LETTER_HEADERS_LIMIT = 16 * 1024
"""Bytes of a rejected record's headers a dead letter carries: names and values, and
:data:`DEAD_LETTER_HEADER_COST` for each header."""
DEAD_LETTER_HEADER_COST = 32
"""What each header counts against :data:`DEAD_LETTER_HEADERS_LIMIT` beyond its bytes, so that many
empty headers are bounded too."""
DEAD_LETTER_REASON_LIMIT = 1000
"""Characters of a dead letter's reason (see :func:`orchestrator.reasons.capped`)."""
DEAD_LETTER_ERROR_TYPE_LIMIT = 100
"""Characters of a dead letter's ``error_type`` (a class name)."""
# Why these caps: a dead letter must be one record the worker's producer accepts (faust's
# producer_max_request_size, 1,000,000 bytes), or its batch is retried forever and the stream stalls.
# At worst, in JSON: the value's base64 699,052 bytes; the headers 6 x 16,384 (a control character in a
# name is written as six bytes); the key 1,024 as the Kafka key, 1,368 in base64 and 6 x 1,024 as the
# subject; the reason and error type 6 x 1,100; the topic (at most 249 characters), ids and field names
# under 2,000: about 819,000 bytes in all. tests/unit/codec/test_codec_dead_letter_size.py builds it.


class DecodeError(ValueError):
    """Raised when an inbound record is not a valid Parley CloudEvent; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- decoding -------------------------------------------------------------------------------


def decode_inbound(value: bytes, headers: Headers = (), *, topic: str | None = None) -> InboundEvent:
    """Decode one record from ``topic`` (the unprefixed name; ``None`` accepts every inbound type,
    as replay files mix account and provider events).

    Binary mode is recognised by a ``ce_specversion`` header; anything else is structured mode.
    """
    accepted = _TYPES_BY_TOPIC.get(topic)
    if accepted is None:
        raise ValueError(f"decode_inbound: {topic!r} is not an input topic ({ACCOUNT_EVENTS}, {PROVIDER_EVENTS})")
    normalised = _normalise_headers(headers)
    if "ce_specversion" in normalised:
        attributes, data = _binary_parts(value, normalised)
    else:
        attributes, data = _structured_parts(value)
    return _build_event(attributes, data, accepted, topic)


def _normalise_headers(headers: Headers) -> dict[str, bytes]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    result: dict[str, bytes] = {}
    for name, raw in items:
        if raw is None:
            continue
        result[name.lower()] = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
    return result


def _parse_json(raw: bytes | str, what: str) -> Any:
    """``raw`` parsed, or a :class:`DecodeError` saying why not: any parse failure is the record's fault."""
    try:
        parsed = json.loads(raw)
    except json.JSONDecodeError as error:
        raise DecodeError(
            f"{what} is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except UnicodeDecodeError as error:
        raise DecodeError(f"{what} is not UTF-8: {error.reason} at byte {error.start}") from None
    except RecursionError:
        raise DecodeError(f"{what} is not valid JSON: nested too deeply") from None
    except ValueError as error:  # e.g. an integer with more digits than Python converts
        raise DecodeError(f"{what} is not valid JSON: {error}") from None
    if not isinstance(raw, bytes) or b"\x00" in raw or b"\xed" in raw or _SURROGATE_ESCAPE.search(raw):
        _refuse_lone_surrogates(parsed, what)
    return parsed


# What can give a lone surrogate from bytes: the JSON escape of a UTF-16 surrogate (\uD800–\uDFFF), a
# surrogate written as UTF-8 (ED A0–BF …: ``json.loads`` decodes bytes with "surrogatepass"), or UTF-16 or
# UTF-32 text (which ``json.loads`` detects; it always holds a zero byte, which UTF-8 JSON never does). A
# record with none of them (nearly all; ED also starts U+D000–U+D7FF) is not walked.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _refuse_lone_surrogates(parsed: Any, what: str) -> None:
    """JSON may escape half a UTF-16 pair (``"\\ud800"``); such a string cannot be encoded again
    (outputs, keys, logs), so it is refused here rather than failing later. Iterative: no recursion."""
    pending = [parsed]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            texts: Iterable[str] = (item,)
        elif isinstance(item, dict):
            texts = item.keys()
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
            continue
        else:
            continue
        for text in texts:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError as error:
                raise DecodeError(
                    f"{what} holds a lone surrogate (U+{ord(text[error.start]):04X}), which is not a character"
                ) from None


def _structured_parts(value: bytes) -> tuple[Mapping[str, Any], Any]:
    envelope = _parse_json(value, "the record value")
    if not isinstance(envelope, dict):
        raise DecodeError(f"a structured CloudEvent must be a JSON object, got {type(envelope).__name__}")
    _check_content_type(envelope.get("datacontenttype"))
    if "data_base64" in envelope and "data" not in envelope:
        encoded = envelope["data_base64"]
        try:
            raw = base64.b64decode(encoded, validate=True) if isinstance(encoded, str) else None
        except binascii.Error:
            raw = None
        if raw is None:
            raise DecodeError("attribute 'data_base64' is not valid base64")
        return envelope, _parse_json(raw, "data_base64")
    return envelope, envelope.get("data")


def _binary_parts(value: bytes, headers: Mapping[str, bytes]) -> tuple[Mapping[str, Any], Any]:
    attributes: dict[str, Any] = {}
    for name, raw in headers.items():
        if name.startswith("ce_"):
            try:
                attributes[name[3:]] = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise DecodeError(f"header {quoted(name)} is not UTF-8") from None
    content_type = headers.get("content-type")
    _check_content_type(content_type.decode("utf-8", "replace") if content_type is not None else None)
    data = _parse_json(value, "the record value (binary-mode data)") if value else None
    return attributes, data


def _check_content_type(content_type: object) -> None:
    if content_type is None:
        return
    if not isinstance(content_type, str):
        raise DecodeError("attribute 'datacontenttype' must be a string")
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type not in (JSON_CONTENT_TYPE, "text/json") and not media_type.endswith("+json"):
        raise DecodeError(f"datacontenttype {quoted(content_type)} is not JSON")


def _text_attribute(attributes: Mapping[str, Any], name: str, limit: int | None = None) -> str:
    """A required string attribute; with ``limit``, of at most that many characters (orchestrator/limits.py):
    every output about the event cites it."""
    value = attributes.get(name)
    if value is None:
        raise DecodeError(f"missing required attribute {name!r}")
    if not isinstance(value, str) or not value:
        raise DecodeError(f"attribute {name!r} must be a non-empty string, got {quoted(value)}")
    problem = too_long(value, limit, shown=True) if limit is not None else None
    if problem is not None:
        raise DecodeError(f"attribute {name!r} {problem}")
    return value


def _parse_time(attributes: Mapping[str, Any]) -> datetime:
    """``time`` as RFC 3339 (section 5.6) has it, no wider (:func:`~orchestrator.rfc3339.parse_date_time`):
    other consumers of the same topic may refuse ISO 8601's other forms."""
    text = _text_attribute(attributes, "time")
    try:
        return parse_date_time(text)
    except DateTimeError as error:
        if error.problem == "offset":
            raise DecodeError(f"attribute 'time' has no UTC offset: {quoted(text)}") from None
        if error.problem == "form":
            raise DecodeError(f"attribute 'time' is not an RFC 3339 timestamp ({FORM}): {quoted(text)}") from None
        raise DecodeError(f"attribute 'time' is not a valid date and time: {quoted(text)} ({error})") from None


def _build_event(
    attributes: Mapping[str, Any], data: Any, accepted: Mapping[str, type[Contract]], topic: str | None
) -> InboundEvent:
    specversion = attributes.get("specversion")
    if specversion is None:
        raise DecodeError("missing required attribute 'specversion'")
    if specversion != SPEC_VERSION:
        raise DecodeError(f"unsupported specversion {quoted(specversion)} (Parley reads CloudEvents 1.0)")
    event_id = _text_attribute(attributes, "id", ID_LENGTH)
    source = _text_attribute(attributes, "source", SOURCE_LENGTH)
    event_type = _text_attribute(attributes, "type")
    model = accepted.get(event_type)
    if model is None:
        where = f" on {topic}" if topic else ""
        raise DecodeError(f"unknown event type {quoted(event_type)}{where} (known: {', '.join(accepted)})")
    time = _parse_time(attributes)
    subject = attributes.get("subject")
    if subject is not None and (not isinstance(subject, str) or not subject):
        raise DecodeError(f"attribute 'subject' must be a non-empty string, got {quoted(subject)}")
    problem = id_problem(subject) if subject is not None else None
    if problem is not None:
        raise DecodeError(f"attribute 'subject' {problem}")
    if data is None:
        raise DecodeError(f"missing data for {event_type}")
    try:
        payload = model.model_validate(data)
    except ValidationError as error:
        raise DecodeError(f"invalid data for {event_type}: {_describe(error)}") from None
    if event_type in ACCOUNT_EVENT_TYPES:
        _check_subject(event_type, subject, payload)
    return InboundEvent.model_construct(
        id=event_id, type=event_type, source=source, subject=subject, time=time, data=cast(EventData, payload)
    )


def _check_subject(event_type: str, subject: str | None, payload: Contract) -> None:
    if subject is None:
        raise DecodeError(f"{event_type} needs attribute 'subject' (the debtor id)")
    named = payload.debtor.id if isinstance(payload, AccountPlaced | DebtorUpdated) else None
    if named is not None and named != subject:
        raise DecodeError(f"subject {quoted(subject)} does not match data.debtor.id {quoted(named)}")


def _describe(error: ValidationError) -> str:
    """Pydantic's errors as ``data.path.to[0].field: message``, the first few only."""
    parts = []
    for detail in error.errors(include_url=False)[:_MAX_REPORTED_ERRORS]:
        path = "data"
        for step in detail["loc"]:
            path += f"[{step}]" if isinstance(step, int) else f".{excerpt(step)}"
        parts.append(f"{path}: {detail['msg']}")
    more = error.error_count() - _MAX_REPORTED_ERRORS
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def decode_output(value: bytes) -> OutputEvent:
    """Parse a published output event (for consumers, replay readers and tests)."""
    try:
        return OutputEvent.model_validate_json(value)
    except ValidationError as error:
        raise DecodeError(f"invalid output event: {error.errors(include_url=False)[:_MAX_REPORTED_ERRORS]}") from None


# --- encoding -------------------------------------------------------------------------------

_STRUCTURED_HEADERS = [("content-type", STRUCTURED_CONTENT_TYPE.encode("ascii"))]


def encode_output(event: OutputEvent) -> Record:
    """The Kafka record of an output event: key = subject (the debtor id), structured JSON value."""
    key = event.subject.encode("utf-8") if event.subject is not None else None
    value = event.__pydantic_serializer__.to_json(event, by_alias=True)
    return key, value, list(_STRUCTURED_HEADERS)


def encode_inbound(event: InboundEvent, *, mode: Literal["structured", "binary"] = "structured") -> Record:
    """The Kafka record an upstream system would produce for ``event`` (replay, demo and tests)."""
    key = event.subject.encode("utf-8") if event.subject is not None else None
    data = event.data.model_dump(mode="json", by_alias=True)
    if mode == "binary":
        headers = [
            ("ce_specversion", SPEC_VERSION.encode("ascii")),
            ("ce_id", event.id.encode("utf-8")),
            ("ce_source", event.source.encode("utf-8")),
            ("ce_type", event.type.encode("utf-8")),
            ("ce_time", format_date_time(event.time).encode("ascii")),
            ("content-type", JSON_CONTENT_TYPE.encode("ascii")),
        ]
        if event.subject is not None:
            headers.insert(4, ("ce_subject", event.subject.encode("utf-8")))
        return key, _dumps(data), headers
    envelope: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": event.id,
        "source": event.source,
        "type": event.type,
    }
    if event.subject is not None:
        envelope["subject"] = event.subject
    envelope["time"] = format_date_time(event.time)
    envelope["datacontenttype"] = JSON_CONTENT_TYPE
    envelope["data"] = data
    return key, _dumps(envelope), list(_STRUCTURED_HEADERS)


def _dumps(value: Any) -> bytes:
    return COMPACT_JSON.encode(value).encode("utf-8")


# --- dead letters ---------------------------------------------------------------------------


def dead_letter(
    raw_value: bytes | None,
    raw_headers: Headers,
    reason: str,
    topic: str,
    partition: int | None,
    offset: int | None,
    now: datetime,
    *,
    key: bytes | None = None,
    error_type: str = "DecodeError",
    source: str = DEFAULT_SOURCE,
) -> OutputEvent:
    """The ``dead_letter`` event for a rejected record: its bytes verbatim (base64) and the reason.

    Each part is carried up to its cap, so the dead letter always fits one produce request: a value over
    :data:`DEAD_LETTER_ORIGINAL_LIMIT` bytes is cut to that many (``truncated``; its length and SHA-256
    always describe the whole), a key over :data:`DEAD_LETTER_KEY_LIMIT` too (``key_truncated``), headers
    beyond :data:`DEAD_LETTER_HEADERS_LIMIT` are left out (``headers_truncated``), and the reason keeps
    its first :data:`DEAD_LETTER_REASON_LIMIT` characters, saying how long it was.

    The id derives from where the record was read and what it held, so re-reading it after a crash
    yields the same dead letter. The subject is the record's key when that is text (the debtor id) and
    carried whole, so the dead letter lands on the debtor's partition.
    """
    value = raw_value or b""
    headers, headers_truncated = _carried_headers(raw_headers)
    key_truncated = key is not None and len(key) > DEAD_LETTER_KEY_LIMIT
    digest = hashlib.sha256(value).hexdigest()
    data = DeadLetter(
        reason=capped(reason, DEAD_LETTER_REASON_LIMIT),
        error_type=excerpt(error_type, DEAD_LETTER_ERROR_TYPE_LIMIT),
        topic=topic,
        partition=partition,
        offset=offset,
        original=base64.b64encode(value[:DEAD_LETTER_ORIGINAL_LIMIT]).decode("ascii"),
        truncated=len(value) > DEAD_LETTER_ORIGINAL_LIMIT,
        original_length=len(value),
        original_sha256=digest,
        original_key=_b64(key[:DEAD_LETTER_KEY_LIMIT] if key is not None else None),
        key_truncated=key_truncated,
        original_headers=headers,
        headers_truncated=headers_truncated,
    )
    return OutputEvent(
        id=output_event_id(DeadLetter.event_type, topic, str(partition), str(offset), digest),
        source=source,
        type=DeadLetter.event_type,
        subject=None if key_truncated else _text_key(key),
        time=now,
        data=data,
    )


def _carried_headers(raw_headers: Headers) -> tuple[tuple[Header, ...], bool]:
    """The headers a dead letter carries, in order: each whole one that still fits
    :data:`DEAD_LETTER_HEADERS_LIMIT`; and whether any was left out."""
    items = raw_headers.items() if isinstance(raw_headers, Mapping) else raw_headers
    carried: list[Header] = []
    room, left_out = DEAD_LETTER_HEADERS_LIMIT, False
    for name, raw in items:
        raw_bytes = raw.encode("utf-8") if isinstance(raw, str) else raw
        cost = len(name.encode("utf-8", "replace")) + len(raw_bytes or b"") + DEAD_LETTER_HEADER_COST
        if cost > room:
            left_out = True
            continue
        room -= cost
        carried.append(Header(key=name, value=_b64(raw_bytes)))
    return tuple(carried), left_out


def _b64(raw: HeaderValue) -> str | None:
    if raw is None:
        return None
    return base64.b64encode(raw.encode("utf-8") if isinstance(raw, str) else raw).decode("ascii")


def _text_key(key: bytes | None) -> str | None:
    if not key:
        return None
    try:
        return key.decode("utf-8")
    except UnicodeDecodeError:
        return None


__all__ = [
    "DecodeError",
    "Headers",
    "Record",
    "dead_letter",
    "decode_inbound",
    "decode_output",
    "encode_inbound",
    "encode_output",
]
