"""One claimed send that fails does not take the other sends of its claim with it: their effects are in
Redis, so their outputs must be returned; the failing send stays claimed and is worked again after the
lease. A provider that cannot list what it accepted right now leaves an interrupted send for the next
lease. Real redis-server, the sandbox channels."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

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

from orchestrator.outputs import OutputEvent
from orchestrator.service.api import handle_event, run_due
from orchestrator.storage import SendStatus
from parley.bootstrap import Runtime


class BrokerDown(Exception):
    """What the publisher raises when Kafka refuses a produce request."""


async def dispatching(runtime: Runtime, debtor_id: str) -> int:
    """How many of the debtor's sends are ``dispatching`` (begun, their outcome not recorded)."""
    return sum(send.status == SendStatus.DISPATCHING for send in await runtime.store.pending_sends(debtor_id))


async def test_a_send_whose_outputs_cannot_be_published_leaves_the_other_sends_outputs_returned(
    runtime: Runtime, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    """The broker refuses B's message.dispatched: B's SMS (which the provider has) stays claimed and
    ``dispatching``; A's outputs — among them the suppressed email step — are returned; after the lease
    B is reconciled and announced, never sent twice."""
    _, sandbox = switched_sms(runtime)
    await handle_event(runtime.ctx, placed("dA", "+12125550111"))
    await handle_event(runtime.ctx, placed("dB", "+12125550122"))
    published: list[OutputEvent] = []
    broker_down = True

    async def publish(outputs: Sequence[OutputEvent]) -> None:
        if broker_down and any(output.subject == "dB" for output in outputs):
            raise BrokerDown("produce request refused: NOT_ENOUGH_REPLICAS")
        published.extend(outputs)

    runtime.ctx = replace(runtime.ctx, publish=publish)

    with caplog.at_level(logging.ERROR):
        returned = await run_due(runtime.ctx, 0, NOW, concurrency=64)

    assert "message.suppressed" in types_for(returned, "dA")
    assert "message.dispatched" in types_for(published, "dA")
    assert await dispatching(runtime, "dB") == 1
    assert any("BrokerDown" in record.getMessage() and "dB" in record.getMessage() for record in caplog.records)

    broker_down = False
    after_lease = NOW + runtime.ctx.lease + runtime.ctx.lease / 10
    clock.now = after_lease
    await run_due(runtime.ctx, 0, after_lease, concurrency=64)
    assert "message.dispatched" in types_for(published, "dB")
    assert await dispatching(runtime, "dB") == 0
    assert len(sms_sent_to(sandbox, "dB")) == 1


async def test_a_provider_whose_list_api_fails_leaves_the_interrupted_send_for_the_next_lease(
    runtime: Runtime, clock: Clock
) -> None:
    """The reviewer's scenario: B's SMS was interrupted before the provider call; when it is reconciled,
    Twilio's list API answers 503. run_due does not raise, A's outputs of the same claim are returned, and
    B's send waits for the next lease — then it is found unsent and goes once."""
    sms, sandbox = switched_sms(runtime)
    sms.dies_before.add("dB")
    await handle_event(runtime.ctx, placed("dB", "+12125550122"))
    with pytest.raises(WorkerDied):
        await run_due(runtime.ctx, 0, NOW)
    assert await dispatching(runtime, "dB") == 1

    later = NOW + runtime.ctx.lease + runtime.ctx.lease / 10
    clock.now = later
    await handle_event(runtime.ctx, placed("dA", "+12125550111", at=later))
    sms.listing_fails = True
    returned = await run_due(runtime.ctx, 0, later, concurrency=64)

    assert "message.suppressed" in types_for(returned, "dA")  # A has no email address
    assert "message.outcome_unknown" not in types_for(returned, "dB")
    assert await dispatching(runtime, "dB") == 1
    assert sms_sent_to(sandbox, "dB") == []

    sms.listing_fails = False
    next_lease = later + runtime.ctx.lease + runtime.ctx.lease / 10
    clock.now = next_lease
    reconciled = await run_due(runtime.ctx, 0, next_lease)
    assert "message.rescheduled" in types_for(reconciled, "dB")
    resent = await run_due(runtime.ctx, 0, next_lease)
    assert "message.dispatched" in types_for(resent, "dB")
    assert len(sms_sent_to(sandbox, "dB")) == 1
