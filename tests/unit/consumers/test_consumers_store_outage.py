"""How the worker waits out an unreachable store: work is done again until it succeeds, the outage is
logged once (not per attempt), other failures are not retried, and a stopping worker gives up; and how
stopping waits for the work in progress and refuses new work."""

from __future__ import annotations

import asyncio
import logging

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from consumers.outage import StoreOutage, store_unreachable
from consumers.work import WorkInFlight
from orchestrator.storage import StoreError, StoreUnavailable


async def test_work_is_done_again_while_the_store_is_unreachable_and_the_outage_is_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = StoreOutage()
    attempts: list[bool] = []

    async def work() -> str:
        attempts.append(outage.active)
        if len(attempts) < 3:
            raise StoreUnavailable("redis unreachable: connection refused")
        return "done"

    with caplog.at_level(logging.WARNING, logger="parley.worker"):
        assert await outage.retry(work, keep_trying=lambda: True) == "done"

    assert attempts == [False, True, True]  # the outage shows while it lasts
    assert not outage.active and outage.outages == 1
    lines = [r.getMessage() for r in caplog.records if r.name == "parley.worker"]
    assert len(lines) == 2 and "state store unavailable" in lines[0] and "state store is back" in lines[1]


async def test_a_failure_that_is_not_about_reaching_the_store_is_not_retried() -> None:
    outage = StoreOutage()
    attempts = 0

    async def work() -> None:
        nonlocal attempts
        attempts += 1
        raise StoreError("redis command failed: WRONGTYPE")

    with pytest.raises(StoreError, match="WRONGTYPE"):
        await outage.retry(work, keep_trying=lambda: True)
    assert attempts == 1 and not outage.active


async def test_a_stopping_worker_stops_retrying_and_gets_the_failure() -> None:
    async def work() -> None:
        raise StoreUnavailable("redis unreachable")

    with pytest.raises(StoreUnavailable):
        await StoreOutage().retry(work, keep_trying=lambda: False)


def test_script_loading_that_could_not_connect_counts_as_an_unreachable_store() -> None:
    try:
        try:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")
        except RedisConnectionError as cause:
            raise StoreError("could not load the store's Lua scripts") from cause
    except StoreError as error:
        assert store_unreachable(error)
    assert not store_unreachable(StoreError("redis command failed: WRONGTYPE"))
    assert not store_unreachable(ConnectionError("not redis"))


async def test_stopping_refuses_new_work_and_waits_for_the_running_work_within_its_bound() -> None:
    work = WorkInFlight()
    assert work.begin()
    finished = asyncio.create_task(work.stop(grace_s=5.0))
    await asyncio.sleep(0.05)
    assert not finished.done() and not work.begin()  # waiting, and nothing new starts
    work.end()
    assert await finished is True

    slow = WorkInFlight()
    assert slow.begin()
    assert await slow.stop(grace_s=0.05) is False  # the bound holds
