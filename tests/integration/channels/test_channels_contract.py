"""One contract, every adapter: the sandbox and the real SDK adapters through the provider emulators."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from channels.emulators import ProviderEmulator
from channels.sandbox import SandboxChannel
from channels.sendgrid_email import SendGridEmailChannel
from channels.twilio_sms import TwilioSmsChannel
from channels.twilio_voice import TwilioVoiceChannel
from orchestrator.outbound import OutboundMessage, Permanent, ProviderTimeout, Retryable, Throttled
from orchestrator.ports import Channel

PHONES = {
    "ok": "+15005550006",
    "throttle": "+15005550429",
    "retryable": "+15005550500",
    "permanent": "+15005550004",
    "timeout": "+15005550408",
}
EMAILS = {kind: f"{kind if kind != 'ok' else 'jane.doe'}@example.test" for kind in PHONES}
TIMEOUT_S = 0.4


@dataclass
class Subject:
    channel: Channel
    destinations: dict[str, str]
    emulator: ProviderEmulator | None

    def message(self, kind: str, send_id: str) -> OutboundMessage:
        return OutboundMessage(
            send_id=send_id,
            channel=self.channel.channel,  # type: ignore[arg-type]
            to=self.destinations[kind],
            body="Hi Jane, a payment of $50 is due. Pay here: https://pay.example.com/p/abc",
            debtor_id="debtor-1",
            subject="Your account",
            html="<p>Hi Jane</p>",
            voicemail="This is Alex from Parley Services, please call 800 555 0100.",
            payment_link="https://pay.example.com/p/abc",
        )


ADAPTERS = ["sandbox-sms", "sandbox-voice", "sandbox-email", "twilio-sms", "twilio-voice", "sendgrid-email"]


@pytest.fixture(params=ADAPTERS)
async def subject(request: pytest.FixtureRequest, emulator: ProviderEmulator) -> AsyncIterator[Subject]:
    kind, medium = request.param.split("-")
    destinations = EMAILS if medium == "email" else PHONES
    base = "http://127.0.0.1:9/unused"
    channel: Channel
    if kind == "sandbox":
        channel = SandboxChannel(medium, seed=1)
    elif kind == "sendgrid":
        channel = SendGridEmailChannel(
            emulator.api_key, "billing@example.com", "https://example.com/u", emulator.sendgrid_host, TIMEOUT_S
        )
    else:
        adapter = TwilioSmsChannel if medium == "sms" else TwilioVoiceChannel
        channel = adapter(
            emulator.account_sid, emulator.auth_token, "+18005550100", base, emulator.twilio_base_url, TIMEOUT_S
        )
    yield Subject(channel, destinations, None if kind == "sandbox" else emulator)
    await channel.close()


async def test_a_send_is_accepted_once_with_a_provider_message_id(subject: Subject) -> None:
    result = await subject.channel.send(subject.message("ok", "send-ok"))
    assert result.provider_message_id and result.status in ("queued", "accepted")
    assert result.error_code is None and not result.retryable
    if subject.emulator is not None:
        accepted = subject.emulator.accepted("send-ok")
        assert [r.provider_id for r in accepted] == [result.provider_message_id]
    else:
        assert isinstance(subject.channel, SandboxChannel) and len(subject.channel.sends_for("send-ok")) == 1


async def test_a_throttled_send_says_when_to_retry(subject: Subject) -> None:
    with pytest.raises(Throttled) as throttled:
        await subject.channel.send(subject.message("throttle", "send-throttle"))
    assert throttled.value.retry_after == 2.0 and throttled.value.retryable


async def test_a_provider_outage_is_retryable(subject: Subject) -> None:
    with pytest.raises(Retryable) as outage:
        await subject.channel.send(subject.message("retryable", "send-5xx"))
    assert outage.value.retryable and not outage.value.outcome_unknown and outage.value.code


async def test_a_rejected_destination_is_permanent(subject: Subject) -> None:
    with pytest.raises(Permanent) as rejected:
        await subject.channel.send(subject.message("permanent", "send-4xx"))
    assert not rejected.value.retryable and rejected.value.code


async def test_a_send_without_an_answer_times_out_as_outcome_unknown(subject: Subject) -> None:
    started = time.monotonic()
    with pytest.raises(ProviderTimeout) as timed_out:
        await subject.channel.send(subject.message("timeout", "send-timeout"))
    assert timed_out.value.outcome_unknown and timed_out.value.retryable
    assert time.monotonic() - started < TIMEOUT_S + 1.5


async def test_the_provider_can_say_what_it_accepted_for_a_destination_or_that_it_cannot_tell(
    subject: Subject,
) -> None:
    from datetime import UTC, datetime, timedelta

    before = datetime.now(UTC) - timedelta(minutes=1)
    assert await subject.channel.find_sent(subject.destinations["ok"], before, datetime.now(UTC)) in ([], None)
    result = await subject.channel.send(subject.message("ok", "send-found"))
    found = await subject.channel.find_sent(
        subject.destinations["ok"], before, datetime.now(UTC) + timedelta(minutes=1)
    )
    if subject.channel.channel == "email" and not isinstance(subject.channel, SandboxChannel):
        assert found is None  # SendGrid offers no lookup without the Email Activity add-on
    else:
        assert found is not None
        assert [r.provider_message_id for r in found] == [result.provider_message_id]
