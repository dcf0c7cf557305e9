"""Simulated debtors react deterministically and plausibly to each channel."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from channels.sandbox import SandboxChannel, SimulatedEvent
from orchestrator.events import PaymentReceived, PromiseCreated, ProviderInbound, ProviderStatus
from orchestrator.outbound import ChannelName, OutboundMessage
from parley.embedded.behaviour import DebtorBehaviour, DemoWorld, hour_band
from parley.embedded.portfolio import Portfolio, generate_portfolio

START = datetime(2026, 3, 2, 13, tzinfo=UTC)


@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    return generate_portfolio(400, seed=5, start=START)


def messages(portfolio: Portfolio, per_debtor: int = 6) -> list[tuple[OutboundMessage, datetime]]:
    out = []
    for debtor in portfolio.debtors:
        for step in range(per_debtor):
            channel: ChannelName = ("sms", "email", "voice")[step % 3]
            if channel == "email" and not debtor.emails:
                channel = "voice"
            to = debtor.emails[0].address if channel == "email" else debtor.phones[0].number
            account = portfolio.accounts[debtor.id][0].id
            message = OutboundMessage(
                send_id=f"snd-{debtor.id}-{step}",
                channel=channel,
                to=to,
                body="Hi",
                debtor_id=debtor.id,
                account_ids=(account,),
                voicemail="Please call us",
            )
            out.append((message, START + timedelta(days=step + 1, hours=step * 2)))
    return out


def run(portfolio: Portfolio) -> tuple[list[SimulatedEvent], list[tuple[datetime, str, object]]]:
    behaviour = DebtorBehaviour(portfolio)
    events: list[SimulatedEvent] = []
    follow_ups: list[tuple[datetime, str, object]] = []
    for message, at in messages(portfolio):
        events.extend(behaviour.outcomes(message, at, random.Random(message.send_id)))
        follow_ups.extend(behaviour.follow_up_events(message, at, random.Random(message.send_id)))
    return events, follow_ups


def test_the_same_sends_give_the_same_outcomes_and_follow_ups(portfolio: Portfolio) -> None:
    assert run(portfolio) == run(portfolio)


def test_every_channel_produces_its_provider_statuses(portfolio: Portfolio) -> None:
    events, _ = run(portfolio)
    statuses = Counter((e.data.channel, e.data.status) for e in events if isinstance(e.data, ProviderStatus))
    assert {("sms", "delivered"), ("sms", "undelivered"), ("email", "delivered"), ("email", "open"),
            ("email", "click"), ("email", "bounce"), ("voice", "completed"), ("voice", "no-answer"),
            ("voice", "busy")} <= set(statuses)  # fmt: skip
    answered = Counter(e.data.answered_by for e in events if isinstance(e.data, ProviderStatus) and e.data.answered_by)
    assert answered["human"] > 0 and answered["machine_end_beep"] > 0
    codes = {e.data.error_code for e in events if isinstance(e.data, ProviderStatus) and e.data.status == "undelivered"}
    assert codes <= {"30006", "30003"} and codes
    assert all(e.delay > timedelta(0) for e in events)


def test_replies_come_in_both_languages_and_include_stop_promises_and_disputes(portfolio: Portfolio) -> None:
    events, _ = run(portfolio)
    texts = [e.data.text for e in events if isinstance(e.data, ProviderInbound)]
    lowered = " | ".join(texts).lower()
    assert "stop" in lowered and "i can pay $" in lowered and ("puedo pagar" in lowered or "le pago" in lowered)
    assert any(word in lowered for word in ("isn't my debt", "dispute", "no es mía", "disputo", "don't owe"))
    replies = [e.data for e in events if isinstance(e.data, ProviderInbound)]
    assert all(r.channel in ("sms", "email") and r.from_ for r in replies)


def test_promises_are_logged_upstream_and_payments_never_exceed_the_balance(portfolio: Portfolio) -> None:
    _, follow_ups = run(portfolio)
    kinds = Counter(kind for _, kind, _ in follow_ups)
    assert kinds["promise.created"] > 0 and kinds["payment.received"] > 0
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for at, kind, data in follow_ups:
        if isinstance(data, PaymentReceived):
            assert data.paid_at == at
            paid[data.account_id] += data.amount
        elif kind == "promise.created":
            assert isinstance(data, PromiseCreated)
    for account_id, amount in paid.items():
        assert amount <= portfolio.account(account_id).balance


def test_the_hour_a_message_lands_changes_how_often_debtors_engage(portfolio: Portfolio) -> None:
    behaviour = DebtorBehaviour(portfolio)
    evening = sum(behaviour.traits(d.id).attends("sms", "evening") for d in portfolio.debtors)
    morning = sum(behaviour.traits(d.id).attends("sms", "morning") for d in portfolio.debtors)
    midday_email = sum(behaviour.traits(d.id).attends("email", "midday") for d in portfolio.debtors)
    evening_email = sum(behaviour.traits(d.id).attends("email", "evening") for d in portfolio.debtors)
    assert evening > 1.5 * morning and midday_email > 1.8 * evening_email
    assert [hour_band(h) for h in (7, 8, 11, 14, 17, 21)] == [
        "night",
        "morning",
        "midday",
        "afternoon",
        "evening",
        "night",
    ]


async def test_the_demo_world_plugs_into_the_sandbox_channel_and_queues_follow_ups(portfolio: Portfolio) -> None:
    world = DemoWorld(portfolio)
    reported: list[tuple[datetime, str, object]] = []
    sandbox = SandboxChannel("sms", seed=9, outcome_model=world, clock=lambda: START,
                             on_event=lambda at, kind, data, _: reported.append((at, kind, data)))  # fmt: skip
    sent = [message for message, _ in messages(portfolio, per_debtor=3)]
    for message in sent:
        result = await sandbox.send(message)
        assert result.provider_message_id
    statuses = [d for _, kind, d in reported if isinstance(d, ProviderStatus)]
    assert statuses and all(s.provider_message_id.startswith(("SM", "CA")) or s.channel == "email" for s in statuses)
    by_send = {message.send_id: world.take_follow_ups(message.send_id) for message in sent}
    follow_ups = [event for events in by_send.values() for event in events]
    assert follow_ups and all(world.take_follow_ups(send) == [] for send in by_send)  # each taken once
    assert all(event.id.endswith(send) for send, events in by_send.items() for event in events)
    assert {e.type for e in follow_ups} <= {"payment.received", "promise.created"}
    assert all(e.subject and e.id.startswith("demo-5-") for e in follow_ups)
    assert [event["id"] for event in world.generated_cloudevents()] == [event.id for event in follow_ups]  # as taken


def landline_texts(portfolio: Portfolio) -> list[tuple[OutboundMessage, datetime]]:
    """An SMS to every landline of the portfolio: a carrier never delivers those (error 30006)."""
    return [
        (
            OutboundMessage(
                send_id=f"snd-{debtor.id}-landline",
                channel="sms",
                to=phone.number,
                body="Hi",
                debtor_id=debtor.id,
                account_ids=(portfolio.accounts[debtor.id][0].id,),
            ),
            START + timedelta(days=1, hours=10),
        )
        for debtor in portfolio.debtors
        for phone in debtor.phones
        if phone.type == "landline"
    ]


def reached_the_debtor(message: OutboundMessage, outcomes: Sequence[SimulatedEvent]) -> bool:
    """Delivered (SMS, email), answered by a person, or a voicemail left on the machine (it may be heard)."""
    statuses = [e.data for e in outcomes if isinstance(e.data, ProviderStatus)]
    if message.channel != "voice":
        return any(status.status == "delivered" for status in statuses)
    answered_by = {status.answered_by for status in statuses}
    voicemail_left = "machine_end_beep" in answered_by and message.voicemail is not None
    return "human" in answered_by or voicemail_left


def test_a_message_that_never_reached_the_debtor_causes_no_reply_promise_or_payment(portfolio: Portfolio) -> None:
    behaviour = DebtorBehaviour(portfolio)
    unreached: dict[str, int] = Counter()
    reached_follow_ups = 0
    for message, at in messages(portfolio) + landline_texts(portfolio):
        outcomes = behaviour.outcomes(message, at, random.Random(message.send_id))
        follow_ups = behaviour.follow_up_events(message, at, random.Random(message.send_id))
        if reached_the_debtor(message, outcomes):
            reached_follow_ups += len(follow_ups)
            continue
        unreached[message.channel] += 1
        assert not follow_ups, (message.send_id, [e.data for e in outcomes], follow_ups)
        assert not any(isinstance(e.data, ProviderInbound) for e in outcomes), message.send_id
        assert not any(isinstance(e.data, ProviderStatus) and e.data.status in ("open", "click") for e in outcomes)
    assert min(unreached.values()) >= 20 and set(unreached) == {"sms", "email", "voice"}, unreached
    assert reached_follow_ups > 0, "messages that did arrive must still cause promises and payments"
