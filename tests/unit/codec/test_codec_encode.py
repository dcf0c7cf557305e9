"""encode_output / encode_inbound / dead_letter / ids: deterministic bytes the SDK can read back."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from cloudevents.kafka import KafkaMessage, from_binary, from_structured
from pydantic import ValidationError

from orchestrator.codec import dead_letter, decode_inbound, decode_output, encode_inbound, encode_output
from orchestrator.events import Account, AccountPlaced, DebtorProfile, InboundEvent, Name, PaymentMissed
from orchestrator.ids import output_event_id, send_id, stable_id
from orchestrator.outputs import (
    OUTPUT_EVENT_TYPES,
    OUTPUT_TOPICS,
    MessageDelivered,
    MessageDispatched,
    MessageOpened,
    MessageScheduled,
    OutputEvent,
    ReplyReceived,
    new_output,
    topic_name,
)

NOW = datetime(2024, 3, 4, 15, 30, tzinfo=UTC)


def scheduled() -> OutputEvent:
    sid = send_id("evt-1", "reminder_day3")
    data = MessageScheduled(
        send_id=sid,
        debtor_id="deb-1",
        account_ids=("acc-1",),
        channel="best",
        template_id="payment_reminder",
        purpose="reminder",
        due_at=NOW + timedelta(days=3),
        cause_event_id="evt-1",
        step_id="reminder_day3",
    )
    return new_output(data, subject="deb-1", time=NOW, id_parts=(sid,))


def placed_event() -> InboundEvent:
    data = AccountPlaced(
        debtor=DebtorProfile(id="deb-1", name=Name(first="José", last="Núñez")),
        account=Account(id="acc-1", creditor="Acme", balance=Decimal("10.50")),
    )
    return InboundEvent(id="evt-1", type="account.placed", source="urn:t", subject="deb-1", time=NOW, data=data)


def test_the_same_output_event_always_encodes_to_the_same_bytes() -> None:
    assert encode_output(scheduled()) == encode_output(scheduled())


def test_an_output_record_is_keyed_by_the_debtor_and_labelled_structured() -> None:
    key, value, headers = encode_output(scheduled())
    assert key == b"deb-1"
    assert headers == [("content-type", b"application/cloudevents+json")]
    assert b" " not in value  # compact
    assert list(json.loads(value))[:4] == ["specversion", "id", "source", "type"]


def test_an_output_event_survives_a_round_trip_through_its_bytes() -> None:
    event = scheduled()
    assert decode_output(encode_output(event)[1]) == event


def test_outputs_with_the_same_shape_decode_to_the_model_their_type_names() -> None:
    fields = {"send_id": "s", "debtor_id": "d", "account_ids": ("a",), "channel": "email", "provider_message_id": "p"}
    opened = new_output(MessageOpened(**fields), subject="d", time=NOW, id_parts=("s", "open"))
    decoded = decode_output(encode_output(opened)[1])
    assert type(decoded.data) is MessageOpened


def test_the_cloudevents_sdk_reads_an_encoded_output() -> None:
    key, value, headers = encode_output(scheduled())
    event = from_structured(KafkaMessage(dict(headers), key, value))
    assert event["type"] == "message.scheduled"
    assert event["subject"] == "deb-1"
    assert event["id"] == output_event_id("message.scheduled", send_id("evt-1", "reminder_day3"))
    assert event.get_data()["due_at"] == "2024-03-07T15:30:00Z"


def test_a_reply_is_published_with_from_and_a_decimal_string_amount() -> None:
    reply = ReplyReceived(
        reply_id="r1",
        debtor_id=None,
        channel="sms",
        from_="+15125550123",
        text="I can pay 200 friday",
        intent="promise_to_pay",
        confidence=0.9,
        amount=Decimal("200.00"),
        needs_review=False,
    )
    value = encode_output(new_output(reply, subject=None, time=NOW, id_parts=("r1",)))[1]
    data = json.loads(value)["data"]
    assert data["from"] == "+15125550123"
    assert data["amount"] == "200.00"
    assert data["debtor_id"] is None


def test_an_output_whose_type_does_not_match_its_data_is_refused() -> None:
    data = MessageDelivered(send_id="s", debtor_id="d", account_ids=(), channel="sms", provider_message_id="p")
    with pytest.raises(ValidationError, match="needs data MessageOpened"):
        OutputEvent(id="x", type="message.opened", subject="d", time=NOW, data=data)


def test_dispatched_events_carry_the_dispatch_moment_in_a_non_utc_offset_faithfully() -> None:
    moment = datetime(2024, 3, 4, 10, 0, tzinfo=timezone(timedelta(hours=-5)))
    data = MessageDispatched(
        send_id="s",
        debtor_id="d",
        account_ids=("a",),
        channel="sms",
        to="+15125550123",
        template_id="payment_reminder",
        template_version="v1",
        provider_message_id="SM1",
        locale="en",
    )
    value = encode_output(new_output(data, subject="d", time=moment, id_parts=("s",)))[1]
    assert json.loads(value)["time"] == "2024-03-04T10:00:00-05:00"


def test_an_inbound_event_encodes_in_structured_mode_and_decodes_back() -> None:
    key, value, headers = encode_inbound(placed_event())
    assert key == b"deb-1"
    assert decode_inbound(value, headers, topic="account-events") == placed_event()
    assert "José" in value.decode("utf-8")


def test_an_inbound_event_encodes_in_binary_mode_that_the_sdk_and_our_decoder_read() -> None:
    key, value, headers = encode_inbound(placed_event(), mode="binary")
    sdk = from_binary(KafkaMessage(dict(headers), key, value))
    assert sdk["type"] == "account.placed"
    assert sdk["subject"] == "deb-1"
    assert decode_inbound(value, headers, topic="account-events") == placed_event()


def test_encoding_an_inbound_event_with_a_naive_time_is_refused() -> None:
    data = PaymentMissed(account_id="a", amount_due=Decimal(1), due_date=NOW.date())
    naive_time = NOW.replace(tzinfo=None)
    naive = InboundEvent(id="e", type="payment.missed", source="s", subject="d", time=naive_time, data=data)
    with pytest.raises(ValueError, match="aware time"):
        encode_inbound(naive)


def test_a_dead_letter_keeps_the_original_bytes_headers_and_key_verbatim() -> None:
    raw = b'\xff{"not": json'
    headers = [("content-type", b"application/json"), ("trace", None)]
    letter = dead_letter(raw, headers, "bad JSON", "account-events", 3, 42, NOW, key=b"deb-1")
    assert letter.type == "dead_letter"
    assert letter.subject == "deb-1"
    assert letter.topic == "dead-letters"
    data = letter.data
    assert base64.b64decode(data.original) == raw  # type: ignore[union-attr]
    assert [(h.key, h.value) for h in data.original_headers] == [  # type: ignore[union-attr]
        ("content-type", base64.b64encode(b"application/json").decode()),
        ("trace", None),
    ]
    key, value, _ = encode_output(letter)
    assert key == b"deb-1"
    assert json.loads(value)["data"]["reason"] == "bad JSON"


def test_re_reading_the_same_bad_record_yields_the_same_dead_letter_id() -> None:
    first = dead_letter(b"x", (), "r", "account-events", 0, 7, NOW)
    again = dead_letter(b"x", (), "r", "account-events", 0, 7, NOW + timedelta(hours=1))
    elsewhere = dead_letter(b"x", (), "r", "account-events", 0, 8, NOW)
    assert first.id == again.id
    assert first.id != elsewhere.id
    assert first.subject is None


def test_send_ids_derive_from_the_cause_and_step_only() -> None:
    assert send_id("evt-1", "reminder_day3") == send_id("evt-1", "reminder_day3")
    assert send_id("evt-1", "reminder_day3") != send_id("evt-1", "reminder_day7")
    assert send_id("evt-1", "reminder_day3") != send_id("evt-2", "reminder_day3")
    assert re.fullmatch(r"snd_[a-z2-7]{26}", send_id("evt-1", "x"))


def test_ids_cannot_collide_by_moving_characters_between_parts() -> None:
    assert stable_id("evt", "ab", "c") != stable_id("evt", "a", "bc")
    assert output_event_id("message.scheduled", "s") != output_event_id("message.cancelled", "s")


def test_every_output_type_has_a_topic_and_topic_names_take_the_prefix() -> None:
    assert set(OUTPUT_TOPICS) == set(OUTPUT_EVENT_TYPES)
    topics = {"delivery-events", "reply-events", "payment-intents", "decisions", "dead-letters"}
    assert set(OUTPUT_TOPICS.values()) == topics
    assert topic_name("account-events", "staging.") == "staging.account-events"
    with pytest.raises(ValueError, match="unknown topic"):
        topic_name("acount-events")
