"""The cancellation tombstone where workers race or stop: a send handed back to the schedule only
together with the record it was decided on, so no other worker can take it up (or close it) between the
hand-back and its record; a send that runs out of retries while an event cancels it; an in-flight entry
left behind by a worker that stopped; the cancellation announced before the send is closed.
Real redis-server, the sandbox channels held or switched by the test."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

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
from test_in_flight_cancellations import (
    FIRST_SMS,
    PHONE,
    PROMISE_CONFIRMATION,
    about,
    hold_send,
    part_payment,
    promise,
    record_of,
    refused_while,
    sent_ids,
)

from orchestrator.events import InboundEvent
from orchestrator.outbound import Retryable
from orchestrator.outputs import (
    MessageCancelled,
    MessageDispatched,
    MessageFailed,
    MessageRescheduled,
    MessageScheduled,
    MessageSuppressed,
    OutputEvent,
)
from orchestrator.service.api import handle_event, run_due
from parley.bootstrap import Runtime

REFUSAL = Retryable("twilio", "HTTP 503 sending", "20503", http_status=503)


def stop_reply(at: datetime) -> InboundEvent:
    """The debtor texts STOP: an opt-out, which suppresses the send at dispatch (no tombstone)."""
    data = {"channel": "sms", "from": PHONE, "to": "+18005550100", "text": "STOP"}
    return InboundEvent.model_validate(
        {"id": "in-stop", "type": "provider.inbound", "source": "test", "subject": "d1", "time": at, "data": data}
    )


async def pending_ids(runtime: Runtime) -> set[str]:
    return {send.send_id for send in await runtime.store.pending_sends("d1")}


async def reconciled_while_another_worker_ticks(
    runtime: Runtime, clock: Clock, landing: InboundEvent
) -> tuple[list[OutputEvent], list[OutputEvent]]:
    """Worker 0 stops before its provider call. After the lease, reconciler A asks the provider (it has
    nothing), and ``landing`` lands while it asks; as soon as A's first hand-back returns, worker B runs a
    tick of the same partition. A's outputs and B's."""
    sms, _ = switched_sms(runtime)
    sms.dies_before.add("d1")
    await handle_event(runtime.ctx, placed("d1", PHONE))
    with pytest.raises(WorkerDied):
        await run_due(runtime.ctx, 0, NOW)

    after_lease = NOW + runtime.ctx.lease + runtime.ctx.lease / 10
    clock.now = after_lease
    asking = sms.find_sent

    async def find_sent_while_an_event_lands(to: str, since: datetime, until: datetime) -> Any:
        sms.find_sent = asking
        await handle_event(runtime.ctx, landing)
        return await asking(to, since, until)

    sms.find_sent = find_sent_while_an_event_lands  # type: ignore[method-assign]
    store = runtime.ctx.store
    release = store.release_dispatch
    by_b: list[list[OutputEvent]] = []

    async def release_then_b_ticks(*args: Any, **kwargs: Any) -> Any:
        released = await release(*args, **kwargs)
        if not by_b:
            by_b.append(await run_due(runtime.ctx, 0, after_lease))
        return released

    store.release_dispatch = release_then_b_ticks  # type: ignore[method-assign]
    try:
        by_a = await run_due(runtime.ctx, 0, after_lease)
    finally:
        store.release_dispatch = release  # type: ignore[method-assign]
    return by_a, by_b[0]


async def test_a_payment_landing_while_a_reconciler_asks_the_provider_is_announced_once_as_cancelled(
    runtime: Runtime, clock: Clock
) -> None:
    """The hand-back misses the record's version: the send stays dispatching under A's claim (B finds
    nothing due), and A, reading the fresh record, closes it as cancelled — never "sent again"."""
    by_a, by_b = await reconciled_while_another_worker_ticks(runtime, clock, part_payment(NOW + timedelta(seconds=5)))

    assert about(by_b, FIRST_SMS, MessageCancelled) == [] and about(by_b, FIRST_SMS, MessageRescheduled) == []
    assert about(by_a, FIRST_SMS, MessageRescheduled) == []
    (cancellation,) = about(by_a, FIRST_SMS, MessageCancelled)
    assert (cancellation.reason, cancellation.cause_event_id) == ("payment.received", "pay-1")
    record = await record_of(runtime)
    assert record.in_flight == {} and all(attempt.id != FIRST_SMS for attempt in record.state.ledger)
    assert FIRST_SMS not in await pending_ids(runtime)

    clock.now = NOW + timedelta(days=1)
    await run_due(runtime.ctx, 0, clock.now)
    assert FIRST_SMS not in sent_ids(runtime)


async def test_a_stop_landing_while_a_reconciler_asks_the_provider_leaves_no_attempt_the_provider_never_took(
    runtime: Runtime, clock: Clock
) -> None:
    """The hand-back misses the record's version, and that event cancelled nothing: A hands the send back
    on the fresh record (its attempt out of the ledger), and the send is then suppressed by the opt-out.
    No attempt without a provider message stays in the ledger to count toward the caps."""
    by_a, by_b = await reconciled_while_another_worker_ticks(runtime, clock, stop_reply(NOW + timedelta(seconds=5)))

    assert about(by_b, FIRST_SMS, MessageSuppressed) == [] and about(by_b, FIRST_SMS, MessageRescheduled) == []
    assert len(about(by_a, FIRST_SMS, MessageRescheduled)) == 1
    record = await record_of(runtime)
    assert all(attempt.id != FIRST_SMS for attempt in record.state.ledger) and record.in_flight == {}

    suppressed = await run_due(runtime.ctx, 0, clock.now)  # handed back due now: worked again, the opt-out holds
    assert len(about(suppressed, FIRST_SMS, MessageSuppressed)) == 1
    record = await record_of(runtime)
    assert all(attempt.id != FIRST_SMS for attempt in record.state.ledger)
    assert record.in_flight == {} and FIRST_SMS not in await pending_ids(runtime)
    assert FIRST_SMS not in sent_ids(runtime)


async def test_a_send_cancelled_during_its_last_transient_refusal_is_announced_cancelled_not_failed(
    runtime: Runtime, clock: Clock
) -> None:
    runtime.ctx = replace(runtime.ctx, max_provider_retries=0)  # this refusal is its last
    held = hold_send(runtime, FIRST_SMS)
    await handle_event(runtime.ctx, placed("d1", PHONE))
    _, worked = await refused_while(runtime, held, NOW, part_payment(NOW + timedelta(seconds=5)), REFUSAL)

    assert about(worked, FIRST_SMS, MessageFailed) == []
    (cancellation,) = about(worked, FIRST_SMS, MessageCancelled)
    assert (cancellation.reason, cancellation.cause_event_id) == ("payment.received", "pay-1")
    record = await record_of(runtime)
    assert record.in_flight == {} and all(attempt.id != FIRST_SMS for attempt in record.state.ledger)
    assert FIRST_SMS not in await pending_ids(runtime)


async def test_a_send_out_of_retries_while_an_event_that_cancels_nothing_lands_fails_on_the_fresh_record(
    runtime: Runtime, clock: Clock
) -> None:
    runtime.ctx = replace(runtime.ctx, max_provider_retries=0)
    held = hold_send(runtime, FIRST_SMS)
    await handle_event(runtime.ctx, placed("d1", PHONE))
    _, worked = await refused_while(runtime, held, NOW, stop_reply(NOW + timedelta(seconds=5)), REFUSAL)

    (failed,) = about(worked, FIRST_SMS, MessageFailed)
    assert failed.retryable and about(worked, FIRST_SMS, MessageCancelled) == []
    record = await record_of(runtime)
    (attempt,) = [attempt for attempt in record.state.ledger if attempt.id == FIRST_SMS]
    assert attempt.outcome == "failed" and record.in_flight == {}
    assert record.state.opt_outs  # the STOP that landed during the call is kept
    assert FIRST_SMS not in await pending_ids(runtime)


async def test_an_in_flight_entry_left_by_a_worker_that_stopped_after_closing_its_send_is_pruned_by_the_next_dispatch(
    runtime: Runtime, clock: Clock
) -> None:
    """The provider takes the send while a payment lands; the worker closes the send, then stops before
    the fresh record says the call is over. The debtor's next dispatch writes the record without it."""
    sms, _ = switched_sms(runtime)
    await handle_event(runtime.ctx, placed("d1", PHONE))
    sending = sms.send

    async def send_while_a_payment_lands(message: Any) -> Any:
        result = await sending(message)
        await handle_event(runtime.ctx, part_payment(NOW + timedelta(seconds=5)))
        return result

    async def stops(*_: Any, **__: Any) -> Any:
        raise WorkerDied

    sms.send = send_while_a_payment_lands  # type: ignore[method-assign]
    store = runtime.ctx.store
    update_state = store.update_state
    store.update_state = stops  # type: ignore[method-assign]
    with pytest.raises(WorkerDied):
        await run_due(runtime.ctx, 0, NOW)
    store.update_state = update_state  # type: ignore[method-assign]
    sms.send = sending  # type: ignore[method-assign]
    assert FIRST_SMS in (await record_of(runtime)).in_flight and FIRST_SMS not in await pending_ids(runtime)

    planned = await handle_event(runtime.ctx, promise("promise-1", NOW, date(2026, 3, 10)))
    (due,) = [scheduled.due_at for scheduled in about(planned, PROMISE_CONFIRMATION, MessageScheduled)]
    clock.now = due
    worked = await run_due(runtime.ctx, 0, due)

    assert len(about(worked, PROMISE_CONFIRMATION, MessageDispatched)) == 1
    assert (await record_of(runtime)).in_flight == {}


async def test_a_cancellation_is_published_before_its_send_is_closed_and_again_after_a_stop_in_between(
    runtime: Runtime, clock: Clock
) -> None:
    """Outputs first, record second: the worker stops right after publishing ``message.cancelled``; the
    send is still pending with its tombstone, so reconciliation closes it and announces it again under
    the same event id (consumers de-duplicate) — never a closed send with no announcement."""
    published: list[tuple[OutputEvent, bool]] = []  # each output, and whether its send was pending then

    async def publish(outputs: Sequence[OutputEvent]) -> None:
        pending = FIRST_SMS in await pending_ids(runtime)
        first = not any(isinstance(output.data, MessageCancelled) for output, _ in published)
        published.extend((output, pending) for output in outputs)
        if first and any(isinstance(output.data, MessageCancelled) for output in outputs):
            raise WorkerDied

    held = hold_send(runtime, FIRST_SMS)
    runtime.ctx = replace(runtime.ctx, publish=publish)
    await handle_event(runtime.ctx, placed("d1", PHONE))
    running = asyncio.create_task(run_due(runtime.ctx, 0, NOW))
    await asyncio.wait_for(held.in_call.wait(), timeout=10)
    await handle_event(runtime.ctx, part_payment(NOW + timedelta(seconds=5)))
    held.answer.set_result(REFUSAL)
    with pytest.raises(WorkerDied):
        await asyncio.wait_for(running, timeout=10)

    (first, was_pending) = next((o, p) for o, p in published if isinstance(o.data, MessageCancelled))
    assert was_pending and FIRST_SMS in await pending_ids(runtime)

    clock.now = NOW + timedelta(days=1)  # past the lease and the backoff: reconciled
    await run_due(runtime.ctx, 0, clock.now)
    again = [(o, p) for o, p in published if isinstance(o.data, MessageCancelled)]
    assert [o.id for o, _ in again] == [first.id, first.id] and all(p for _, p in again)
    assert FIRST_SMS not in await pending_ids(runtime) and FIRST_SMS not in sent_ids(runtime)
    assert (await record_of(runtime)).in_flight == {}
