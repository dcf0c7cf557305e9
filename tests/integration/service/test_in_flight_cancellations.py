"""A cancellation that lands while its send is at the provider: the provider call cannot be called back,
so the debtor's record marks the send (the tombstone); if the provider then refuses it transiently, or
reconciliation finds it never took it, the send is closed as cancelled instead of going back to the
schedule. If the provider took it, it went: it is recorded as dispatched, and nothing is cancelled.
Real redis-server, the sandbox channels held in their provider call by the test."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

import pytest
from due_support import (  # noqa: F401 - the clock and runtime fixtures
    NOW,
    Clock,
    WorkerDied,
    clock_fixture,
    clocked_runtime_fixture,
    placed,
    switched_sms,
)

from channels.sandbox import SandboxChannel
from orchestrator.events import Contract, InboundEvent, PaymentReceived, PromiseCreated
from orchestrator.ids import event_identity, send_id
from orchestrator.outbound import OutboundMessage, ProviderError, Retryable, SendResult, Throttled
from orchestrator.outputs import (
    MessageCancelled,
    MessageDispatched,
    MessageRescheduled,
    MessageScheduled,
    OutputEvent,
)
from orchestrator.service.api import handle_event, run_due
from orchestrator.service.record import DebtorRecord, InFlight, Tombstone
from parley.bootstrap import Runtime

Announced = TypeVar("Announced", MessageCancelled, MessageDispatched, MessageRescheduled, MessageScheduled)
PHONE = "+12125550111"
FIRST_SMS = send_id(event_identity("test", "placed-d1"), "first_notice_sms")
PROMISE_CONFIRMATION = send_id(event_identity("test", "promise-1"), "promise_confirmation")


class HeldChannel:
    """A sandbox channel whose provider call for one send waits until the test answers it: with a
    provider error (the provider refused the send) or with None (the provider takes it). A test double
    of our own ``Channel`` port around the real sandbox adapter."""

    def __init__(self, inner: SandboxChannel, held: str) -> None:
        self.inner, self.held = inner, held
        self.channel, self.limits = inner.channel, inner.limits
        self.in_call = asyncio.Event()
        self.answer: asyncio.Future[ProviderError | None] = asyncio.get_running_loop().create_future()

    async def send(self, message: OutboundMessage) -> SendResult:
        if message.send_id == self.held:
            self.in_call.set()
            error = await self.answer
            if error is not None:
                raise error
        return await self.inner.send(message)

    async def find_sent(self, to: str, since: datetime, until: datetime) -> list[SendResult] | None:
        return list(await self.inner.find_sent(to, since, until) or [])

    async def close(self) -> None:
        await self.inner.close()


def hold_send(runtime: Runtime, held: str) -> HeldChannel:
    """Route the runtime's SMS through a ``HeldChannel`` holding ``held`` in its provider call."""
    sandbox = runtime.channels["sms"]
    assert isinstance(sandbox, SandboxChannel)
    channel = HeldChannel(sandbox, held)
    runtime.ctx = replace(runtime.ctx, channels={**runtime.ctx.channels, "sms": channel})
    return channel


def account_event(event_id: str, event_type: str, at: datetime, data: Contract) -> InboundEvent:
    return InboundEvent(id=event_id, type=event_type, source="test", subject="d1", time=at, data=data)


def part_payment(at: datetime) -> InboundEvent:
    """A payment leaving part of the balance: the account stays open, only its pending sends go."""
    return account_event(
        "pay-1", "payment.received", at, PaymentReceived(account_id="A-d1", amount=Decimal("30.00"), paid_at=at)
    )


def promise(event_id: str, at: datetime, due: date) -> InboundEvent:
    return account_event(
        event_id, "promise.created", at, PromiseCreated(account_id="A-d1", amount=Decimal(50), due_date=due)
    )


def about(outputs: Sequence[OutputEvent], send: str, kind: type[Announced]) -> list[Announced]:
    """What ``outputs`` of ``kind`` say about ``send``."""
    return [o.data for o in outputs if isinstance(o.data, kind) and o.data.send_id == send]


def sent_ids(runtime: Runtime) -> list[str]:
    """The send ids the sandbox SMS provider accepted."""
    sandbox = runtime.channels["sms"]
    assert isinstance(sandbox, SandboxChannel)
    return [s.message.send_id for s in sandbox.sent if s.result is not None]


async def record_of(runtime: Runtime) -> DebtorRecord:
    loaded = await runtime.store.load("d1", "probe")
    assert loaded.state is not None
    return DebtorRecord.from_bytes(loaded.state)


async def refused_while(
    runtime: Runtime, held: HeldChannel, at: datetime, event: InboundEvent, error: ProviderError | None
) -> tuple[list[OutputEvent], list[OutputEvent]]:
    """Work the due sends at ``at``; while ``held`` is in its provider call, ``event`` lands (in its two
    store round trips, as any event); then the provider answers with ``error`` (None: it takes the
    send). The event's outputs and the run's."""
    running = asyncio.create_task(run_due(runtime.ctx, 0, at))
    await asyncio.wait_for(held.in_call.wait(), timeout=10)
    runtime.connection.round_trips.reset()
    landed = await handle_event(runtime.ctx, event)
    assert runtime.connection.round_trips.count == 2
    held.answer.set_result(error)
    return landed, await asyncio.wait_for(running, timeout=10)


@pytest.mark.parametrize(
    "refusal",
    [
        Retryable("twilio", "HTTP 503 sending", "20503", http_status=503),
        Throttled("twilio", "HTTP 429 too many requests", "20429", retry_after=30),
    ],
    ids=["5xx", "429"],
)
async def test_a_part_payment_during_the_provider_call_cancels_the_send_the_provider_then_refuses(
    runtime: Runtime, clock: Clock, refusal: ProviderError
) -> None:
    held = hold_send(runtime, FIRST_SMS)
    await handle_event(runtime.ctx, placed("d1", PHONE))
    landed, worked = await refused_while(runtime, held, NOW, part_payment(NOW + timedelta(seconds=5)), refusal)

    assert about(landed, FIRST_SMS, MessageCancelled) == []  # at the provider: it cannot be called back yet
    assert about(worked, FIRST_SMS, MessageRescheduled) == []
    (cancellation,) = about(worked, FIRST_SMS, MessageCancelled)
    assert (cancellation.reason, cancellation.cause_event_id) == ("payment.received", "pay-1")
    assert cancellation.account_ids == ("A-d1",)
    assert FIRST_SMS not in {send.send_id for send in await runtime.store.pending_sends("d1")}
    record = await record_of(runtime)
    assert FIRST_SMS not in record.pending and record.in_flight == {}
    assert all(attempt.id != FIRST_SMS for attempt in record.state.ledger)  # the provider never took it

    later = NOW + timedelta(days=1)  # well past the backoff
    clock.now = later
    after = await run_due(runtime.ctx, 0, later)
    assert about(after, FIRST_SMS, MessageDispatched) == []
    assert FIRST_SMS not in sent_ids(runtime)


async def test_a_new_promise_during_the_provider_call_supersedes_the_earlier_confirmation_it_refuses(
    runtime: Runtime, clock: Clock
) -> None:
    """The cancellation by purpose: promise-2 supersedes promise-1's confirmation, which is at the provider."""
    held = hold_send(runtime, PROMISE_CONFIRMATION)
    await handle_event(runtime.ctx, placed("d1", PHONE))
    planned = await handle_event(runtime.ctx, promise("promise-1", NOW, date(2026, 3, 10)))
    (due,) = [scheduled.due_at for scheduled in about(planned, PROMISE_CONFIRMATION, MessageScheduled)]
    clock.now = due
    refusal = Retryable("twilio", "HTTP 503 sending", "20503", http_status=503)
    second = promise("promise-2", due + timedelta(seconds=5), date(2026, 3, 13))
    _, worked = await refused_while(runtime, held, due, second, refusal)

    (cancellation,) = about(worked, PROMISE_CONFIRMATION, MessageCancelled)
    assert cancellation.reason == "promise.created: supersedes the pending promise_confirmation"
    assert cancellation.cause_event_id == "promise-2"
    assert about(worked, PROMISE_CONFIRMATION, MessageRescheduled) == []

    clock.now = due + timedelta(days=1)
    await run_due(runtime.ctx, 0, clock.now)
    assert PROMISE_CONFIRMATION not in sent_ids(runtime)


async def test_a_dispute_by_reply_during_the_provider_call_cancels_the_send_the_provider_then_refuses(
    runtime: Runtime, clock: Clock
) -> None:
    """A hold placed by the debtor's reply reaches a send in flight as the same hold placed upstream would."""
    held = hold_send(runtime, FIRST_SMS)
    await handle_event(runtime.ctx, placed("d1", PHONE))
    data = {"channel": "sms", "from": PHONE, "to": "+18005550100", "text": "I dispute this debt"}
    reply = InboundEvent.model_validate(
        {"id": "in-1", "type": "provider.inbound", "source": "test", "subject": "d1", "time": NOW, "data": data}
    )
    refusal = Retryable("twilio", "HTTP 503 sending", "20503", http_status=503)
    _, worked = await refused_while(runtime, held, NOW, reply, refusal)

    (cancellation,) = about(worked, FIRST_SMS, MessageCancelled)
    assert (cancellation.reason, cancellation.cause_event_id) == ("reply: dispute", "in-1")
    clock.now = NOW + timedelta(days=1)
    await run_due(runtime.ctx, 0, clock.now)
    assert FIRST_SMS not in sent_ids(runtime)


async def test_a_send_the_provider_takes_while_a_payment_lands_is_recorded_as_dispatched_and_not_cancelled(
    runtime: Runtime, clock: Clock
) -> None:
    held = hold_send(runtime, FIRST_SMS)
    await handle_event(runtime.ctx, placed("d1", PHONE))
    landed, worked = await refused_while(runtime, held, NOW, part_payment(NOW + timedelta(seconds=5)), None)

    assert about(landed + worked, FIRST_SMS, MessageCancelled) == []
    assert len(about(worked, FIRST_SMS, MessageDispatched)) == 1
    record = await record_of(runtime)
    (attempt,) = [a for a in record.state.ledger if a.id == FIRST_SMS]
    assert attempt.provider_message_id
    assert FIRST_SMS not in record.pending and record.in_flight == {} and record.planned_before(FIRST_SMS)
    assert FIRST_SMS not in {send.send_id for send in await runtime.store.pending_sends("d1")}

    clock.now = NOW + timedelta(days=1)
    await run_due(runtime.ctx, 0, clock.now)
    assert sent_ids(runtime).count(FIRST_SMS) == 1


async def test_a_send_interrupted_before_its_provider_call_and_cancelled_meanwhile_is_closed_on_reconciliation(
    runtime: Runtime, clock: Clock
) -> None:
    """The worker dies before handing the SMS over; a part payment lands; after the lease the provider
    has no such message: the send is closed as cancelled, not sent again."""
    sms, sandbox = switched_sms(runtime)
    sms.dies_before.add("d1")
    await handle_event(runtime.ctx, placed("d1", PHONE))
    with pytest.raises(WorkerDied):
        await run_due(runtime.ctx, 0, NOW)
    landed = await handle_event(runtime.ctx, part_payment(NOW + timedelta(seconds=5)))
    assert about(landed, FIRST_SMS, MessageCancelled) == []

    after_lease = NOW + runtime.ctx.lease + runtime.ctx.lease / 10
    clock.now = after_lease
    reconciled = await run_due(runtime.ctx, 0, after_lease)
    assert about(reconciled, FIRST_SMS, MessageRescheduled) == []
    (cancellation,) = about(reconciled, FIRST_SMS, MessageCancelled)
    assert (cancellation.reason, cancellation.cause_event_id) == ("payment.received", "pay-1")

    clock.now = NOW + timedelta(days=1)
    await run_due(runtime.ctx, 0, clock.now)
    assert FIRST_SMS not in [s.message.send_id for s in sandbox.sent if s.result is not None]
    assert FIRST_SMS not in {send.send_id for send in await runtime.store.pending_sends("d1")}


async def test_a_handed_back_send_whose_record_holds_a_tombstone_is_closed_as_cancelled_when_worked(
    runtime: Runtime, clock: Clock
) -> None:
    """The worker stopped after handing the send back to the schedule and before closing it (an event had
    cancelled it during the call): whoever works it next closes it as cancelled and never sends it."""
    await handle_event(runtime.ctx, placed("d1", PHONE))
    loaded = await runtime.store.load("d1", "probe")
    assert loaded.state is not None
    record = DebtorRecord.from_bytes(loaded.state)
    stone = InFlight(("A-d1",), "first_notice", Tombstone("payment.received", "pay-1"))
    left = replace(record, in_flight={FIRST_SMS: stone})
    assert (await runtime.store.update_state("d1", loaded.version, left.to_bytes())).ok

    worked = await run_due(runtime.ctx, 0, NOW)
    (cancellation,) = about(worked, FIRST_SMS, MessageCancelled)
    assert (cancellation.reason, cancellation.cause_event_id) == ("payment.received", "pay-1")
    assert about(worked, FIRST_SMS, MessageDispatched) == [] and FIRST_SMS not in sent_ids(runtime)
    after = await record_of(runtime)
    assert FIRST_SMS not in after.pending and after.in_flight == {} and after.planned_before(FIRST_SMS)
    assert FIRST_SMS not in {send.send_id for send in await runtime.store.pending_sends("d1")}
