"""An event's ``time`` is an RFC 3339 date-time (section 5.6), as CloudEvents requires: full date, ``T``,
full time with seconds, and ``Z`` or a ``±hh:mm`` offset. Anything else is dead-lettered with a reason
naming ``time`` — never guessed at (a date alone, a missing offset, a unix number). The instants inside
``data`` (``paid_at``, ``at``) follow the same rule, and a refusal names the field's path."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, Literal
from zoneinfo import ZoneInfo

import pytest

from consumers.records import ConsumedRecord
from orchestrator.codec import DecodeError, decode_inbound, encode_inbound
from orchestrator.events import ConversationLogged, InboundEvent, PaymentMissed, PaymentReceived
from tests.unit.codec.test_codec_decode import structured

NOW = datetime(2024, 3, 4, 15, tzinfo=UTC)
PAYMENT_MISSED = {"account_id": "acc-1", "amount_due": "150.00", "due_date": "2024-03-01"}


FORM = "YYYY-MM-DDThh:mm:ss, optional .fraction, then Z or ±hh:mm"


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


RFC_3339_TIMES = [
    ("2024-03-04T15:00:00Z", NOW),
    ("2024-03-04t15:00:00z", NOW),  # RFC 3339 5.6: T and Z may be lowercase
    ("2024-03-04T10:00:00-05:00", NOW),
    ("2024-03-04T15:00:00-00:00", NOW),  # RFC 3339 4.3: UTC, local offset unknown
    ("2024-03-04T20:30:00+05:30", NOW),
    ("2024-03-04T15:00:00.5Z", NOW + timedelta(milliseconds=500)),
    ("2024-03-04T15:00:00.123456789Z", NOW + timedelta(microseconds=123456)),  # beyond microseconds: cut
    ("2016-12-31T23:59:60Z", datetime(2016, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)),  # a leap second
]
NOT_RFC_3339 = [
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
    "1709564400",  # a unix time, as text
    "yesterday",
]


@pytest.mark.parametrize(("text", "moment"), RFC_3339_TIMES)
def test_an_rfc_3339_time_decodes_to_its_moment(text: str, moment: datetime) -> None:
    decoded = time_of(structured({"time": text}))
    assert decoded == moment and decoded.utcoffset() is not None


def test_the_offset_is_kept_with_the_moment() -> None:
    assert time_of(structured({"time": "2024-03-04T10:00:00-05:00"})).tzinfo == timezone(timedelta(hours=-5))


@pytest.mark.parametrize("text", NOT_RFC_3339)
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


def dead_letter_reason(value: bytes) -> str:
    message = SimpleNamespace(value=value, headers=[], key=b"deb-1", partition=0, offset=3, topic="account-events")
    record = ConsumedRecord.decode(SimpleNamespace(message=message), "account-events")  # type: ignore[arg-type]
    assert record.inbound is None
    (letter,) = record.dead("account-events", record.error, NOW)
    reason: str = letter.data.reason  # type: ignore[union-attr]
    return reason


def test_a_consumed_record_with_a_bad_time_becomes_a_dead_letter_naming_time() -> None:
    assert "attribute 'time'" in dead_letter_reason(structured({"time": "2024-03-04 15:00:00Z"}))


# --- instants inside data -------------------------------------------------------------------------


def payment(paid_at: Any) -> bytes:
    data = {"account_id": "acc-1", "amount": "150.00", "paid_at": paid_at}
    return structured({"type": "payment.received", "data": data})


def conversation(at: Any) -> bytes:
    return structured({"type": "conversation.logged", "data": {"account_ids": ["acc-1"], "at": at}})


def paid_at_of(value: bytes) -> datetime:
    data = decode_inbound(value, topic="account-events").data
    assert isinstance(data, PaymentReceived)
    return data.paid_at


@pytest.mark.parametrize(("text", "moment"), RFC_3339_TIMES)
def test_an_rfc_3339_paid_at_decodes_to_its_moment(text: str, moment: datetime) -> None:
    paid_at = paid_at_of(payment(text))
    assert paid_at == moment and paid_at.utcoffset() is not None


@pytest.mark.parametrize("text", NOT_RFC_3339)
def test_a_paid_at_that_is_not_rfc_3339_is_refused_naming_the_field(text: str) -> None:
    reason = reason_for(payment(text))
    assert reason.startswith("invalid data for payment.received: data.paid_at: ") and repr(text) in reason


def test_a_space_separated_paid_at_is_refused_saying_what_form_is_expected() -> None:
    assert reason_for(payment("2024-03-04 15:00:00Z")) == (
        "invalid data for payment.received: data.paid_at: Value error, not an RFC 3339 timestamp: "
        f"'2024-03-04 15:00:00Z'; use {FORM}, e.g. 2024-03-04T15:00:00Z"
    )


def test_a_paid_at_without_an_offset_says_so() -> None:
    assert reason_for(payment("2024-03-04T15:00:00")) == (
        "invalid data for payment.received: data.paid_at: Value error, no UTC offset in "
        f"'2024-03-04T15:00:00'; use {FORM}, e.g. 2024-03-04T15:00:00Z"
    )


def test_a_paid_at_naming_no_real_moment_says_why() -> None:
    reason = reason_for(payment("2024-02-30T15:00:00Z"))
    assert reason.startswith(
        "invalid data for payment.received: data.paid_at: Value error, not a valid date and time: "
        "'2024-02-30T15:00:00Z' ("
    )


@pytest.mark.parametrize(
    ("number", "kind"), [(1709564400, "a number"), (1709564400.5, "a number"), (True, "a boolean"), (None, "null")]
)
def test_a_unix_time_or_other_non_text_paid_at_is_refused(number: object, kind: str) -> None:
    assert reason_for(payment(number)) == (
        f"invalid data for payment.received: data.paid_at: Value error, not an RFC 3339 timestamp: {kind}; "
        f"use a string {FORM}, e.g. 2024-03-04T15:00:00Z"
    )


def test_a_very_long_paid_at_is_cut_short_in_the_reason() -> None:
    reason = reason_for(payment("2024-03-04T15:00:00Z" + "0" * 10_000))
    assert len(reason) < 300 and "…'" in reason


def test_conversation_logged_at_follows_the_same_rule() -> None:
    data = decode_inbound(conversation("2024-03-04t15:00:00z"), topic="account-events").data
    assert isinstance(data, ConversationLogged) and data.at == NOW
    assert reason_for(conversation("2024-03-04 15:00:00Z")).startswith(
        "invalid data for conversation.logged: data.at: Value error, not an RFC 3339 timestamp: "
    )
    assert reason_for(conversation(1709564400)).startswith("invalid data for conversation.logged: data.at: ")


def test_a_consumed_record_with_a_bad_paid_at_becomes_a_dead_letter_naming_the_field() -> None:
    reason = dead_letter_reason(payment("2024-03-04 15:00:00Z"))
    assert reason.startswith("invalid data for payment.received: data.paid_at: ") and FORM in reason


def test_a_model_built_in_python_takes_an_aware_datetime_and_refuses_a_naive_one() -> None:
    assert PaymentReceived(account_id="a", amount=Decimal(1), paid_at=NOW).paid_at == NOW
    with pytest.raises(ValueError, match="timezone"):
        PaymentReceived(account_id="a", amount=Decimal(1), paid_at=NOW.replace(tzinfo=None))


# --- what Parley writes, it reads back -------------------------------------------------------------

LOCAL_MEAN_TIME = ZoneInfo("Europe/Amsterdam")  # +00:19:32 before 1909: an offset RFC 3339 cannot write


@pytest.mark.parametrize(
    "moment",
    [
        NOW,
        NOW + timedelta(microseconds=1),
        NOW.astimezone(ZoneInfo("America/New_York")),
        NOW.astimezone(timezone(timedelta(hours=5, minutes=45))),
        datetime(1900, 3, 4, 15, tzinfo=LOCAL_MEAN_TIME),
        NOW.astimezone(timezone(timedelta(seconds=3661))),
    ],
)
@pytest.mark.parametrize("mode", ["structured", "binary"])
def test_an_event_parley_encodes_decodes_to_the_same_instants(
    moment: datetime, mode: Literal["structured", "binary"]
) -> None:
    data = PaymentReceived(account_id="acc-1", amount=Decimal("150.00"), paid_at=moment)
    event = InboundEvent(id="e", type="payment.received", source="s", subject="deb-1", time=moment, data=data)
    _key, value, headers = encode_inbound(event, mode=mode)
    decoded = decode_inbound(value, headers, topic="account-events")
    assert decoded.time == moment and paid_at_of(encode_inbound(decoded)[1]) == moment


# --- calendar dates in data (due_date): YYYY-MM-DD only ----------------------------------------


def missed(due_date: Any) -> bytes:
    data = {"account_id": "acc-1", "amount_due": "50.00", "due_date": due_date}
    return structured({"type": "payment.missed", "data": data})


def test_a_due_date_is_read_from_yyyy_mm_dd() -> None:
    data = decode_inbound(missed("2024-03-15"), topic="account-events").data
    assert isinstance(data, PaymentMissed) and data.due_date == date(2024, 3, 15)


@pytest.mark.parametrize(
    ("due_date", "shown"),
    [
        ("2024-03-15T00:00:00", "'2024-03-15T00:00:00'"),  # a date-time at midnight: in which zone?
        ("2024-03-15T00:00:00Z", "'2024-03-15T00:00:00Z'"),
        ("20240315", "'20240315'"),
        ("2024-3-15", "'2024-3-15'"),
        (1710460800, "a number"),  # a unix time at midnight UTC
    ],
)
def test_a_due_date_in_another_form_is_refused_with_the_form_to_use(due_date: Any, shown: str) -> None:
    reason = reason_for(missed(due_date))
    assert "data.due_date" in reason and f"not a calendar date: {shown}" in reason and "YYYY-MM-DD" in reason
