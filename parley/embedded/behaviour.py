"""How simulated debtors react: who answers which channel at which hour, who replies, promises and pays.

Each debtor has hidden traits drawn from ``(seed, debtor id)`` — stable however many debtors the
portfolio has and in whatever order they are contacted. The per-message dice come from the ``rng``
the sandbox channel passes in, so a run is deterministic given the send order. The model implements
the sandbox channel's ``OutcomeModel`` (provider status and inbound events after a send) and says
which upstream events (payments, logged promises) the debtor's reaction causes.

Only a message that reaches the debtor can move them: a text the carrier did not deliver or an email
that bounced is drawn first, and the debtor neither engages with it nor replies, promises or pays
because of it. A call reaches them when they pick up (an engaged debtor answers, anyone else lets it
ring out, is busy or has the machine take it); the voicemail a machine takes causes nothing here.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from channels.sandbox import SimulatedEvent
from orchestrator.events import (
    Channel,
    Contract,
    DebtorProfile,
    InboundEvent,
    Language,
    PaymentReceived,
    PromiseCreated,
    ProviderInbound,
    ProviderStatus,
)
from orchestrator.outbound import OutboundMessage
from parley.embedded.portfolio import Portfolio, home_zone, to_cloudevent
from parley.embedded.replies import BASE_REPLY_WEIGHTS, ReplyKind, promise_terms, promise_text, reply_text

HourBand = Literal["morning", "midday", "afternoon", "evening", "night"]
HOUR_BANDS: tuple[HourBand, ...] = ("morning", "midday", "afternoon", "evening", "night")

# How each channel's attention moves through the day, for a typical person (multipliers).
_BAND_SHAPE: dict[Channel, dict[HourBand, float]] = {
    "sms": {"morning": 0.7, "midday": 0.9, "afternoon": 1.0, "evening": 1.45, "night": 0.3},
    "email": {"morning": 1.0, "midday": 1.5, "afternoon": 0.9, "evening": 0.6, "night": 0.2},
    "voice": {"morning": 0.9, "midday": 1.0, "afternoon": 1.0, "evening": 1.2, "night": 0.2},
}
_BASE_ATTENTION: dict[Channel, tuple[float, float]] = {
    "sms": (0.15, 0.55),
    "email": (0.05, 0.35),
    "voice": (0.05, 0.35),
}
PARLEY_SMS_NUMBER = "+18005550100"  # the sandbox channel's default sender
PARLEY_EMAIL_ADDRESS = "payments@parley.example"


def hour_band(local_hour: int) -> HourBand:
    if 8 <= local_hour < 11:
        return "morning"
    if 11 <= local_hour < 14:
        return "midday"
    if 14 <= local_hour < 17:
        return "afternoon"
    if 17 <= local_hour < 21:
        return "evening"
    return "night"


@dataclass(frozen=True)
class DebtorTraits:
    """A debtor's hidden propensities (the policy never sees these; it has to learn them)."""

    attention: dict[tuple[Channel, HourBand], float]
    reply: float
    willingness: float
    keeps_promises: float
    reply_tilt: dict[ReplyKind, float]
    language: Language
    mobile_is_landline: bool

    def attends(self, channel: Channel, band: HourBand) -> float:
        return self.attention[(channel, band)]

    def best_slot(self) -> tuple[Channel, HourBand]:
        return max(self.attention, key=lambda slot: self.attention[slot])


@dataclass(frozen=True)
class _Undelivered:
    """How the provider reports a message that never reached the debtor, and how soon (seconds)."""

    status: str
    error_code: str
    after: tuple[float, float]


_LANDLINE_TEXT = _Undelivered("undelivered", "30006", (2, 8))  # a landline cannot take a text
_UNREACHABLE_HANDSET = _Undelivered("undelivered", "30003", (5, 60))
_EMAIL_BOUNCE = _Undelivered("bounce", "550", (5, 40))


@dataclass
class _Reaction:
    """What one debtor did about one message, remembered so follow-ups agree with the outcomes."""

    engaged: bool
    undelivered: _Undelivered | None = None
    conversation: bool = False
    reply_kind: ReplyKind | None = None
    reply_at: datetime | None = None
    promise: tuple[Decimal, datetime] | None = None


@dataclass
class _DebtorState:
    remaining: dict[str, Decimal] = field(default_factory=dict)
    stopped: bool = False
    wrong_number: bool = False


class DebtorBehaviour:
    """The sandbox ``OutcomeModel`` for the demo: outcomes and follow-ups for every send."""

    def __init__(self, portfolio: Portfolio, seed: int | None = None) -> None:
        self._portfolio = portfolio
        self._seed = portfolio.seed if seed is None else seed
        self._traits: dict[str, DebtorTraits] = {}
        self._reactions: dict[str, _Reaction] = {}
        self._states: dict[str, _DebtorState] = {}

    # --- hidden traits -----------------------------------------------------------------------

    def traits(self, debtor_id: str) -> DebtorTraits:
        cached = self._traits.get(debtor_id)
        if cached is None:
            cached = self._traits[debtor_id] = _draw_traits(self._portfolio.debtor(debtor_id), self._seed)
        return cached

    def local_band(self, debtor_id: str, at: datetime) -> HourBand:
        zone = ZoneInfo(home_zone(self._portfolio.debtor(debtor_id)))
        return hour_band(at.astimezone(zone).hour)

    # --- OutcomeModel ------------------------------------------------------------------------

    def outcomes(self, message: OutboundMessage, sent_at: datetime, rng: random.Random) -> Sequence[SimulatedEvent]:
        """Provider status callbacks and replies that follow ``message`` (delays relative to ``sent_at``)."""
        reaction = self._react(message, sent_at, rng)
        if message.channel == "sms":
            return self._sms_outcomes(message, sent_at, reaction, rng)
        if message.channel == "email":
            return self._email_outcomes(message, sent_at, reaction, rng)
        return self._voice_outcomes(message, reaction, rng)

    def follow_up_events(
        self, message: OutboundMessage, sent_at: datetime, rng: random.Random
    ) -> Sequence[tuple[datetime, str, Contract]]:
        """Upstream account events the debtor's reaction causes: a logged promise, a payment."""
        reaction = self._react(message, sent_at, rng)
        if not reaction.engaged or not message.account_ids:
            return ()
        state = self._state(message.debtor_id)
        if state.stopped or state.wrong_number or reaction.reply_kind in ("dispute", "attorney", "already_paid"):
            return ()
        account_id = message.account_ids[0]
        remaining = state.remaining.get(account_id, Decimal(0))
        if remaining <= 0:
            return ()
        traits = self.traits(message.debtor_id)
        events: list[tuple[datetime, str, Contract]] = []
        if reaction.promise is not None:
            amount, due_at = reaction.promise
            amount = min(amount, remaining)
            logged_at = (reaction.reply_at or sent_at) + timedelta(minutes=rng.randint(1, 30))
            events.append(
                (
                    logged_at,
                    "promise.created",
                    PromiseCreated(account_id=account_id, amount=amount, due_date=due_at.date()),
                )
            )
            if rng.random() < traits.keeps_promises:
                events.append(self._payment(state, account_id, amount, due_at))
            return events
        fit = traits.attends(message.channel, self.local_band(message.debtor_id, sent_at))
        if rng.random() < traits.willingness * (0.25 + fit) * 0.35:
            amount = remaining if rng.random() < 0.35 else _partial(remaining, rng)
            paid_at = sent_at + timedelta(hours=rng.uniform(0.5, 96))
            events.append(self._payment(state, account_id, amount, paid_at))
        return events

    # --- internals ---------------------------------------------------------------------------

    def _state(self, debtor_id: str) -> _DebtorState:
        state = self._states.get(debtor_id)
        if state is None:
            owned = self._portfolio.accounts.get(debtor_id, ())
            state = self._states[debtor_id] = _DebtorState(remaining={acc.id: acc.balance for acc in owned})
        return state

    def _payment(
        self, state: _DebtorState, account_id: str, amount: Decimal, paid_at: datetime
    ) -> tuple[datetime, str, Contract]:
        state.remaining[account_id] -= amount
        return paid_at, "payment.received", PaymentReceived(account_id=account_id, amount=amount, paid_at=paid_at)

    def _react(self, message: OutboundMessage, sent_at: datetime, rng: random.Random) -> _Reaction:
        known = self._reactions.get(message.send_id)
        if known is not None:
            return known
        traits = self.traits(message.debtor_id)
        state = self._state(message.debtor_id)
        undelivered = self._undelivered(message, rng)
        if undelivered is not None:
            reaction = self._reactions[message.send_id] = _Reaction(engaged=False, undelivered=undelivered)
            return reaction
        band = self.local_band(message.debtor_id, sent_at)
        engaged = rng.random() < traits.attends(message.channel, band) and not state.stopped
        reaction = _Reaction(engaged=engaged)
        if engaged and message.channel == "voice":
            reaction.conversation = rng.random() < 0.7
            if reaction.conversation and rng.random() < traits.willingness * 0.6:
                reaction.promise = self._promise_terms(message, sent_at, rng)
        elif engaged and rng.random() < traits.reply:
            kind = _draw_reply_kind(traits, rng)
            reaction.reply_kind = kind
            reaction.reply_at = sent_at + timedelta(minutes=rng.uniform(1, 180 if message.channel == "sms" else 600))
            if kind == "promise":
                reaction.promise = self._promise_terms(message, sent_at, rng)
            if kind == "stop":
                state.stopped = True
            if kind == "wrong_number":
                state.wrong_number = True
        self._reactions[message.send_id] = reaction
        return reaction

    def _undelivered(self, message: OutboundMessage, rng: random.Random) -> _Undelivered | None:
        """Whether the provider fails to get the text or email to the debtor (a call's fate is the reaction's)."""
        if message.channel == "sms":
            if self._is_landline(message):
                return _LANDLINE_TEXT
            return _UNREACHABLE_HANDSET if rng.random() < 0.03 else None
        if message.channel == "email":
            return _EMAIL_BOUNCE if rng.random() < 0.04 else None
        return None

    def _is_landline(self, message: OutboundMessage) -> bool:
        if self.traits(message.debtor_id).mobile_is_landline:
            return True
        phones = self._portfolio.debtor(message.debtor_id).phones
        return any(phone.number == message.to and phone.type == "landline" for phone in phones)

    def _promise_terms(
        self, message: OutboundMessage, sent_at: datetime, rng: random.Random
    ) -> tuple[Decimal, datetime]:
        account_id = message.account_ids[0] if message.account_ids else ""
        balance = self._state(message.debtor_id).remaining.get(account_id, Decimal(100))
        amount, due = promise_terms(max(balance, Decimal("25.00")), sent_at.date(), rng)
        due_at = datetime.combine(due, sent_at.timetz()) + timedelta(hours=rng.uniform(-3, 6))
        return amount, due_at

    def _sms_outcomes(
        self, message: OutboundMessage, sent_at: datetime, reaction: _Reaction, rng: random.Random
    ) -> list[SimulatedEvent]:
        if reaction.undelivered is not None:
            return [_failure(reaction.undelivered, "sms", message, rng)]
        events = [
            _status(seconds(rng, 1, 3), "sms", message, "sent"),
            _status(seconds(rng, 3, 20), "sms", message, "delivered"),
        ]
        events.extend(self._reply_events(message, sent_at, reaction, rng))
        return events

    def _email_outcomes(
        self, message: OutboundMessage, sent_at: datetime, reaction: _Reaction, rng: random.Random
    ) -> list[SimulatedEvent]:
        if reaction.undelivered is not None:
            return [_failure(reaction.undelivered, "email", message, rng)]
        events = [
            _status(seconds(rng, 1, 5), "email", message, "processed"),
            _status(seconds(rng, 5, 60), "email", message, "delivered"),
        ]
        if reaction.engaged:
            opened = timedelta(minutes=rng.uniform(5, 360))
            events.append(_status(opened, "email", message, "open"))
            if rng.random() < 0.4:
                events.append(_status(opened + timedelta(seconds=rng.uniform(10, 300)), "email", message, "click"))
        events.extend(self._reply_events(message, sent_at, reaction, rng))
        return events

    def _voice_outcomes(
        self, message: OutboundMessage, reaction: _Reaction, rng: random.Random
    ) -> list[SimulatedEvent]:
        """As Twilio reports a call placed with async AMD: the AMD result (``answered``, with
        ``answered_by``) on its own, then the call's end (``completed`` with its duration)."""
        ring = seconds(rng, 15, 40)
        if reaction.engaged:
            duration = rng.randint(45, 420) if reaction.conversation else rng.randint(4, 25)
            return [
                _amd(ring + timedelta(seconds=min(3, duration)), message, "human"),
                _status(ring + timedelta(seconds=duration), "voice", message, "completed", duration_s=duration),
            ]
        roll = rng.random()
        if roll < 0.08:
            return [_status(seconds(rng, 3, 8), "voice", message, "busy")]
        if roll < 0.5:
            # The greeting ends (the beep) and a voicemail is left, or the machine cuts the call short.
            duration = rng.randint(18, 40) if message.voicemail else rng.randint(1, 4)
            return [
                _amd(ring + timedelta(seconds=min(12, duration)), message, "machine_end_beep"),
                _status(ring + timedelta(seconds=duration), "voice", message, "completed", duration_s=duration),
            ]
        return [_status(ring, "voice", message, "no-answer")]

    def _reply_events(
        self, message: OutboundMessage, sent_at: datetime, reaction: _Reaction, rng: random.Random
    ) -> list[SimulatedEvent]:
        if reaction.reply_kind is None or reaction.reply_at is None or message.channel == "voice":
            return []
        language = self.traits(message.debtor_id).language
        if reaction.reply_kind == "promise" and reaction.promise is not None:
            amount, due_at = reaction.promise
            text = promise_text(amount, due_at.date(), sent_at.date(), language, rng)
        else:
            text = reply_text(reaction.reply_kind, language, rng)
        ours = PARLEY_SMS_NUMBER if message.channel == "sms" else PARLEY_EMAIL_ADDRESS
        inbound = ProviderInbound(
            channel=message.channel,
            from_=message.to,
            to=ours,
            text=text,
            provider_message_id=f"in-{message.send_id}",
        )
        return [SimulatedEvent(delay=reaction.reply_at - sent_at, type="provider.inbound", data=inbound)]


FOLLOW_UP_SOURCE = "parley/demo/debtors"


class DemoWorld:
    """The sandbox ``OutcomeModel`` for a demo run that also queues the upstream events the debtors'
    reactions cause, as inbound events ready for the runner's stream (ids derived from the send id)."""

    def __init__(self, portfolio: Portfolio, behaviour: DebtorBehaviour | None = None) -> None:
        self.portfolio = portfolio
        self.behaviour = behaviour or DebtorBehaviour(portfolio)
        self._pending: dict[str, list[InboundEvent]] = {}  # by the send that caused them
        self.generated: list[InboundEvent] = []  # every follow-up taken, in the order taken

    def outcomes(self, message: OutboundMessage, sent_at: datetime, rng: random.Random) -> Sequence[SimulatedEvent]:
        events = self.behaviour.outcomes(message, sent_at, rng)
        for at, kind, data in self.behaviour.follow_up_events(message, sent_at, rng):
            event = InboundEvent(
                id=f"demo-{self.portfolio.seed}-{kind}-{message.send_id}",
                type=kind,
                source=FOLLOW_UP_SOURCE,
                subject=message.debtor_id,
                time=at,
                data=data,
            )
            self._pending.setdefault(message.send_id, []).append(event)
        return events

    def take_follow_ups(self, send_id: str) -> list[InboundEvent]:
        """The upstream events the send caused, once (the runner schedules them at their ``time``): asked
        for each send dispatched, in the order of the outputs, so the order the sends reached the sandbox
        in (concurrent debtors) does not matter."""
        taken = self._pending.pop(send_id, [])
        self.generated += taken
        return taken

    def generated_cloudevents(self) -> list[dict[str, object]]:
        """Every upstream event the debtors caused, as CloudEvent dicts (for the summary and the report)."""
        return [to_cloudevent(event) for event in self.generated]


def seconds(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(seconds=rng.uniform(low, high))


def _status(
    delay: timedelta,
    channel: Channel,
    message: OutboundMessage,
    status: str,
    *,
    error_code: str | None = None,
    answered_by: str | None = None,
    duration_s: int | None = None,
) -> SimulatedEvent:
    data = ProviderStatus(
        channel=channel,
        provider_message_id="",  # the sandbox fills in the id it gave the send
        status=status,
        error_code=error_code,
        answered_by=answered_by,
        duration_s=duration_s,
    )
    return SimulatedEvent(delay=delay, type="provider.status", data=data)


def _failure(
    undelivered: _Undelivered, channel: Channel, message: OutboundMessage, rng: random.Random
) -> SimulatedEvent:
    status, code = undelivered.status, undelivered.error_code
    return _status(seconds(rng, *undelivered.after), channel, message, status, error_code=code)


def _amd(delay: timedelta, message: OutboundMessage, answered_by: str) -> SimulatedEvent:
    return _status(delay, "voice", message, "answered", answered_by=answered_by)


def _partial(remaining: Decimal, rng: random.Random) -> Decimal:
    share = remaining * Decimal(str(rng.choice((0.1, 0.2, 0.25, 0.5))))
    return max(min(remaining, Decimal("25.00")), share.quantize(Decimal("0.01")))


def _draw_reply_kind(traits: DebtorTraits, rng: random.Random) -> ReplyKind:
    kinds = list(BASE_REPLY_WEIGHTS)
    weights = [BASE_REPLY_WEIGHTS[kind] * traits.reply_tilt.get(kind, 1.0) for kind in kinds]
    return rng.choices(kinds, weights=weights)[0]


def _draw_traits(debtor: DebtorProfile, seed: int) -> DebtorTraits:
    rng = random.Random(f"behaviour:{seed}:{debtor.id}")
    preferred = debtor.preferences.channels[0] if debtor.preferences.channels else None
    attention: dict[tuple[Channel, HourBand], float] = {}
    for channel, shape in _BAND_SHAPE.items():
        low, high = _BASE_ATTENTION[channel]
        base = rng.uniform(low, high) * (1.35 if channel == preferred else 1.0)
        favourite = rng.choice(HOUR_BANDS[:4])
        for band, factor in shape.items():
            personal = rng.lognormvariate(0.0, 0.3) * (1.5 if band == favourite else 1.0)
            attention[(channel, band)] = min(0.95, base * factor * personal)
    willingness = rng.betavariate(2.0, 3.0)
    tilt: dict[ReplyKind, float] = {
        "promise": 0.4 + 1.6 * willingness,
        "hardship": 1.6 - willingness,
        "stop": rng.choice((0.5, 1.0, 1.0, 2.5)),
        "dispute": rng.choice((0.5, 1.0, 1.0, 3.0)),
    }
    return DebtorTraits(
        attention=attention,
        reply=rng.uniform(0.15, 0.6),
        willingness=willingness,
        keeps_promises=0.45 + 0.45 * willingness,
        reply_tilt=tilt,
        language=debtor.language,
        mobile_is_landline=rng.random() < 0.02,
    )
