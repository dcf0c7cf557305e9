"""The worker's view of a state-store outage: work that failed because Redis could not be reached is
done again once it is back (it is idempotent: processed events are recognised, their outputs replayed
with the same ids), and the outage is logged when it starts and when it ends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from orchestrator.storage import StoreError, StoreUnavailable

log = logging.getLogger("parley.worker")

RETRY_FIRST_S = 0.2  # the first wait before working again what failed for an unreachable store
RETRY_MAX_S = 5.0  # the waits double up to this
Result = TypeVar("Result")


def store_unreachable(error: BaseException) -> bool:
    """Whether ``error`` says the state store could not be reached (so the same work may succeed later),
    rather than that it refused the work."""
    if isinstance(error, StoreUnavailable | RedisConnectionError | RedisTimeoutError):
        return True
    # Loading the store's scripts (at start-up, or after a restarted Redis lost them) fails this way.
    lost = RedisConnectionError | RedisTimeoutError | OSError
    return isinstance(error, StoreError) and isinstance(error.__cause__, lost)


class StoreOutage:
    """Whether the state store is reachable, as the worker's work last found it.

    Work that fails for an unreachable store is done again once it is back (``retry``); the outage is
    logged when it starts and when it ends, however many attempts fail in between."""

    def __init__(self) -> None:
        self._since: float | None = None
        self.outages = 0

    @property
    def active(self) -> bool:
        return self._since is not None

    def failed(self, error: BaseException) -> None:
        """Called when work failed because the store could not be reached."""
        if self._since is None:
            self._since = asyncio.get_running_loop().time()
            self.outages += 1
            log.warning("state store unavailable (%s); the worker waits for it and works again what failed", error)

    def recovered(self) -> None:
        """Called when work that needs the store succeeded."""
        if self._since is not None:
            lasted = asyncio.get_running_loop().time() - self._since
            self._since = None
            log.warning("state store is back after %.1fs", lasted)

    async def retry(self, work: Callable[[], Awaitable[Result]], keep_trying: Callable[[], bool]) -> Result:
        """``work()`` again and again while it fails for an unreachable store and ``keep_trying()``, waiting
        0.2 s doubling to 5 s in between; the last failure is raised once ``keep_trying()`` turns False.

        Only for idempotent work: an attempt may have done part of its work before the store went away."""
        delay = RETRY_FIRST_S
        while True:
            try:
                result = await work()
            except Exception as error:
                if not store_unreachable(error) or not keep_trying():
                    raise
                self.failed(error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
            else:
                self.recovered()
                return result
