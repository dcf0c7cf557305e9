"""decode_inbound: SDK-produced CloudEvents in both Kafka modes decode; bad records say why."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from cloudevents.http import CloudEvent
from cloudevents.kafka import to_binary, to_structured

from orchestrator.codec import DecodeError, decode_inbound
from orchestrator.events import AccountPlaced, PaymentMissed, ProviderInbound

PLACED_DATA: dict[str, Any] = {
    "debtor": {
        "id": "deb-1",
        "name": {"first": "Ana", "last": "Ruiz"},
        "language": "es",
        "phones": [{"number": "+15125550123", "type": "mobile", "sms_consent": True, "call_consent": False}],
    },
    "account": {"id": "acc-1", "creditor": "Acme Bank", "balance": "1234.56", "days_past_due": 45},
}


def sdk_event(event_type: str = "account.placed", data: Any = None, **attributes: str | None) -> CloudEvent:
    base: dict[str, str | None] = {
        "id": "evt-1",
        "source": "urn:acme:servicing",
        "type": event_type,
        "subject": "deb-1",
        "time": "2024-03-04T15:00:00Z",
        "datacontenttype": "application/json",
        "partitionkey": "deb-1",
    }
    base.update(attributes)
    return CloudEvent({name: value for name, value in base.items() if value is not None}, data or PLACED_DATA)


def structured(envelope_changes: dict[str, Any] | None = None, drop: tuple[str, ...] = ()) -> bytes:
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "urn:acme:servicing",
        "type": "account.placed",
        "subject": "deb-1",
        "time": "2024-03-04T15:00:00Z",
        "data": PLACED_DATA,
    }
    envelope.update(envelope_changes or {})
    for name in drop:
        envelope.pop(name)
    return json.dumps(envelope).encode()


def reason_for(value: bytes, headers: Any = (), topic: str | None = "account-events") -> str:
    with pytest.raises(DecodeError) as caught:
        decode_inbound(value, headers, topic=topic)
    return caught.value.reason


def test_a_structured_mode_message_from_the_sdk_decodes_to_typed_data() -> None:
    message = to_structured(sdk_event())
    event = decode_inbound(message.value, message.headers, topic="account-events")
    assert event.type == "account.placed"
    assert event.subject == "deb-1"
    assert event.time == datetime(2024, 3, 4, 15, tzinfo=UTC)
    assert isinstance(event.data, AccountPlaced)
    assert event.data.account.balance == Decimal("1234.56")


def test_a_binary_mode_message_from_the_sdk_decodes_from_its_ce_headers() -> None:
    data = {"account_id": "acc-1", "amount_due": "150.00", "due_date": "2024-03-01"}
    message = to_binary(sdk_event("payment.missed", data))
    assert "ce_specversion" in message.headers
    event = decode_inbound(message.value, message.headers, topic="account-events")
    assert event.id == "evt-1"
    assert event.source == "urn:acme:servicing"
    assert isinstance(event.data, PaymentMissed)
    assert event.data.amount_due == Decimal("150.00")


def test_binary_headers_may_come_as_a_list_of_tuples_as_kafka_clients_deliver_them() -> None:
    message = to_binary(sdk_event())
    event = decode_inbound(message.value, list(message.headers.items()), topic="account-events")
    assert event.subject == "deb-1"


def test_a_structured_event_without_any_headers_decodes_as_kafka_python_would_send_it() -> None:
    event = decode_inbound(structured(), topic="account-events")
    assert isinstance(event.data, AccountPlaced)


def test_data_base64_in_structured_mode_is_accepted() -> None:
    encoded = base64.b64encode(json.dumps(PLACED_DATA).encode()).decode()
    value = structured({"data_base64": encoded}, drop=("data",))
    assert isinstance(decode_inbound(value, topic="account-events").data, AccountPlaced)


def test_a_provider_inbound_event_keeps_the_sender_under_from() -> None:
    data = {"channel": "sms", "from": "+15125550123", "to": "+18885550100", "text": "STOP"}
    message = to_structured(sdk_event("provider.inbound", data, subject=None, partitionkey=None))
    event = decode_inbound(message.value, message.headers, topic="provider-events")
    assert isinstance(event.data, ProviderInbound)
    assert event.data.from_ == "+15125550123"
    assert event.subject is None


def test_replay_accepts_account_and_provider_events_on_one_stream() -> None:
    data = {"channel": "sms", "provider_message_id": "SM1", "status": "delivered"}
    assert decode_inbound(structured({"type": "provider.status", "data": data}), topic=None).type == "provider.status"
    assert decode_inbound(structured(), topic=None).type == "account.placed"


def test_bad_json_is_rejected_with_the_position() -> None:
    reason = reason_for(b'{"specversion": "1.0", "id": ')
    assert "not valid JSON" in reason
    assert "line 1 column" in reason


def test_a_json_array_is_not_a_cloudevent() -> None:
    assert "must be a JSON object" in reason_for(b"[1, 2]")


def test_a_missing_id_names_the_attribute() -> None:
    assert reason_for(structured(drop=("id",))) == "missing required attribute 'id'"


def test_a_missing_id_header_in_binary_mode_names_the_attribute() -> None:
    message = to_binary(sdk_event())
    headers = {name: value for name, value in message.headers.items() if name != "ce_id"}
    assert reason_for(message.value, headers) == "missing required attribute 'id'"


def test_an_unknown_type_is_named_with_the_known_ones() -> None:
    reason = reason_for(structured({"type": "account.frozen"}))
    assert "unknown event type 'account.frozen' on account-events" in reason
    assert "payment.missed" in reason


def test_a_provider_event_on_the_account_topic_is_rejected() -> None:
    data = {"channel": "sms", "provider_message_id": "SM1", "status": "delivered"}
    assert "unknown event type 'provider.status' on account-events" in reason_for(
        structured({"type": "provider.status", "data": data})
    )


def test_invalid_data_is_reported_with_the_field_path() -> None:
    bad = json.loads(json.dumps(PLACED_DATA))
    bad["account"]["balance"] = "lots"
    del bad["debtor"]["phones"][0]["number"]
    reason = reason_for(structured({"data": bad}))
    assert reason.startswith("invalid data for account.placed: ")
    assert "data.debtor.phones[0].number: Field required" in reason
    assert "data.account.balance: Input should be a valid decimal" in reason


def test_a_us_number_written_nationally_is_read_as_e164() -> None:
    data = json.loads(json.dumps(PLACED_DATA))
    data["debtor"]["phones"][0]["number"] = "(512) 555-0123"
    data["debtor"]["opt_outs"] = [{"channel": "voice", "destination": "512.555.0123"}]
    placed = decode_inbound(structured({"data": data}), topic="account-events").data
    assert isinstance(placed, AccountPlaced)
    assert [p.number for p in placed.debtor.phones] == ["+15125550123"]
    assert [o.destination for o in placed.debtor.opt_outs] == ["+15125550123"]


@pytest.mark.parametrize(
    ("number", "problem"),
    [("555-0123", "no area code"), ("12345", "too few digits"), ("call me", "not a number"), ("+0 123", "unknown")],
)
def test_a_phone_number_that_is_not_one_is_a_dead_letter_saying_which_and_why(number: str, problem: str) -> None:
    data = json.loads(json.dumps(PLACED_DATA))
    data["debtor"]["phones"][0]["number"] = number
    reason = reason_for(structured({"data": data}))
    assert reason.startswith("invalid data for account.placed: data.debtor.phones[0].number: ")
    assert f"not a phone number ({problem}" in reason and "E.164" in reason
    assert number not in reason  # reasons are logged; the path names the field


def test_a_stated_time_zone_that_is_not_one_is_a_dead_letter() -> None:
    """A stated zone overrides where the address and numbers place the debtor: a misspelt one must not
    quietly fall back to inference."""
    data = json.loads(json.dumps(PLACED_DATA))
    data["debtor"]["timezone"] = "Mars/Base"
    reason = reason_for(structured({"data": data}))
    assert reason.startswith("invalid data for account.placed: data.debtor.timezone: ")
    assert "unknown time zone 'Mars/Base'" in reason
    data["debtor"]["timezone"] = "America/Chicago"
    placed = decode_inbound(structured({"data": data}), topic="account-events").data
    assert isinstance(placed, AccountPlaced) and placed.debtor.timezone == "America/Chicago"


@pytest.mark.parametrize(
    ("currency", "problem"), [("XYZ", "unknown currency 'XYZ'"), ("usd", "'usd'"), ("EURO", "'EURO'")]
)
def test_a_currency_that_is_not_an_iso_4217_code_is_a_dead_letter(currency: str, problem: str) -> None:
    """Balances render in the account's currency: a code Babel cannot format would fail every send later."""
    data = json.loads(json.dumps(PLACED_DATA))
    data["account"]["currency"] = currency
    reason = reason_for(structured({"data": data}))
    assert reason.startswith("invalid data for account.placed: data.account.currency: ")
    assert problem in reason and "ISO 4217" in reason
    update = {"account": {"id": "acc-1", "currency": currency}}
    assert "data.account.currency: " in reason_for(structured({"type": "account.updated", "data": update}))


def test_an_iso_4217_currency_decodes_and_an_absent_one_is_usd() -> None:
    data = json.loads(json.dumps(PLACED_DATA))
    assert decode_inbound(structured({"data": data})).data.account.currency == "USD"  # type: ignore[union-attr]
    data["account"]["currency"] = "EUR"
    assert decode_inbound(structured({"data": data})).data.account.currency == "EUR"  # type: ignore[union-attr]


@pytest.mark.parametrize("schema", ["account.placed", "account.updated"])
def test_the_published_schemas_give_the_currency_pattern(schema: str) -> None:
    text = (Path(__file__).parents[3] / "schemas" / f"{schema}.json").read_text()
    assert '"pattern": "^[A-Z]{3}$"' in text and "ISO 4217" in text


def test_missing_data_is_rejected() -> None:
    assert reason_for(structured(drop=("data",))) == "missing data for account.placed"


def test_a_subject_that_differs_from_the_placed_debtor_is_rejected() -> None:
    assert reason_for(structured({"subject": "deb-2"})) == "subject 'deb-2' does not match data.debtor.id 'deb-1'"


def test_an_account_event_without_a_subject_is_rejected() -> None:
    assert "needs attribute 'subject' (the debtor id)" in reason_for(structured(drop=("subject",)))


def test_an_old_specversion_is_rejected() -> None:
    assert "unsupported specversion '0.3'" in reason_for(structured({"specversion": "0.3"}))


def test_a_time_without_offset_is_rejected() -> None:
    assert "has no UTC offset" in reason_for(structured({"time": "2024-03-04T15:00:00"}))


def test_a_time_that_is_not_a_timestamp_is_rejected() -> None:
    assert "not an RFC 3339 timestamp" in reason_for(structured({"time": "yesterday"}))


def test_a_non_json_content_type_is_rejected() -> None:
    assert "is not JSON" in reason_for(structured({"datacontenttype": "text/plain"}))


def test_an_output_topic_is_a_programming_error_not_a_dead_letter() -> None:
    with pytest.raises(ValueError, match="not an input topic"):
        decode_inbound(structured(), topic="delivery-events")
