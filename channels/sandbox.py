"""The sandbox channel: a real ``Channel`` that records sends and simulates what providers report.

Used by the embedded mode (``parley demo``/``replay``) and tests. Every outcome is a deterministic
function of the seed and the send id, so a replay gives the same events. Outcomes are reported to
``on_event(when, type, data, message)`` as provider events with a delay after the send (``message``:
the send they follow); the embedded runner feeds them into its virtual-clock stream. The special destinations of
``channels.special_destinations`` behave exactly as they do at the provider emulators (throttled,
retryable, permanent, timeout; undelivered 30006, machine answer…), so one contract suite covers both.
With ``simulate=False`` it simulates nothing: every send is accepted and nothing is reported (a replay
whose input brings the providers' own events).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol

from channels.special_destinations import ACCEPTED, Scenario, scenario_for
from orchestrator.events import ProviderInbound, ProviderStatus
from orchestrator.outbound import (
    FIND_SENT,
    ChannelLimits,
    OutboundMessage,
    Permanent,
    ProviderTimeout,
    Retryable,
    SendResult,
    Throttled,
    disposition_for_code,
)

EventType = Literal["provider.status", "provider.inbound"]
EventSink = Callable[[datetime, str, ProviderStatus | ProviderInbound, OutboundMessage], None]


@dataclass(frozen=True)
class SimulatedEvent:
    """A provider event the sandbox will report ``delay`` after the send."""

    delay: timedelta
    type: EventType
    data: ProviderStatus | ProviderInbound


class OutcomeModel(Protocol):
    """Decides what happens to a send; ``rng`` is seeded from the sandbox seed and the send id."""

    def outcomes(self, message: OutboundMessage, sent_at: datetime, rng: random.Random) -> Sequence[SimulatedEvent]: ...


@dataclass(frozen=True)
class SandboxSend:
    """One recorded send."""

    message: OutboundMessage
    result: SendResult | None
    sent_at: datetime
    error: str | None = None


SAMPLE_REPLIES = (
    "I can pay $50 on Friday",
    "Who is this?",
    "I already paid",
    "Please call me after 6pm",
    "STOP",
    "HELP",
)


def _status(message: OutboundMessage, sid: str, status: str, **extra: object) -> ProviderStatus:
    return ProviderStatus.model_validate(
        {"channel": message.channel, "provider_message_id": sid, "status": status, **extra}
    )


def _amd(message: OutboundMessage, sid: str, answered_by: str) -> ProviderStatus:
    """Twilio's async AMD callback as the webhook publishes it: AnsweredBy comes only here, never with
    the call's ``completed`` (channels/webhooks/normalize.py ``twilio_amd_result``)."""
    return _status(message, sid, "answered", answered_by=answered_by)


def _reply(message: OutboundMessage, sender: str, text: str, rng: random.Random) -> ProviderInbound:
    return ProviderInbound.model_validate(
        {
            "channel": message.channel if message.channel != "voice" else "sms",
            "from": message.to,
            "to": sender,
            "text": text,
            "provider_message_id": f"IN{rng.getrandbits(128):032x}",
        }
    )


def provider_message_id(channel: str, seed: int, send_id: str) -> str:
    """A deterministic, provider-shaped id (``SM…`` for SMS, ``CA…`` for calls, hex for email)."""
    digest = hashlib.sha256(f"{seed}:{send_id}".encode()).hexdigest()[:32]
    return {"sms": "SM", "voice": "CA"}.get(channel, "") + digest


class DefaultOutcomeModel:
    """Mostly delivered; sometimes undelivered (30006 landline, 30003 unreachable); calls answered by
    a person or a machine or not at all; a few opens, clicks and replies."""

    def __init__(self, sender: str = "+18005550100", reply_rate: float = 0.06) -> None:
        self.sender = sender
        self.reply_rate = reply_rate

    def outcomes(self, message: OutboundMessage, sent_at: datetime, rng: random.Random) -> Sequence[SimulatedEvent]:
        sid = provider_message_id(message.channel, 0, message.send_id)
        seconds = rng.uniform(2, 30)
        events: list[SimulatedEvent] = []
        draw = rng.random()
        if message.channel == "sms":
            if draw < 0.03:
                events.append(self._at(seconds, _status(message, sid, "undelivered", error_code="30006")))
            elif draw < 0.06:
                events.append(self._at(seconds, _status(message, sid, "undelivered", error_code="30003")))
            else:
                events.append(self._at(seconds, _status(message, sid, "delivered")))
                self._maybe_reply(message, seconds, rng, events)
        elif message.channel == "voice":
            if draw < 0.35:
                duration = rng.randint(30, 180)
                events.append(self._at(seconds + 3, _amd(message, sid, "human")))
                events.append(self._at(seconds + duration, _status(message, sid, "completed", duration_s=duration)))
            elif draw < 0.70:
                events.append(self._at(seconds + 5, _amd(message, sid, "machine_end_beep")))
                events.append(self._at(seconds + 30, _status(message, sid, "completed", duration_s=30)))
            elif draw < 0.92:
                events.append(self._at(seconds + 30, _status(message, sid, "no-answer")))
            else:
                events.append(self._at(seconds, _status(message, sid, "busy")))
        else:
            if draw < 0.03:
                events.append(self._at(seconds, _status(message, sid, "bounce", error_code="5.1.1")))
            else:
                events.append(self._at(seconds, _status(message, sid, "delivered")))
                if rng.random() < 0.3:
                    events.append(self._at(seconds + rng.uniform(60, 86_400), _status(message, sid, "open")))
                    if rng.random() < 0.3:
                        events.append(
                            self._at(seconds + 86_400 + rng.uniform(60, 3_600), _status(message, sid, "click"))
                        )
                self._maybe_reply(message, seconds, rng, events)
        return events

    def _maybe_reply(
        self, message: OutboundMessage, after: float, rng: random.Random, events: list[SimulatedEvent]
    ) -> None:
        if rng.random() < self.reply_rate:
            text = rng.choice(SAMPLE_REPLIES)
            events.append(self._at(after + rng.uniform(300, 14_400), _reply(message, self.sender, text, rng)))

    @staticmethod
    def _at(seconds: float, data: ProviderStatus | ProviderInbound) -> SimulatedEvent:
        kind: EventType = "provider.status" if isinstance(data, ProviderStatus) else "provider.inbound"
        return SimulatedEvent(timedelta(seconds=round(seconds, 3)), kind, data)


def _scenario_events(
    message: OutboundMessage, sid: str, scenario: Scenario, sender: str, rng: random.Random
) -> list[SimulatedEvent]:
    """The events a special destination produces, as the emulators report them."""
    status = scenario.outcome
    if message.channel == "voice" and status == "delivered":
        status = "completed"
    answered = message.channel == "voice" and status == "completed"
    data = _status(
        message, sid, status, error_code=scenario.outcome_code, duration_s=30 if status == "completed" else None
    )
    events = [SimulatedEvent(timedelta(seconds=5), "provider.status", data)]
    if answered:  # async AMD, as the emulator: the answer comes in its own callback, before the call ends
        amd = _amd(message, sid, scenario.answered_by or "human")
        events.insert(0, SimulatedEvent(timedelta(seconds=4), "provider.status", amd))
    if scenario.reply:
        events.append(
            SimulatedEvent(timedelta(seconds=60), "provider.inbound", _reply(message, sender, scenario.reply, rng))
        )
    return events


class SandboxChannel:
    """``Channel`` that accepts every send (except the special failure destinations), records it in
    ``sent``, and reports simulated provider events to ``on_event``; with ``simulate=False``, accepts every
    send, special destinations included, and reports nothing."""

    def __init__(
        self,
        channel: str,
        seed: int = 0,
        outcome_model: OutcomeModel | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_event: EventSink | None = None,
        failures: dict[str, Scenario] | None = None,
        sender: str = "+18005550100",
        rate_per_s: float = 1_000_000.0,
        simulate: bool = True,
    ) -> None:
        self.channel = channel
        self.seed = seed
        self.limits = ChannelLimits(rate_per_s, 1_000_000, frozenset({"simulated", FIND_SENT}))
        self.outcome_model: OutcomeModel = outcome_model or DefaultOutcomeModel(sender=sender)
        self.clock = clock
        self.on_event = on_event
        self.failures = dict(failures or {})
        self.sender = sender
        self.simulate = simulate
        self.sent: list[SandboxSend] = []
        self.closed = False

    @classmethod
    def from_settings(
        cls, settings: object, url: str = "sandbox://", channel: str = "sms", **kwargs: object
    ) -> SandboxChannel:
        seed = int(getattr(settings, "sandbox_seed", 0))
        return cls(channel, seed, **kwargs)  # type: ignore[arg-type]

    def rng_for(self, send_id: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.channel}:{send_id}")

    async def send(self, message: OutboundMessage) -> SendResult:
        sent_at = self.clock()
        scenario = scenario_for(message.to, self.failures) if self.simulate else ACCEPTED
        if scenario.api != "accept":
            error = self._failure(scenario)
            self.sent.append(SandboxSend(message, None, sent_at, error=type(error).__name__))
            raise error
        rng = self.rng_for(message.send_id)
        sid = provider_message_id(message.channel, self.seed, message.send_id)
        result = SendResult(provider_message_id=sid, status="queued" if message.channel != "email" else "accepted")
        self.sent.append(SandboxSend(message, result, sent_at))
        if not self.simulate:
            return result
        if scenario is not ACCEPTED:
            events: Sequence[SimulatedEvent] = _scenario_events(message, sid, scenario, self.sender, rng)
        else:
            events = [self._with_sid(event, sid) for event in self.outcome_model.outcomes(message, sent_at, rng)]
        if self.on_event is not None:
            for event in events:
                self.on_event(sent_at + event.delay, event.type, event.data, message)
        return result

    def _failure(self, scenario: Scenario) -> Exception:
        if scenario.api == "throttle":
            return Throttled("sandbox", "too many requests", scenario.code, retry_after=scenario.retry_after_s)
        if scenario.api == "timeout":
            return ProviderTimeout("sandbox", "no answer in time")
        if scenario.api == "retryable":
            return Retryable("sandbox", "provider unavailable", scenario.code, http_status=500)
        disposition = disposition_for_code("twilio", scenario.code)
        return Permanent("sandbox", "rejected", scenario.code, http_status=400, disposition=disposition)

    @staticmethod
    def _with_sid(event: SimulatedEvent, sid: str) -> SimulatedEvent:
        """Status events of a send carry the id the send returned (models may not know it)."""
        if isinstance(event.data, ProviderStatus) and event.data.provider_message_id != sid:
            return SimulatedEvent(event.delay, event.type, event.data.model_copy(update={"provider_message_id": sid}))
        return event

    def sends_for(self, send_id: str) -> list[SandboxSend]:
        """Every recorded attempt of one send (exactly-once checks count these)."""
        return [record for record in self.sent if record.message.send_id == send_id]

    async def find_sent(self, to: str, since: datetime, until: datetime) -> Sequence[SendResult] | None:
        """The recorded sends to ``to`` accepted between ``since`` and ``until``, newest first."""
        return [
            record.result
            for record in reversed(self.sent)
            if record.result is not None and record.message.to == to and since <= record.sent_at <= until
        ]

    async def close(self) -> None:
        self.closed = True
