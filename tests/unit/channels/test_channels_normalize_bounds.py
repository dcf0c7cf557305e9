"""What a provider posts is made to fit the contract's bounds by the webhook normaliser, never refused: a
refused webhook is retried by the provider for days and then lost. A long e-mail reply arrives cut to its
start, its STOP still read; values too long to be what a provider means are cut, hashed or left empty."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

from channels.webhooks import normalize
from orchestrator.codec import decode_inbound, encode_inbound
from orchestrator.events import InboundEvent, ProviderInbound, ProviderStatus
from orchestrator.limits import PROVIDER_VALUE_LENGTH, REPLY_TEXT_LENGTH, URL_LENGTH
from orchestrator.replies import Intent, classify

NOW = datetime(2026, 3, 16, 14, tzinfo=UTC)
QUOTE = "\n\nOn Mon, Mar 16, 2026 Acme Collections <billing@acme.example> wrote:\n" + (
    "> Hi Ana, your balance with Acme Bank is $420.00. Pay at https://pay.example.com/p/abc.\n" * 60_000
)


def inbound(event: InboundEvent) -> ProviderInbound:
    assert isinstance(event.data, ProviderInbound)
    return event.data


def status(event: InboundEvent) -> ProviderStatus:
    assert isinstance(event.data, ProviderStatus)
    return event.data


def read_by_the_worker(event: InboundEvent) -> InboundEvent:
    """The event as published on provider-events and decoded by the worker: it must not be a dead letter."""
    _, value, headers = encode_inbound(event)
    return decode_inbound(value, headers, topic="provider-events")


def test_a_long_email_reply_arrives_cut_to_its_start_and_its_stop_is_still_read() -> None:
    fields = {"from": "Ana Ruiz <ana@example.com>", "to": "reply@parley.test", "text": "STOP" + QUOTE}

    event = read_by_the_worker(normalize.sendgrid_inbound_parse(fields, NOW))

    data = inbound(event)
    assert data.text == ("STOP" + QUOTE)[:REPLY_TEXT_LENGTH] and data.text_truncated is True
    assert classify(data.text, "email", NOW, "UTC").intent == Intent.OPT_OUT


def test_a_long_reply_in_raw_mime_mode_is_cut_the_same_way() -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Message-ID"] = "ana@example.com", "reply@parley.test", "<m1@example.com>"
    message.set_content("Please stop emailing me." + QUOTE[:200_000])

    data = inbound(read_by_the_worker(normalize.sendgrid_inbound_parse({"email": message.as_string()}, NOW)))

    assert data.text.startswith("Please stop emailing me.") and len(data.text) == REPLY_TEXT_LENGTH
    assert data.text_truncated and classify(data.text, "email", NOW, "UTC").intent == Intent.OPT_OUT


def test_an_sms_of_twilio_s_longest_is_never_cut() -> None:
    body = ("Puedo pagar 200 el viernes. " * 60)[:1600]  # Twilio delivers at most 1,600 characters
    form = {"MessageSid": "SM" + "0" * 32, "From": "+15125550123", "To": "+18885550100", "Body": body}

    data = inbound(normalize.twilio_inbound_sms(form, NOW))

    assert (data.text, data.text_truncated) == (body, False)


def test_an_email_message_id_longer_than_the_contract_allows_is_hashed_into_a_stable_id() -> None:
    fields = {
        "from": "ana@example.com",
        "to": "reply@parley.test",
        "text": "ok",
        "headers": "Message-ID: <" + "m" * 900,
    }

    first, again = (inbound(normalize.sendgrid_inbound_parse(fields, NOW)) for _ in range(2))

    assert len(first.provider_message_id) == 32 and first.provider_message_id == again.provider_message_id


def test_a_sender_longer_than_any_deliverable_address_is_left_empty_and_the_reply_still_arrives() -> None:
    fields = {"from": "a" * 300 + "@example.com", "to": "reply@parley.test", "text": "I can pay $50 on Friday"}

    data = inbound(read_by_the_worker(normalize.sendgrid_inbound_parse(fields, NOW)))

    assert (data.from_, data.text) == ("", "I can pay $50 on Friday")


def test_status_values_longer_than_any_provider_sends_are_cut_to_the_contract_s_bounds() -> None:
    click = {"event": "click", "sg_message_id": "msg-1.filter0001", "sg_event_id": "e1", "url": "u" * 20_000}
    drop = {"event": "dropped", "sg_message_id": "msg-1.filter0001", "sg_event_id": "e2", "reason": "r" * 5_000}
    call = {"CallSid": "C" * 5_000, "CallStatus": "busy", "SipResponseCode": "4" * 5_000, "AnsweredBy": "h" * 5_000}

    clicked = status(read_by_the_worker(normalize.sendgrid_event(click, NOW)))
    dropped = status(read_by_the_worker(normalize.sendgrid_event(drop, NOW)))
    busy = status(read_by_the_worker(normalize.twilio_call_status(call, NOW)))

    assert clicked.url == "u" * URL_LENGTH
    assert dropped.error_code == "r" * PROVIDER_VALUE_LENGTH
    cut = PROVIDER_VALUE_LENGTH
    assert (busy.provider_message_id, busy.error_code, busy.answered_by) == ("C" * cut, "4" * cut, "h" * cut)
