"""Reconciling an interrupted send to a number debtors share (a household's phone): a message the provider
holds for that number may be another debtor's, so it is never credited to the interrupted send. Real
redis-server, the sandbox channels."""

from __future__ import annotations

from datetime import timedelta

import pytest
from due_support import (  # noqa: F401 - the clock and runtime fixtures
    NOW,
    Clock,
    WorkerDied,
    clock_fixture,
    clocked_runtime_fixture,
    placed,
    sms_sent_to,
    switched_sms,
    types_for,
)

from orchestrator.outputs import MessageDispatched, OutputEvent
from orchestrator.service.api import handle_event, run_due
from orchestrator.storage import SendStatus
from parley.bootstrap import Runtime

HOUSEHOLD = "+12125550199"


def provider_ids(outputs: list[OutputEvent], debtor_id: str) -> list[str]:
    dispatched = [o.data for o in outputs if isinstance(o.data, MessageDispatched)]
    return [d.provider_message_id for d in dispatched if d.debtor_id == debtor_id]


async def interrupted(runtime: Runtime, debtor_id: str) -> str:
    """Place the debtor on the household number; the worker dies before the provider call of its SMS,
    whose send id this returns."""
    with pytest.raises(WorkerDied):
        await run_due(runtime.ctx, 0, NOW)
    sends = await runtime.store.pending_sends(debtor_id)
    (stuck,) = [s.send_id for s in sends if s.status == SendStatus.DISPATCHING]
    return stuck


def about(outputs: list[OutputEvent], send_id: str) -> list[str]:
    return [output.type for output in outputs if getattr(output.data, "send_id", None) == send_id]


async def test_a_send_interrupted_before_the_call_is_not_credited_with_a_housemates_message(
    runtime: Runtime, clock: Clock
) -> None:
    """A's SMS is interrupted before the provider call; 20 s later B (same number) gets an SMS. After the
    lease the provider lists B's message for the number: it is B's, so A's was never sent and goes once."""
    sms, sandbox = switched_sms(runtime)
    sms.dies_before.add("dA")
    await handle_event(runtime.ctx, placed("dA", HOUSEHOLD))
    await interrupted(runtime, "dA")

    clock.now = NOW + timedelta(seconds=20)
    await handle_event(runtime.ctx, placed("dB", HOUSEHOLD, at=clock.now))
    (b_sid,) = provider_ids(await run_due(runtime.ctx, 0, clock.now), "dB")

    clock.now = NOW + runtime.ctx.lease + timedelta(seconds=1)
    reconciled = await run_due(runtime.ctx, 0, clock.now)
    assert b_sid not in provider_ids(reconciled, "dA")
    assert "message.rescheduled" in types_for(reconciled, "dA")
    resent = await run_due(runtime.ctx, 0, clock.now)
    (a_sid,) = provider_ids(resent, "dA")
    assert sms_sent_to(sandbox, "dA") == [a_sid] and a_sid != b_sid


async def test_with_a_housemates_send_in_doubt_too_the_outcome_is_unknown_not_guessed(
    runtime: Runtime, clock: Clock
) -> None:
    """A's SMS is interrupted before the call, B's (same number) after it: the provider holds one message
    for the number, and either could own it. Neither is credited with it: both are outcome_unknown."""
    sms, sandbox = switched_sms(runtime)
    sms.dies_before.add("dA")
    await handle_event(runtime.ctx, placed("dA", HOUSEHOLD))
    await interrupted(runtime, "dA")

    clock.now = NOW + timedelta(seconds=20)
    await handle_event(runtime.ctx, placed("dB", HOUSEHOLD, at=clock.now))
    sms.dies_after.add("dB")
    with pytest.raises(WorkerDied):
        await run_due(runtime.ctx, 0, clock.now)
    assert len(sms_sent_to(sandbox, "dB")) == 1

    clock.now = NOW + timedelta(seconds=20) + runtime.ctx.lease + timedelta(seconds=1)
    reconciled = await run_due(runtime.ctx, 0, clock.now, concurrency=64)
    assert provider_ids(reconciled, "dA") == [] and provider_ids(reconciled, "dB") == []
    assert "message.outcome_unknown" in types_for(reconciled, "dA")
    assert "message.outcome_unknown" in types_for(reconciled, "dB")
    assert sms_sent_to(sandbox, "dA") == []


async def test_while_a_housemates_send_may_still_be_in_its_provider_call_the_send_waits_a_lease(
    runtime: Runtime, clock: Clock
) -> None:
    """A's SMS was interrupted; B's SMS to the same number has just begun (its worker may be in its provider
    call, its provider id unknown yet). A is neither credited nor given up: it waits for the next lease."""
    sms, _ = switched_sms(runtime)
    sms.dies_before.add("dA")
    sms.dies_after.add("dB")
    await handle_event(runtime.ctx, placed("dA", HOUSEHOLD))
    stuck = await interrupted(runtime, "dA")

    began_b = NOW + runtime.ctx.lease - timedelta(seconds=5)
    clock.now = began_b
    await handle_event(runtime.ctx, placed("dB", HOUSEHOLD, at=began_b))
    with pytest.raises(WorkerDied):  # B's message reached the provider; its record is not written yet
        await run_due(runtime.ctx, 0, began_b)

    clock.now = NOW + runtime.ctx.lease + timedelta(seconds=1)  # A's lease is over, B's is not
    # Whether A's other first notice (an e-mail it has no address for) is worked before or after its SMS
    # depends on the order of their ids: only the SMS matters here.
    assert about(await run_due(runtime.ctx, 0, clock.now), stuck) == []
    sends = await runtime.store.pending_sends("dA")
    assert [s.status for s in sends].count(SendStatus.DISPATCHING) == 1
