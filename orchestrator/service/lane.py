"""The dispatch lane: how many sends may be between ``begin_dispatch`` and their record at once.

A crash leaves every send in that window in doubt. A provider that can list what it accepted
(``find_sent``: Twilio, the sandbox) settles its sends after the lease, so any number of them may be
in flight together. A provider that cannot (SendGrid) leaves its send ``outcome_unknown``: such a send
goes alone, with nothing else in flight — so a crash during its call leaves exactly that one send in
doubt (and it did reach the provider), and a crash during any other call leaves none of them.
Waiting exclusive sends go first (new shared sends wait behind them), so a steady stream of SMS
never starves email.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class DispatchLane:
    """A readers–writer gate: shared holders (confirmable sends) together, an exclusive one alone."""

    def __init__(self) -> None:
        self._changed = asyncio.Condition()
        self._shared = 0
        self._exclusive = False
        self._exclusive_waiting = 0

    @asynccontextmanager
    async def hold(self, *, confirmable: bool) -> AsyncIterator[None]:
        async with self._changed:
            if confirmable:
                await self._changed.wait_for(lambda: not self._exclusive and not self._exclusive_waiting)
                self._shared += 1
            else:
                self._exclusive_waiting += 1
                try:
                    await self._changed.wait_for(lambda: not self._exclusive and not self._shared)
                finally:
                    self._exclusive_waiting -= 1
                    self._changed.notify_all()  # shared sends held back by this waiter may go now
                self._exclusive = True
        try:
            yield
        finally:
            async with self._changed:
                if confirmable:
                    self._shared -= 1
                else:
                    self._exclusive = False
                self._changed.notify_all()

    @property
    def in_flight(self) -> int:
        return self._shared + int(self._exclusive)
