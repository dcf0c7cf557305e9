"""The work a worker has running: batches and drains in flight (waited for when it stops), drains that
run beside the stream, and the partitions it owns."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from consumers.outage import StoreOutage, store_unreachable

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
    """The account-events partitions this worker owned at the last scheduler tick (logged on change)."""

    def __init__(self) -> None:
        self.partitions: list[int] = []
