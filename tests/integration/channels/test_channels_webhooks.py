"""Webhooks end to end: emulators call back with valid signatures; forgeries get 403 and publish nothing."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from channels_webhook_harness import INBOUND_SECRET, TWILIO_TOKEN, WebhookServer
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from twilio.request_validator import RequestValidator

from channels.emulators import ProviderEmulator
from channels.sendgrid_email import SendGridEmailChannel
from channels.special_destinations import Scenario
from channels.twilio_sms import TwilioSmsChannel
from channels.twilio_voice import TwilioVoiceChannel
from orchestrator.domain import Attempt
from orchestrator.events import ProviderInbound, ProviderStatus
from orchestrator.outbound import OutboundMessage
from orchestrator.outputs import MessageClicked, MessageFailed
from orchestrator.service.feedback import status_output

SAMPLES = Path(__file__).parent / "fixtures" / "sendgrid_inbound_parse"


def _message(channel: str, to: str, send_id: str) -> OutboundMessage:
    return OutboundMessage(
        send_id,
        channel,
        to,
        "Hi Jane, please pay: https://pay.example.com/p/x",
        "d-1",  # type: ignore[arg-type]
        subject="Your account",
        voicemail="This is Alex from Parley Services, call 800 555 0100.",
        payment_link="https://p",
    )


async def _settle(emulator: ProviderEmulator, server: WebhookServer, expected: int) -> None:
    deadline = time.monotonic() + 5
    while len(server.publisher.events) < expected and time.monotonic() < deadline:
        await emulator.callbacks.drain(1)
        await asyncio.sleep(0.01)


async def test_sms_status_callbacks_become_provider_status_events(
    emulator: ProviderEmulator, webhook_server: WebhookServer
) -> None:
    sms = TwilioSmsChannel.from_settings(webhook_server.settings)
    result = await sms.send(_message("sms", "+15005550306", "send-sms"))
    await _settle(emulator, webhook_server, 2)
    await sms.close()
    statuses = [e.data for e in webhook_server.publisher.events]
    sid = result.provider_message_id
    assert statuses == [
        ProviderStatus(channel="sms", provider_message_id=sid, status="sent", send_id="send-sms"),
        ProviderStatus(
            channel="sms", provider_message_id=sid, status="undelivered", error_code="30006", send_id="send-sms"
        ),
    ]
    event = webhook_server.publisher.events[1]
    assert event.type == "provider.status" and event.source == "parley/webhooks/twilio"
    assert event.subject == "d-1"  # the debtor the callback URL named: no lookup needed to find the send
    assert emulator.counts() == {"send-sms": 1}


async def test_an_sms_reply_is_published_and_answered_with_empty_twiml(
    emulator: ProviderEmulator, webhook_server: WebhookServer
) -> None:
    sms = TwilioSmsChannel.from_settings(webhook_server.settings)
    await sms.send(_message("sms", "+15005550201", "send-reply"))
    await _settle(emulator, webhook_server, 3)
    await sms.close()
    (inbound,) = [e.data for e in webhook_server.publisher.events if e.type == "provider.inbound"]
    assert isinstance(inbound, ProviderInbound)
    assert (inbound.channel, inbound.from_, inbound.text) == ("sms", "+15005550201", "I can pay $50 on Friday")
    (reply,) = [c for c in emulator.callbacks.sent if c.kind == "sms-inbound"]
    assert reply.status == 200 and "<Response />" in reply.response


async def test_a_machine_gets_the_voicemail_and_a_human_can_stop_calls(
    emulator: ProviderEmulator, webhook_server: WebhookServer
) -> None:
    voice = TwilioVoiceChannel.from_settings(webhook_server.settings)
    machine = await voice.send(_message("voice", "+15005550777", "call-machine"))
    human = await voice.send(_message("voice", "+15005550109", "call-human"))
    await _settle(emulator, webhook_server, 7)
    await voice.close()
    assert webhook_server.voicemail_calls == [
        (machine.provider_message_id, "This is Alex from Parley Services, call 800 555 0100.")
    ]
    by_call = {
        sid: [e.data for e in webhook_server.publisher.events if e.data.provider_message_id == sid]
        for sid in (machine.provider_message_id, human.provider_message_id)
    }
    assert [(s.status, s.answered_by) for s in by_call[machine.provider_message_id]] == [
        ("in-progress", None),
        ("answered", "machine_end_beep"),
        ("completed", None),
    ]
    keypad = [d for d in by_call[human.provider_message_id] if isinstance(d, ProviderInbound)]
    assert [(k.channel, k.text, k.from_) for k in keypad] == [("voice", "keypad:9", "+15005550109")]
    completed = by_call[human.provider_message_id][-1]
    assert isinstance(completed, ProviderStatus) and completed.status == "completed" and completed.duration_s == 30
    (keypad_call,) = [c for c in emulator.callbacks.sent if c.kind == "keypad"]
    assert keypad_call.status == 200 and "not call this number again" in keypad_call.response


async def test_sendgrid_events_and_replies_map_back_to_the_send(
    emulator: ProviderEmulator, webhook_server: WebhookServer
) -> None:
    email = SendGridEmailChannel.from_settings(webhook_server.settings)
    bounced = await email.send(_message("email", "bounce@example.test", "mail-bounce"))
    await email.send(_message("email", "reply@example.test", "mail-reply"))
    await _settle(emulator, webhook_server, 5)
    await email.close()
    bounce_events = [
        e.data for e in webhook_server.publisher.events if e.data.provider_message_id == bounced.provider_message_id
    ]
    assert [(s.status, s.error_code) for s in bounce_events] == [("processed", None), ("bounce", "5.1.1")]  # type: ignore[union-attr]
    (reply,) = [e.data for e in webhook_server.publisher.events if e.type == "provider.inbound"]
    assert isinstance(reply, ProviderInbound)
    assert (reply.channel, reply.from_, reply.text) == ("email", "reply@example.test", "I already paid this last week")
    assert emulator.counts() == {"mail-bounce": 1, "mail-reply": 1}


async def test_sendgrid_unsubscribes_and_spam_reports_reach_the_core_as_statuses_of_the_send(
    emulator: ProviderEmulator, webhook_server: WebhookServer
) -> None:
    """The core turns these statuses into an email opt-out of the address (domain/transitions.py)."""
    email = SendGridEmailChannel.from_settings(webhook_server.settings)
    kinds = ("unsubscribe", "group_unsubscribe", "spamreport")
    sent = {kind: await email.send(_message("email", f"{kind}@example.test", f"mail-{kind}")) for kind in kinds}
    await _settle(emulator, webhook_server, 2 * len(kinds))
    await email.close()
    for kind, result in sent.items():
        events = [
            e for e in webhook_server.publisher.events if e.data.provider_message_id == result.provider_message_id
        ]
        assert [(e.data.status, e.data.send_id) for e in events] == [  # type: ignore[union-attr]
            ("processed", f"mail-{kind}"),
            (kind, f"mail-{kind}"),
        ]
        assert events[-1].type == "provider.status" and events[-1].subject == "d-1"


async def test_sendgrid_blocks_drops_and_clicks_become_the_delivery_events_they_mean(
    emulator: ProviderEmulator, webhook_server: WebhookServer
) -> None:
    """A ``blocked`` bounce is a retryable failure; a drop because the address unsubscribed is not; a
    click names the link the debtor clicked (emulator → signed Event Webhook → normalize → core)."""
    emulator.scenarios |= {
        "blocked@example.test": Scenario(outcome="blocked", outcome_code="5.7.1"),
        "gone@example.test": Scenario(outcome="dropped", outcome_code="Unsubscribed Address"),
        "clicks@example.test": Scenario(outcome="click"),
    }
    email = SendGridEmailChannel.from_settings(webhook_server.settings)
    sent = {to: await email.send(_message("email", to, f"mail-{to[:4]}")) for to in emulator.scenarios}
    await _settle(emulator, webhook_server, 8)  # processed for each; blocked; dropped; delivered and click
    await email.close()
    meanings = {}
    for to, result in sent.items():
        (*_, final) = [
            e.data for e in webhook_server.publisher.events if e.data.provider_message_id == result.provider_message_id
        ]
        assert isinstance(final, ProviderStatus)
        attempt = Attempt(
            f"mail-{to[:4]}", "email", to, ("A",), datetime.now(UTC), provider_message_id=final.provider_message_id
        )
        meanings[to] = (final.status, status_output(final, attempt, "d-1"))
    status, blocked = meanings["blocked@example.test"]
    assert status == "blocked" and isinstance(blocked, MessageFailed)
    assert (blocked.error_code, blocked.retryable) == ("5.7.1", True)
    status, gone = meanings["gone@example.test"]
    assert status == "dropped" and isinstance(gone, MessageFailed)
    assert (gone.error_code, gone.retryable) == ("Unsubscribed Address", False)
    status, clicked = meanings["clicks@example.test"]
    assert status == "click" and isinstance(clicked, MessageClicked)
    assert clicked.url == "https://pay.example.com/p/x"  # the first link of the mail the emulator took


@pytest.mark.parametrize("sample", ["default_data.txt", "raw_data.txt", "raw_data_with_attachments.txt"])
async def test_sendgrids_sample_inbound_parse_payloads_become_email_replies(
    webhook_server: WebhookServer, sample: str
) -> None:
    body = (SAMPLES / sample).read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    url = f"{webhook_server.base_url}/webhooks/sendgrid/inbound/{INBOUND_SECRET}"
    async with (
        aiohttp.ClientSession() as http,
        http.post(url, data=body, headers={"Content-Type": "multipart/form-data; boundary=xYzZY"}) as response,
    ):
        assert response.status == 200
    (event,) = webhook_server.publisher.events
    assert isinstance(event.data, ProviderInbound)
    assert (event.data.channel, event.data.from_, event.data.text) == (
        "email",
        "test@example.com",
        "Hello Twilio SendGrid!",
    )
    assert event.data.to.startswith("inbound@")


# --- forgeries -----------------------------------------------------------------------------------

STATUS = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered", "To": "+15005550006", "From": "+18005550100"}


async def _post(url: str, body: bytes | str, headers: dict[str, str]) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as response:
        return response.status


async def test_a_twilio_request_signed_with_the_sdk_is_accepted(webhook_server: WebhookServer) -> None:
    url = webhook_server.base_url + "/webhooks/twilio/sms-status?send_id=s-1"
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, STATUS)
    form = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    assert await _post(url, urlencode(STATUS), form) == 204
    assert len(webhook_server.publisher.events) == 1


@pytest.mark.parametrize("forgery", ["tampered_body", "wrong_signature", "missing_header", "other_url"])
async def test_forged_twilio_requests_get_403_and_publish_nothing(webhook_server: WebhookServer, forgery: str) -> None:
    url = webhook_server.base_url + "/webhooks/twilio/sms-status?send_id=s-1"
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": RequestValidator(TWILIO_TOKEN).compute_signature(url, STATUS),
    }
    body = urlencode(STATUS)
    if forgery == "tampered_body":
        body = urlencode(STATUS | {"MessageStatus": "failed"})
    elif forgery == "wrong_signature":
        headers["X-Twilio-Signature"] = RequestValidator("not-the-token").compute_signature(url, STATUS)
    elif forgery == "missing_header":
        del headers["X-Twilio-Signature"]
    else:
        url = url.replace("s-1", "s-2")
    assert await _post(url, body, headers) == 403
    assert webhook_server.publisher.events == []
    reason = "missing_header" if forgery == "missing_header" else "bad_signature"
    assert webhook_server.rejected("twilio", reason) == 1


def _sendgrid_headers(key: ec.EllipticCurvePrivateKey, raw: bytes, timestamp: int) -> dict[str, str]:
    signature = key.sign(str(timestamp).encode() + raw, ec.ECDSA(hashes.SHA256()))
    return {
        "Content-Type": "application/json",
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": str(timestamp),
    }


@pytest.mark.parametrize("forgery", ["tampered_body", "stale", "wrong_key", "missing_header"])
async def test_forged_sendgrid_events_get_403_and_publish_nothing(
    emulator: ProviderEmulator, webhook_server: WebhookServer, forgery: str
) -> None:
    url = webhook_server.base_url + "/webhooks/sendgrid/events"
    raw = (
        json.dumps(
            [{"event": "delivered", "sg_message_id": "abc.filter", "sg_event_id": "e1", "email": "x@example.test"}]
        )
        + "\r\n"
    ).encode()
    now = int(time.time())
    headers = _sendgrid_headers(emulator.event_key, raw, now)
    assert await _post(url, raw, headers) == 204  # the genuine request passes
    if forgery == "tampered_body":
        body, headers = raw.replace(b"delivered", b"bounce"), headers
    elif forgery == "stale":
        body, headers = raw, _sendgrid_headers(emulator.event_key, raw, now - 3600)
    elif forgery == "wrong_key":
        body, headers = raw, _sendgrid_headers(ec.generate_private_key(ec.SECP256R1()), raw, now)
    else:
        body, headers = raw, {"Content-Type": "application/json"}
    assert await _post(url, body, headers) == 403
    assert len(webhook_server.publisher.events) == 1
    reason = {"stale": "stale", "missing_header": "missing_header"}.get(forgery, "bad_signature")
    assert webhook_server.rejected("sendgrid", reason) == 1


async def test_inbound_parse_with_a_wrong_secret_gets_403(webhook_server: WebhookServer) -> None:
    body = (SAMPLES / "default_data.txt").read_bytes().replace(b"\n", b"\r\n")
    url = f"{webhook_server.base_url}/webhooks/sendgrid/inbound/guessed-secret"
    assert await _post(url, body, {"Content-Type": "multipart/form-data; boundary=xYzZY"}) == 403
    assert webhook_server.publisher.events == [] and webhook_server.rejected("sendgrid", "bad_secret") == 1
