"""Automatic pipelining: store calls made at the same moment share one Redis round trip.

Concurrent use cases (the worker's dispatch lane, a batch's debtors) each ask the store for one
small pipeline — load, begin, finish. The first caller waits one turn of the event loop, in which
every other ready caller queues its commands too, then sends them all as one pipeline and hands each
caller its own slice of the replies. One caller alone costs what it did before (one round trip);
thirty-two at once cost one, not thirty-two. A reply error reaches only the caller whose command
failed; a script the server lost (NOSCRIPT) is reloaded and the callers it hit run again (each store
pipeline is idempotent once its script failed to run).

Each caller's ``build`` queues its commands on its own ``Commands``; the round trip itself is
``connect.round_trip`` (one write, one read, on a connection of the client's pool), or on a Redis
Cluster ``cluster.cluster_round_trip`` (a batch per node, all nodes at once, in the parts the callers
marked with ``Commands.then``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisClusterException, RedisError, SlotNotCoveredError
from redis.exceptions import TimeoutError as RedisTimeoutError

from orchestrator.storage import StoreError, StoreUnavailable
from parley.store.cluster import cluster_round_trip
from parley.store.connect import Commands, round_trip

Build = Callable[[Commands], object]


class AutoPipeline:
    """Queues ``build`` functions and runs the ones queued together as one pipeline."""

    def __init__(self, client: Redis | RedisCluster, reload_scripts: Callable[[], Awaitable[None]]) -> None:
        self._client = client
        self._reload_scripts = reload_scripts
        self._queued: list[tuple[Build, asyncio.Future[list[Any]]]] = []
        self._orphans: set[asyncio.Future[None]] = set()  # flushes carried on for a cancelled leader

    async def run(self, build: Build) -> list[Any]:
        """The replies to the commands ``build`` queues, in order; raises ``StoreError`` for a failed one."""
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self._queued.append((build, future))
        if len(self._queued) == 1:  # the leader: let the other ready callers queue, then send for all
            try:
                await asyncio.sleep(0)
            except BaseException:  # cancelled while waiting: the others' commands still go, without it
                queued, self._queued = self._queued, []
                others = [(build, waiting) for build, waiting in queued if waiting is not future]
                if others:
                    self._orphans.add(task := asyncio.ensure_future(self._flush_for(others)))
                    task.add_done_callback(self._orphans.discard)
                raise
            queued, self._queued = self._queued, []
            await self._flush_for(queued, leader=future)
        return await future

    async def _flush_for(
        self, queued: list[tuple[Build, asyncio.Future[list[Any]]]], leader: asyncio.Future[list[Any]] | None = None
    ) -> None:
        """Flush; when that fails (cancelled, unreachable), every waiting caller but ``leader`` gets the
        error — nobody may wait forever. The leader's own call raises it; without a leader (a flush
        carried on for a cancelled one) the error reaches the callers only."""
        try:
            await self._flush(queued)
        except BaseException as error:
            for _, waiting in queued:
                if waiting is not leader and not waiting.done():
                    waiting.set_exception(_as_store_error(error))
            if leader is not None or not isinstance(error, Exception):
                raise

    async def _flush(self, queued: list[tuple[Build, asyncio.Future[list[Any]]]]) -> None:
        for attempt in (1, 2):
            replies = await self._execute([build for build, _ in queued])
            retry = []
            for (build, future), reply in zip(queued, replies, strict=True):
                if future.done():  # its caller was cancelled
                    continue
                if attempt == 1 and any(isinstance(r, NoScriptError) for r in reply):
                    retry.append((build, future))
                    continue
                failed = next((r for r in reply if isinstance(r, Exception)), None)
                if failed is not None:
                    future.set_exception(StoreError(f"redis command failed: {failed}"))
                else:
                    future.set_result(reply)
            if not retry:
                return
            await self._reload_scripts()
            queued = retry
        for _, future in queued:  # pragma: no cover - a server that loses scripts twice in a row
            future.set_exception(StoreError("scripts missing on the server even after loading them"))

    async def _execute(self, builds: list[Build]) -> list[list[Any]]:
        """One round trip for every build; each build's replies, in order."""
        queues = []
        for build in builds:
            commands = Commands()  # built apart: each sees only its own commands
            build(commands)
            queues.append(commands)
        try:
            if isinstance(self._client, RedisCluster):
                return await cluster_round_trip(self._client, queues)
            return await round_trip(self._client, [queue.command_stack for queue in queues])
        except (RedisConnectionError, RedisTimeoutError, OSError) as error:
            raise StoreUnavailable(f"redis unreachable: {error}") from error
        except SlotNotCoveredError as error:  # a cluster moving slots or losing a primary
            raise StoreUnavailable(f"redis cluster slot not served: {error}") from error
        except (RedisError, RedisClusterException) as error:
            raise StoreError(f"redis request failed: {error}") from error


def _as_store_error(error: BaseException) -> StoreError:
    if isinstance(error, StoreError):
        return error
    return StoreUnavailable(f"the shared pipeline did not finish: {type(error).__name__}")
