"""A dispatch interrupted between its provider call and its record is reconciled with the provider, not
guessed; one raced by an event for the same debtor during the provider call keeps both outcomes.

The service runs on a real redis-server and the sandbox channel. A "crash" is a BaseException raised
around the real channel call — before it (the provider never got the send) or after it (the provider
accepted it but the record was never written) — which is what a killed worker leaves behind.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from channels.sandbox import SandboxChannel
from orchestrator.events import (
    Account,
    AccountPlaced,
    DebtorProfile,
    InboundEvent,
    Name,
    PaymentMissed,
    PaymentReceived,
    Phone,
)
from orchestrator.outbound import OutboundMessage, SendResult, Throttled
from orchestrator.outputs import MessageCancelled, MessageDispatched, MessageRescheduled, OutputEvent
from orchestrator.service.api import handle_event, run_due
from orchestrator.service.dispatch import dispatch_due
from orchestrator.service.record import DebtorRecord
from orchestrator.storage import SendRef, SendStatus
from parley.bootstrap import Runtime, build_runtime
from parley.settings import Settings

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York


class WorkerDied(BaseException):
    """Stands for the process being killed: nothing after it runs."""


class HookedChannel:
    """Wraps a real sandbox channel; runs ``before`` and ``after`` around handing it the send."""

    def __init__(
        self,
        inner: SandboxChannel,
        before: Callable[[], Awaitable[None]] | None = None,
        after: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.inner, self.before, self.after = inner, before, after
        self.channel, self.limits = inner.channel, inner.limits

    async def send(self, message: OutboundMessage) -> SendResult:
        if self.before is not None:
            await self.before()
        result = await self.inner.send(message)
        if self.after is not None:
            await self.after()
        return result

    async def find_sent(self, to: str, since: datetime, until: datetime) -> list[SendResult] | None:
        return await self.inner.find_sent(to, since, until)  # type: ignore[return-value]

    async def close(self) -> None:
        await self.inner.close()


def dies_once() -> Callable[[], Awaitable[None]]:
    died: list[bool] = []

    async def die() -> None:
        if not died:
            died.append(True)
            raise WorkerDied

    return die


@pytest.fixture
async def runtime(redis_url: str, key_prefix: str) -> AsyncIterator[Runtime]:
    settings = Settings(state_url=redis_url, key_prefix=key_prefix.rstrip(":"), quiet_days=False)
    clock = {"now": NOW}
    built = await build_runtime(settings, partition_of=lambda _d: 0, sandbox_kwargs={"clock": lambda: clock["now"]})
    try:
        yield built
    finally:
        await built.aclose()


def placed() -> InboundEvent:
    debtor = DebtorProfile(
        id="d-rec",
        name=Name(first="Ana"),
        timezone="America/New_York",
        phones=(Phone(number="+12125550123", sms_consent=True, call_consent=True),),
    )
    data = AccountPlaced(debtor=debtor, account=Account(id="A", creditor="Acme", balance=Decimal("90.00")))
    return InboundEvent(id="placed-rec", type="account.placed", source="test", subject="d-rec", time=NOW, data=data)


def only_sms(runtime: Runtime, when: str) -> tuple[HookedChannel, SandboxChannel]:
    """SMS through the sandbox, with the worker dying once ``before`` or ``after`` the provider call."""
    sandbox = runtime.channels["sms"]
    assert isinstance(sandbox, SandboxChannel)
    hooked = HookedChannel(sandbox, **{when: dies_once()})
    runtime.ctx = replace(runtime.ctx, channels={**runtime.ctx.channels, "sms": hooked})
    return hooked, sandbox


async def work_all_due(runtime: Runtime, at: datetime) -> list[OutputEvent]:
    """Work the due sends until the worker dies (what it published before dying is lost with it)."""
    try:
        return await run_due(runtime.ctx, 0, at)
    except WorkerDied:
        return []


def dispatched_sms(outputs: list[OutputEvent]) -> list[MessageDispatched]:
    return [o.data for o in outputs if isinstance(o.data, MessageDispatched) and o.data.channel == "sms"]


async def test_a_send_the_provider_never_got_is_sent_exactly_once_after_the_lease(runtime: Runtime) -> None:
    _, sandbox = only_sms(runtime, when="before")
    await handle_event(runtime.ctx, placed())
    first = await work_all_due(runtime, NOW)
    assert dispatched_sms(first) == [] and len(sandbox.sent) == 0

    after_lease = NOW + runtime.ctx.lease + timedelta(seconds=1)
    reconciled = await run_due(runtime.ctx, 0, after_lease)
    assert any(isinstance(o.data, MessageRescheduled) for o in reconciled)
    resent = reconciled + await run_due(runtime.ctx, 0, after_lease)
    assert len(dispatched_sms(resent)) == 1
    assert [s.message.channel for s in sandbox.sent if s.result] == ["sms"]


async def test_a_send_the_provider_accepted_is_recorded_not_sent_again(runtime: Runtime) -> None:
    _, sandbox = only_sms(runtime, when="after")
    await handle_event(runtime.ctx, placed())
    await work_all_due(runtime, NOW)
    assert len(sandbox.sent) == 1

    after_lease = NOW + runtime.ctx.lease + timedelta(seconds=1)
    reconciled = await run_due(runtime.ctx, 0, after_lease)
    recorded = dispatched_sms(reconciled)
    assert [d.provider_message_id for d in recorded] == [sandbox.sent[0].result.provider_message_id]  # type: ignore[union-attr]
    assert await run_due(runtime.ctx, 0, after_lease + timedelta(minutes=5)) == []
    assert len(sandbox.sent) == 1


async def test_within_the_lease_an_interrupted_send_is_left_to_its_worker(runtime: Runtime) -> None:
    _, sandbox = only_sms(runtime, when="before")
    await handle_event(runtime.ctx, placed())
    await work_all_due(runtime, NOW)
    pending = [r for r in await runtime.store.pending_sends("d-rec") if r.status == SendStatus.DISPATCHING]
    assert len(pending) == 1
    ref = SendRef("d-rec", pending[0].send_id)
    assert await dispatch_due(runtime.ctx, ref, NOW + timedelta(seconds=5)) == []
    after = await runtime.store.get_send("d-rec", ref.send_id)
    assert after is not None and after.status == SendStatus.DISPATCHING
    assert len(sandbox.sent) == 0


async def test_an_event_during_the_provider_call_keeps_its_effect_and_the_send_gets_its_provider_id(
    runtime: Runtime,
) -> None:
    sandbox = runtime.channels["sms"]
    assert isinstance(sandbox, SandboxChannel)
    missed = InboundEvent(
        id="missed-rec",
        type="payment.missed",
        source="test",
        subject="d-rec",
        time=NOW,
        data=PaymentMissed(account_id="A", amount_due=Decimal("10.00"), due_date=NOW.date()),
    )
    landed: list[list[OutputEvent]] = []

    async def an_event_lands() -> None:
        if not landed:
            landed.append(await handle_event(runtime.ctx, missed))

    hooked = HookedChannel(sandbox, after=an_event_lands)
    runtime.ctx = replace(runtime.ctx, channels={**runtime.ctx.channels, "sms": hooked})
    await handle_event(runtime.ctx, placed())
    (sent,) = dispatched_sms(await run_due(runtime.ctx, 0, NOW))

    assert landed  # the payment.missed committed while the SMS was at the provider
    loaded = await runtime.store.load("d-rec", "after")
    assert loaded.state is not None
    record = DebtorRecord.from_bytes(loaded.state)
    assert record.has_seen(missed.identity)  # its effect survived the send's record...
    (attempt,) = [a for a in record.state.ledger if a.id == sent.send_id]
    assert attempt.provider_message_id == sent.provider_message_id  # ...and the send's record survived it
    assert record.planned_before(sent.send_id)


async def test_a_send_handed_back_while_an_event_landed_leaves_the_ledger_and_stays_cancellable(
    runtime: Runtime,
) -> None:
    """The provider throttles the SMS while a payment.missed for the debtor commits: the send goes back on
    the schedule, its attempt out of the ledger, and the debtor's record lists it as pending again, so a
    payment cancels it."""
    sandbox = runtime.channels["sms"]
    assert isinstance(sandbox, SandboxChannel)
    missed = InboundEvent(
        id="missed-back",
        type="payment.missed",
        source="test",
        subject="d-rec",
        time=NOW,
        data=PaymentMissed(account_id="A", amount_due=Decimal("10.00"), due_date=NOW.date()),
    )

    async def an_event_lands_then_throttled() -> None:
        await handle_event(runtime.ctx, missed)
        raise Throttled("twilio", "Too Many Requests", "20429", retry_after=30.0)

    hooked = HookedChannel(sandbox, before=an_event_lands_then_throttled)
    runtime.ctx = replace(runtime.ctx, channels={**runtime.ctx.channels, "sms": hooked})
    await handle_event(runtime.ctx, placed())
    outputs = await run_due(runtime.ctx, 0, NOW)
    (moved,) = [o.data for o in outputs if isinstance(o.data, MessageRescheduled)]

    loaded = await runtime.store.load("d-rec", "after")
    assert loaded.state is not None
    record = DebtorRecord.from_bytes(loaded.state)
    assert record.has_seen(missed.identity)
    assert [a.id for a in record.state.ledger if a.id == moved.send_id] == []  # no call that never happened
    assert moved.send_id in record.pending and not record.planned_before(moved.send_id)
    send = await runtime.store.get_send("d-rec", moved.send_id)
    assert send is not None and send.status == SendStatus.SCHEDULED

    paid = InboundEvent(
        id="paid-back",
        type="payment.received",
        source="test",
        subject="d-rec",
        time=NOW + timedelta(seconds=5),
        data=PaymentReceived(account_id="A", amount=Decimal("90.00"), paid_at=NOW),
    )
    cancelled = [o.data for o in await handle_event(runtime.ctx, paid) if isinstance(o.data, MessageCancelled)]
    assert moved.send_id in [c.send_id for c in cancelled]
