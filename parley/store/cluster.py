"""The store on a Redis Cluster: ``redis-cluster://host:port[,host:port…]`` → a ``RedisCluster`` client,
and the cluster's ``round_trip``.

redis-py's ``RedisCluster`` keeps the slot map (which primary serves which of the 16,384 slots) and
follows MOVED / ASK; its ``ClusterPipeline`` is not used on the hot path: it retries a whole
pipeline after a connection error (the store's callers retry whole operations themselves, on
``StoreUnavailable``, and must know whether a script ran), leaks a connection whose caller is
cancelled while replies are on their way, and keeps no order across slots. Here a round trip sends each
node its commands as one batch, all nodes at once; a command redirected (a slot moving) is sent again
alone through ``RedisCluster.execute_command``, which follows the redirect and updates the slot map.

Order across slots: a caller marks with ``Commands.then()`` where its commands must wait for the ones
before to be answered (a due-set hint before the send record it stands for, …). The cluster round trip
sends every caller's first part together, then the parts after their marks, each only for a caller
whose earlier commands all succeeded (a skipped command answers ``SkippedCommand``); on one server the
marks mean nothing — it runs a connection's commands in the order sent.

Round trips are counted per node batch: a round trip that reaches three nodes in two parts counts up to
six, a redirected command sent again one more, and a command sent alone (``execute_command``) one — so
``RoundTripCounter`` still counts the requests a server answered, as on one server.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from typing import Any

from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.exceptions import AskError, ClusterDownError, ResponseError, SlotNotCoveredError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from parley.store.connect import Command, Commands, RoundTripCounter, _with_callbacks, write_read

_REDIRECTED = (AskError, TryAgainError, ClusterDownError)  # MovedError is an AskError


class SkippedCommand(ResponseError):
    """The reply in place of a command not sent: an earlier command of the same caller failed."""


class CountingRedisCluster(RedisCluster):
    """``redis.asyncio.RedisCluster`` that counts each command sent alone as one round trip."""

    round_trips: RoundTripCounter

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        self.round_trips.count += 1
        return await super().execute_command(*args, **options)


def cluster_client(url: str) -> tuple[CountingRedisCluster, RoundTripCounter]:
    """A client (not yet connected: ``await client.initialize()``) on the startup nodes ``url`` lists;
    ``rediss-cluster://`` for TLS. Replies stay bytes."""
    scheme, _, rest = url.partition("://")
    credentials, _, hosts = rest.rpartition("@")
    nodes = []
    for address in hosts.split("/", 1)[0].split(","):
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"state URL {url!r}: expected host:port[,host:port…] after {scheme}://")
        nodes.append(ClusterNode(host, int(port)))
    username, _, password = credentials.partition(":") if credentials else ("", "", "")
    client = CountingRedisCluster(
        startup_nodes=nodes,
        decode_responses=False,
        ssl=scheme == "rediss-cluster",
        username=username or None,
        password=password or None,
    )
    counter = RoundTripCounter()
    client.round_trips = counter
    return client, counter


async def cluster_round_trip(client: RedisCluster, queues: Sequence[Commands]) -> list[list[Any]]:
    """Every command of ``queues``, each node's as one batch, all nodes at once, part by part (see the
    module docstring); each queue's replies as ``connect.round_trip`` gives them: response callbacks
    applied, a command's error reply in its place. Raises ``ConnectionError``, ``TimeoutError`` … when a
    node cannot be reached (commands sent to other nodes may have run)."""
    replies: list[list[Any]] = [[None] * len(queue.command_stack) for queue in queues]
    if not any(queue.command_stack for queue in queues):
        return replies
    if client._initialize:
        await client.initialize()
    failed: set[int] = set()
    parts = [_parts(queue) for queue in queues]
    for part in range(max(len(bounds) for bounds in parts)):
        sending: list[tuple[int, int, Command]] = []  # (queue, position, command)
        for at, (queue, bounds) in enumerate(zip(queues, parts, strict=True)):
            if part >= len(bounds):
                continue
            positions = range(*bounds[part])
            if at in failed:
                for position in positions:
                    replies[at][position] = SkippedCommand("not sent: an earlier command of this call failed")
            else:
                sending.extend((at, position, queue.command_stack[position]) for position in positions)
        got = await _send(client, [command for _, _, command in sending])
        for (at, position, _), reply in zip(sending, got, strict=True):
            replies[at][position] = reply
            if isinstance(reply, Exception):
                failed.add(at)
    return replies


def _parts(queue: Commands) -> list[tuple[int, int]]:
    """The queue's parts as (start, end) positions of its command stack."""
    marks = [0, *queue.marks, len(queue.command_stack)]
    return list(itertools.pairwise(marks))


async def _send(client: RedisCluster, commands: list[Command]) -> list[Any]:
    """The commands, grouped by the node serving their slot, one batch per node, all at once; then
    each redirected one again alone."""
    by_node: dict[str, tuple[ClusterNode, list[int]]] = {}
    try:
        for at, (args, _) in enumerate(commands):
            node = client.nodes_manager.get_node_from_slot(await _slot(client, args))
            by_node.setdefault(node.name, (node, []))[1].append(at)
    except SlotNotCoveredError:
        client._initialize = True  # the slot map is out of date: read it again before the next round trip
        raise
    batches = list(by_node.values())
    _count(client, len(batches))
    try:
        answered = await asyncio.gather(*(_batch(client, node, [commands[at] for at in ats]) for node, ats in batches))
    except (RedisConnectionError, RedisTimeoutError, OSError):
        client._initialize = True  # a node gone or moved: read the slot map again before the next round trip
        raise
    replies: list[Any] = [None] * len(commands)
    for (_, ats), got in zip(batches, answered, strict=True):
        for at, reply in zip(ats, got, strict=True):
            replies[at] = reply
    for at, reply in enumerate(replies):
        if isinstance(reply, _REDIRECTED):
            args, options = commands[at]
            try:
                replies[at] = await client.execute_command(*args, **options)
            except ResponseError as error:
                replies[at] = error
    return replies


def _count(client: RedisCluster, batches: int) -> None:
    """``batches`` more round trips on a ``CountingRedisCluster``'s counter."""
    counter: RoundTripCounter | None = getattr(client, "round_trips", None)
    if counter is not None:
        counter.count += batches


async def _slot(client: RedisCluster, args: tuple[Any, ...]) -> int:
    """The one slot a command's keys are in; a script's KEYS in several slots is refused here (the
    server would refuse it with CROSSSLOT)."""
    name = args[0].upper() if isinstance(args[0], str) else args[0].decode().upper()
    if name in ("EVALSHA", "EVAL"):
        keys = args[3 : 3 + int(args[2])]
        slots = {client.keyslot(key) for key in keys}
        if len(slots) != 1:
            raise ValueError(f"{name} with KEYS in {len(slots)} slots: {keys!r}")
        return slots.pop()
    if name in _ONE_KEY_FIRST:
        return client.keyslot(args[1])
    slot: int = await client._determine_slot(*args)
    return slot


# What the store sends whose first argument is its (only) key, looked up without redis-py's parser.
_ONE_KEY_FIRST = frozenset(
    {"GET", "SET", "HGET", "HMGET", "HGETALL", "HKEYS", "ZADD", "ZREM", "ZCARD", "ZRANGE", "MEMORY USAGE"}
)


async def _batch(client: RedisCluster, node: ClusterNode, commands: list[Command]) -> list[Any]:
    """One write and one read on a connection of ``node`` (``connect.write_read``, as
    ``connect.round_trip`` for one server): a connection that anything went wrong on is disconnected
    before it is freed."""
    connection = node.acquire_connection()
    try:
        await node.disconnect_if_needed(connection)
        replies = await write_read(connection, [commands], check_health=False)
    finally:
        node.release(connection)
    (parsed,) = await _with_callbacks(client, [commands], replies)
    return parsed


async def on_every_node(client: RedisCluster, commands: Sequence[Command], *, reread_map: bool = False) -> None:
    """The commands on every node the client knows, replicas too, one batch per node, all at once: loading
    the store's scripts, as EVALSHA finds a script only on a node that loaded it, and a replica taking
    over from a lost primary must have them already (a failover does not copy a script cache).
    ``reread_map``: read the slot map first even if nothing said it was out of date (after a NOSCRIPT,
    which a failover or a node added since the last reading explains). A node that cannot be reached is
    skipped (it serves nothing now; the map is read again before the next round trip); raises the first
    error reply, or the connection error when no node was reached."""
    if reread_map:
        client._initialize = True
    await client.initialize()
    nodes = client.get_nodes()
    _count(client, len(nodes))
    outcomes = await asyncio.gather(*(_batch(client, node, list(commands)) for node in nodes), return_exceptions=True)
    lost = (RedisConnectionError, RedisTimeoutError, OSError)
    reached = [outcome for outcome in outcomes if not isinstance(outcome, lost)]
    if len(reached) < len(outcomes):
        client._initialize = True
        if not reached:
            raise next(outcome for outcome in outcomes if isinstance(outcome, BaseException))
    for outcome in reached:
        failed = (
            outcome
            if isinstance(outcome, BaseException)
            else next((r for r in outcome if isinstance(r, Exception)), None)
        )
        if failed is not None:
            raise failed
