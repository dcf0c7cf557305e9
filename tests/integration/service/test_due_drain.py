"""The worker's drain of a partition's due sends goes on while claims come back full: in the worker a send
that went publishes its own outputs, so a claim of sends that all went returns none, and that must not
end the drain. Real redis-server, the sandbox channels."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace

import pytest
from due_support import NOW, clock_fixture, clocked_runtime_fixture, placed  # noqa: F401 - the clock and runtime fixtures

from consumers.work import DueDrain, WorkInFlight
from orchestrator.outputs import MessageDispatched, OutputEvent
from orchestrator.service.api import handle_event
from parley.bootstrap import Runtime

CLAIM = 128


async def test_one_drain_works_every_due_send_not_just_the_first_claim(runtime: Runtime) -> None:
    for n in range(100):  # a phone and an address each: two sends due at once, 200 in all
        await handle_event(runtime.ctx, placed(f"d{n}", f"+1212555{n:04d}", email=f"d{n}@example.com"))
    published: list[OutputEvent] = []

    async def publish(outputs: Sequence[OutputEvent]) -> None:
        published.extend(outputs)

    ctx = replace(runtime.ctx, publish=publish)
    drain = DueDrain(WorkInFlight(), publish, asyncio.Semaphore(64), limit=CLAIM, rounds=64, clock=lambda: NOW)

    await drain(ctx, 0)

    assert await ctx.store.claim_due(0, int(NOW.timestamp() * 1000), 1000, 1000) == []  # none still due
    assert len({o.data.send_id for o in published if isinstance(o.data, MessageDispatched)}) == 200


async def test_a_drain_that_fails_logs_it_and_returns_without_raising(
    runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    """The broker refuses what the drain publishes (A's suppressed email step): the error is logged, not
    raised into faust's timer (which would stop the worker)."""
    await handle_event(runtime.ctx, placed("dA", "+12125550111"))  # no address: the email step is suppressed

    async def broker_down(outputs: Sequence[OutputEvent]) -> None:
        raise ConnectionError("produce request to broker 1 timed out")

    drain = DueDrain(WorkInFlight(), broker_down, asyncio.Semaphore(64), limit=CLAIM, rounds=64, clock=lambda: NOW)
    with caplog.at_level(logging.ERROR, logger="parley.worker"):
        await drain(runtime.ctx, 0)
    assert any("draining the due sends of partition 0 failed" in r.getMessage() for r in caplog.records)
