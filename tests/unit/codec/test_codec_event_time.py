"""An event's ``time`` is an RFC 3339 date-time (section 5.6), as CloudEvents requires: full date, ``T``,
full time with seconds, and ``Z`` or a ``±hh:mm`` offset. Anything else is dead-lettered with a reason
naming ``time`` — never guessed at (a date alone, a missing offset, a unix number)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

from consumers.records import ConsumedRecord
from orchestrator.codec import DecodeError, decode_inbound
from tests.unit.codec.test_codec_decode import structured

NOW = datetime(2024, 3, 4, 15, tzinfo=UTC)
PAYMENT_MISSED = {"account_id": "acc-1", "amount_due": "150.00", "due_date": "2024-03-01"}


def time_of(value: bytes, headers: Any = ()) -> datetime:
    return decode_inbound(value, headers, topic="account-events").time


def reason_for(value: bytes, headers: Any = ()) -> str:
    with pytest.raises(DecodeError) as caught:
        decode_inbound(value, headers, topic="account-events")
    return caught.value.reason


def binary(time: str) -> tuple[bytes, list[tuple[str, bytes]]]:
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"evt-1"),
        ("ce_source", b"urn:acme:servicing"),
        ("ce_type", b"payment.missed"),
        ("ce_subject", b"deb-1"),
        ("ce_time", time.encode()),
        ("content-type", b"application/json"),
    ]
    return json.dumps(PAYMENT_MISSED).encode(), headers


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2024-03-04T15:00:00Z", NOW),
        ("2024-03-04t15:00:00z", NOW),  # RFC 3339 5.6: T and Z may be lowercase
        ("2024-03-04T10:00:00-05:00", NOW),
        ("2024-03-04T15:00:00-00:00", NOW),  # RFC 3339 4.3: UTC, local offset unknown
        ("2024-03-04T20:30:00+05:30", NOW),
        ("2024-03-04T15:00:00.5Z", NOW + timedelta(milliseconds=500)),
        ("2024-03-04T15:00:00.123456789Z", NOW + timedelta(microseconds=123456)),  # beyond microseconds: cut
        ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),  # a leap second
    ],
)
def test_an_rfc_3339_time_decodes_to_its_moment(text: str, moment: datetime) -> None:
    decoded = time_of(structured({"time": text}))
    assert decoded == moment and decoded.utcoffset() is not None


def test_the_offset_is_kept_with_the_moment() -> None:
    assert time_of(structured({"time": "2024-03-04T10:00:00-05:00"})).tzinfo == timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-04",  # a date alone: midnight where?
        "2024-03-04T15:00",  # no seconds, no offset
        "2024-03-04T15:00Z",  # no seconds
        "2024-03-04T15Z",
        "2024-03-04 15:00:00Z",  # a space: RFC 3339 allows it only by agreement, and CloudEvents has none
        "20240304T150000Z",  # ISO 8601 basic format
        "2024-W10-1T15:00:00Z",  # ISO 8601 week date
        "2024-03-04T15:00:00+05",  # offset without minutes
        "2024-03-04T15:00:00+0500",  # offset without its colon
        "2024-03-04T15:00:00,5Z",  # decimal comma
        "2024-03-04T15:00:00.Z",  # a dot without digits
        "２０２４-03-04T15:00:00Z",  # digits other than ASCII
        " 2024-03-04T15:00:00Z",
        "2024-03-04T15:00:00Z\n",
        "2024-13-04T15:00:00Z",  # month 13
        "2024-02-30T15:00:00Z",
        "2024-03-04T24:00:00Z",
        "2024-03-04T15:60:00Z",
        "2024-03-04T15:00:00+24:00",
        "yesterday",
    ],
)
def test_a_time_that_is_not_rfc_3339_is_refused_naming_the_attribute(text: str) -> None:
    reason = reason_for(structured({"time": text}))
    assert reason.startswith("attribute 'time' ") and repr(text) in reason


def test_a_time_without_an_offset_says_so() -> None:
    assert reason_for(structured({"time": "2024-03-04T15:00:00"})) == (
        "attribute 'time' has no UTC offset: '2024-03-04T15:00:00'"
    )


@pytest.mark.parametrize("number", [1709564400, 1709564400.5])
def test_a_unix_time_is_refused(number: float) -> None:
    assert reason_for(structured({"time": number})).startswith("attribute 'time' must be a non-empty string")


def test_a_binary_mode_time_follows_the_same_rule() -> None:
    assert time_of(*binary("2024-03-04T15:00:00Z")) == NOW
    assert reason_for(*binary("2024-03-04 15:00:00Z")).startswith("attribute 'time' is not an RFC 3339 timestamp")


def test_a_consumed_record_with_a_bad_time_becomes_a_dead_letter_naming_time() -> None:
    message = SimpleNamespace(
        value=structured({"time": "2024-03-04 15:00:00Z"}),
        headers=[],
        key=b"deb-1",
        partition=0,
        offset=3,
        topic="account-events",
    )
    record = ConsumedRecord.decode(SimpleNamespace(message=message), "account-events")  # type: ignore[arg-type]
    assert record.inbound is None
    (letter,) = record.dead("account-events", record.error, NOW)
    assert "attribute 'time'" in letter.data.reason  # type: ignore[union-attr]
