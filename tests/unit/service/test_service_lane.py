"""The dispatch lane: confirmable sends in flight together, an unconfirmable one alone, and a waiting
unconfirmable send is not starved by a stream of confirmable ones."""

from __future__ import annotations

import asyncio

from orchestrator.service.lane import DispatchLane


async def test_confirmable_sends_are_in_flight_together() -> None:
    lane = DispatchLane()
    peak = 0

    async def send() -> None:
        nonlocal peak
        async with lane.hold(confirmable=True):
            peak = max(peak, lane.in_flight)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(send() for _ in range(10)))
    assert peak == 10
    assert lane.in_flight == 0


async def test_an_unconfirmable_send_goes_alone_and_before_later_confirmable_ones() -> None:
    lane = DispatchLane()
    log: list[str] = []
    in_flight: set[str] = set()
    alone: list[bool] = []

    async def send(name: str, confirmable: bool, delay: float) -> None:
        await asyncio.sleep(delay)
        async with lane.hold(confirmable=confirmable):
            in_flight.add(name)
            if not confirmable:
                alone.append(in_flight == {name})
            log.append(name)
            await asyncio.sleep(0.02)
            in_flight.discard(name)

    await asyncio.gather(
        send("sms-1", True, 0),
        send("sms-2", True, 0),
        send("email", False, 0.005),
        send("sms-3", True, 0.01),  # arrives while the email waits: goes after it
    )
    assert log == ["sms-1", "sms-2", "email", "sms-3"]
    assert alone == [True]


async def test_a_cancelled_unconfirmable_waiter_releases_the_confirmable_ones_behind_it() -> None:
    lane = DispatchLane()
    first = asyncio.Event()

    async def holder() -> None:
        async with lane.hold(confirmable=True):
            first.set()
            await asyncio.sleep(0.05)

    async def email() -> None:
        async with lane.hold(confirmable=False):
            raise AssertionError("never gets in")

    held = asyncio.create_task(holder())
    await first.wait()
    waiting = asyncio.create_task(email())
    await asyncio.sleep(0)
    queued_sms = asyncio.create_task(asyncio.wait_for(_enter(lane), 1))
    await asyncio.sleep(0.01)
    waiting.cancel()
    assert await queued_sms == 2  # got in beside the holder once the email stopped waiting
    await held


async def _enter(lane: DispatchLane) -> int:
    async with lane.hold(confirmable=True):
        return lane.in_flight
