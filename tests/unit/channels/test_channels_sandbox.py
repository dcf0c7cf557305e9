"""The sandbox channel: records sends, simulates outcomes deterministically, injects failures."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from channels.registry import UnknownChannelURL, adapter_class, channel_from_url
from channels.sandbox import SandboxChannel, SimulatedEvent
from orchestrator.events import ProviderInbound, ProviderStatus
from orchestrator.outbound import OutboundMessage, Permanent, Throttled

T0 = datetime(2025, 3, 3, 15, 0, tzinfo=UTC)


def _message(send_id: str, to: str = "+15551230000", channel: str = "sms") -> OutboundMessage:
    return OutboundMessage(send_id, channel, to, "Hello", "debtor-1")  # type: ignore[arg-type]


async def _run(seed: int, count: int) -> list[tuple[datetime, str, object]]:
    events: list[tuple[datetime, str, object]] = []
    sandbox = SandboxChannel("sms", seed, clock=lambda: T0, on_event=lambda *e: events.append(e[:3]))
    for index in range(count):
        await sandbox.send(_message(f"send-{index}"))
    return events


async def test_the_same_seed_gives_the_same_events_and_another_seed_does_not() -> None:
    first, again, other = await _run(7, 200), await _run(7, 200), await _run(8, 200)
    assert first == again
    assert first != other


async def test_most_sms_are_delivered_some_fail_with_a_code_and_a_few_get_replies() -> None:
    events = await _run(1, 1000)
    statuses = [data for _, kind, data in events if isinstance(data, ProviderStatus)]
    delivered = sum(1 for s in statuses if s.status == "delivered")
    codes = {s.error_code for s in statuses if s.status == "undelivered"}
    replies = [data for _, kind, data in events if kind == "provider.inbound"]
    assert len(statuses) == 1000 and 900 < delivered < 990
    assert codes == {"30006", "30003"}
    assert 20 < len(replies) < 120
    assert all(when > T0 for when, _, _ in events)


async def test_sends_are_recorded_and_events_carry_the_returned_provider_id_and_their_send() -> None:
    events: list[tuple[datetime, str, object, OutboundMessage]] = []
    sandbox = SandboxChannel("voice", 3, clock=lambda: T0, on_event=lambda *e: events.append(e))
    message = _message("call-1", channel="voice")
    result = await sandbox.send(message)
    assert [r.message.send_id for r in sandbox.sent] == ["call-1"]
    assert result.provider_message_id.startswith("CA")
    assert {data.provider_message_id for _, _, data, _ in events} == {result.provider_message_id}  # type: ignore[attr-defined]
    assert events and all(sent is message for *_, sent in events)  # the runner orders them by the send's debtor


async def test_special_destinations_fail_as_they_do_at_the_provider() -> None:
    sandbox = SandboxChannel("sms", 0)
    with pytest.raises(Throttled) as throttled:
        await sandbox.send(_message("a", "+15005550429"))
    with pytest.raises(Permanent) as opted_out:
        await sandbox.send(_message("b", "+15005550004"))
    assert throttled.value.retry_after > 0
    assert opted_out.value.disposition == "opted_out" and opted_out.value.code == "21610"
    assert [r.error for r in sandbox.sent] == ["Throttled", "Permanent"]


class AlwaysReplies:
    """A plug-in behaviour model: every send gets a reply after one hour."""

    def outcomes(self, message: OutboundMessage, sent_at: datetime, rng: random.Random) -> Sequence[SimulatedEvent]:
        reply = ProviderInbound.model_validate(
            {"channel": "sms", "from": message.to, "to": "+18005550100", "text": "ok"}
        )
        return [SimulatedEvent(timedelta(hours=1), "provider.inbound", reply)]


async def test_a_custom_outcome_model_decides_what_happens() -> None:
    events: list[tuple[datetime, str, object]] = []
    sandbox = SandboxChannel(
        "sms", 0, outcome_model=AlwaysReplies(), clock=lambda: T0, on_event=lambda *e: events.append(e[:3])
    )
    await sandbox.send(_message("x"))
    assert events == [
        (
            T0 + timedelta(hours=1),
            "provider.inbound",
            AlwaysReplies().outcomes(_message("x"), T0, random.Random())[0].data,
        )
    ]


def test_the_registry_maps_url_schemes_to_adapters_lazily() -> None:
    assert adapter_class("sms", "twilio://").__name__ == "TwilioSmsChannel"
    assert adapter_class("voice", "twilio://").__name__ == "TwilioVoiceChannel"
    assert adapter_class("email", "sendgrid://").__name__ == "SendGridEmailChannel"
    assert adapter_class("email", "sandbox://").__name__ == "SandboxChannel"
    with pytest.raises(UnknownChannelURL, match="no sms adapter"):
        adapter_class("sms", "sendgrid://")


def test_a_sandbox_built_from_settings_uses_the_configured_seed() -> None:
    from parley.settings import Settings

    channel = channel_from_url("email", "sandbox://", Settings(sandbox_seed=42))
    assert isinstance(channel, SandboxChannel) and channel.seed == 42 and channel.channel == "email"


async def test_calls_report_the_amd_answer_only_in_its_own_callback_as_twilio_async_amd_does() -> None:
    """``AsyncAmd=true``: AnsweredBy reaches the AMD callback (status ``answered``), never ``completed``."""
    events: list[tuple[datetime, str, object]] = []
    sandbox = SandboxChannel("voice", 5, clock=lambda: T0, on_event=lambda *e: events.append(e[:3]))
    await sandbox.send(_message("call-machine", to="+15005550777", channel="voice"))
    for index in range(300):
        await sandbox.send(_message(f"call-{index}", channel="voice"))
    statuses = [(when, data) for when, _, data in events if isinstance(data, ProviderStatus)]
    assert all(data.answered_by is None for _, data in statuses if data.status != "answered")
    answers = {data.answered_by for _, data in statuses if data.status == "answered"}
    assert answers == {"human", "machine_end_beep"}
    machine = [(when, data.status, data.answered_by) for when, data in statuses[:2]]
    assert [status for _, status, _ in machine] == ["answered", "completed"] and machine[0][0] < machine[1][0]
    assert machine[0][2] == "machine_end_beep"
