"""Drains a batch leaves running beside the stream: each runs to its end, and one that fails says so in
the log (its sends stay due in Redis for the next tick) instead of vanishing with its task; those that
fail because Redis is away are one outage, logged once."""

from __future__ import annotations

import asyncio
import logging

import pytest

from consumers.outage import StoreOutage
from consumers.work import BackgroundDrains
from orchestrator.storage import StoreUnavailable


async def test_a_drain_runs_beside_the_caller_and_a_failing_one_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    drains = BackgroundDrains()
    worked: list[int] = []
    release = asyncio.Event()

    async def drain(partition: int) -> None:
        await release.wait()
        worked.append(partition)

    async def broken() -> None:
        raise ConnectionError("redis went away")

    with caplog.at_level(logging.ERROR, logger="parley.worker"):
        drains.start(drain(3))
        drains.start(broken())
        await asyncio.sleep(0)
        assert worked == []  # the caller went on while the drain waits
        release.set()
        for _ in range(3):
            await asyncio.sleep(0)
    assert worked == [3]
    (failure,) = [r for r in caplog.records if "draining due sends failed" in r.getMessage()]
    assert failure.exc_info is not None and "redis went away" in str(failure.exc_info[1])


async def test_drains_that_cannot_reach_the_store_count_towards_one_outage_instead_of_one_error_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = StoreOutage()
    drains = BackgroundDrains(outage)

    async def unreachable() -> None:
        raise StoreUnavailable("redis unreachable: connection refused")

    with caplog.at_level(logging.WARNING, logger="parley.worker"):
        for _ in range(3):
            drains.start(unreachable())
        for _ in range(3):
            await asyncio.sleep(0)
    assert outage.active
    lines = [r.getMessage() for r in caplog.records if r.name == "parley.worker"]
    assert len(lines) == 1 and "state store unavailable" in lines[0]
