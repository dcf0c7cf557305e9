"""The work a worker has running: batches and drains in flight (waited for when it stops), the drains of
due sends (some beside the stream), and the partitions it owns."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Coroutine, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from channels.logsafe import redact
from consumers.outage import StoreOutage, store_unreachable
from orchestrator.outputs import MessageScheduled, OutputEvent
from orchestrator.service.api import FailedSend, log_failed_send, work_due
from orchestrator.service.context import ServiceContext

log = logging.getLogger("parley.worker")


class WorkInFlight:
    """The batches and drains running now. When the worker stops, new work is refused and the running
    work is waited for, within a bound."""

    def __init__(self) -> None:
        self.stopping = False
        self._running = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def begin(self) -> bool:
        """Count one more piece of work in; False (and not counted) once the worker stops."""
        if self.stopping:
            return False
        self._running += 1
        self._idle.clear()
        return True

    def end(self) -> None:
        """Called when work counted in by ``begin`` ended, however it ended."""
        self._running -= 1
        if self._running == 0:
            self._idle.set()

    async def stop(self, grace_s: float) -> bool:
        """Refuse new work and wait for the running work, at most ``grace_s``; whether it all ended."""
        self.stopping = True
        try:
            await asyncio.wait_for(self._idle.wait(), grace_s)
        except TimeoutError:
            return False
        return True


class BackgroundDrains:
    """Drains run beside the stream. A drain that fails is logged with its error (its sends stay due in
    Redis, and the next tick claims them again); one that could not reach the store counts towards the
    outage, which is logged once."""

    def __init__(self, outage: StoreOutage | None = None) -> None:
        self._running: set[asyncio.Task[None]] = set()
        self._outage = outage

    def start(self, drain: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(drain)
        self._running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        error = None if task.cancelled() else task.exception()
        if error is None:
            return
        if self._outage is not None and store_unreachable(error):
            self._outage.failed(error)
            return
        log.error("draining due sends failed; the next tick retries them", exc_info=error)


class Ownership:
    """The account-events partitions this worker owns, as its consumer's assignment last said (logged on
    change)."""

    def __init__(self) -> None:
        self.partitions: list[int] = []

    def update(self, assignment: Iterable[Any], topic: str) -> list[int]:
        """The partitions of ``topic`` among the assigned topic-partitions (faust's ``TP``s)."""
        owned = sorted(tp.partition for tp in assignment if tp.topic == topic)
        if owned != self.partitions:
            self.partitions = owned
            log.info("owns %s partitions %s", topic, owned)
        return owned


Publish = Callable[[Sequence[OutputEvent]], Awaitable[None]]


def wall_clock() -> datetime:
    return datetime.now(UTC)


class DueDrain:
    """Works a partition's due sends in claims of ``limit``, debtors concurrently, while claims come back
    full (more may be due), at most ``rounds`` claims at a time.

    Drains may overlap (the timer, each batch, each partition): a claim is atomic, so each takes different
    sends, and ``slots`` bounds how many debtors are worked at once in all. Once the worker stops, no new
    claim is made; the sends claimed already are worked to the end. A send that fails is logged and stays
    claimed until its lease ends, while the other sends' outputs are published. A store that cannot be
    reached is raised, for the outage handling (consumers/outage.py); any other failure is logged, never
    raised: its sends stay due, and the next tick claims them again."""

    def __init__(
        self,
        work: WorkInFlight,
        publish: Publish,
        slots: asyncio.Semaphore,
        *,
        limit: int,
        rounds: int,
        clock: Callable[[], datetime] = wall_clock,
    ) -> None:
        self._work, self._publish, self._slots = work, publish, slots
        self._limit, self._rounds, self._clock = limit, rounds, clock

    async def __call__(self, ctx: ServiceContext, partition: int) -> None:
        if not self._work.begin():
            return
        try:
            await self._claims(ctx, partition)
        except Exception as error:
            if store_unreachable(error):
                raise
            log.error(
                "draining the due sends of partition %d failed (%s); they stay due for the next tick",
                partition,
                masked(error),
                exc_info=error,
            )
        finally:
            self._work.end()

    async def _claims(self, ctx: ServiceContext, partition: int) -> None:
        for _ in range(self._rounds):
            if self._work.stopping:
                return
            worked = await work_due(ctx, partition, self._clock(), self._limit, self._slots)
            if worked.outputs:
                await self._publish(worked.outputs)
            report_failed_sends(worked.failed)
            if worked.claimed < self._limit:  # the claim took every send due now
                return


def report_failed_sends(failed: Sequence[FailedSend]) -> None:
    """Log each failed send (masked); the first that could not reach the store is raised instead, as
    one outage (so a Redis outage is not one error line per send)."""
    for failure in failed:
        if not store_unreachable(failure.error):
            log_failed_send(failure, masked(failure.error))
    unreachable = next((failure.error for failure in failed if store_unreachable(failure.error)), None)
    if unreachable is not None:
        raise unreachable


def masked(error: BaseException) -> str:
    """``Type: message`` with phone numbers, addresses and secrets masked (the exception's text may quote
    a provider's answer naming the destination)."""
    return f"{type(error).__name__}: {redact(str(error))}"


def partitions_due_now(
    outputs: Iterable[OutputEvent], now: datetime, partition_of: Callable[[str], int], owned: Collection[int]
) -> list[int]:
    """The scheduler partitions, of those this worker owns, holding the sends ``outputs`` made due by
    ``now``: the partition of each send's debtor (a provider event's Kafka partition is its sender's or
    its provider message's, not the debtor's)."""
    debtors = {o.data.debtor_id for o in outputs if isinstance(o.data, MessageScheduled) and o.data.due_at <= now}
    return sorted({partition_of(debtor) for debtor in debtors} & set(owned))
