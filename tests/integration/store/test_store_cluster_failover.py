"""The store when a Redis Cluster primary is lost and its replica takes over, the replica without the
store's scripts (a node added after the store loaded them, or a cache flushed): the first EVALSHA there
answers NOSCRIPT, the store reads the slot map again, loads the scripts into every node it can reach
(the lost one cannot be) and goes on. The cluster is the test's own, with a replica per primary."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from redis.asyncio import Redis
from redis.asyncio import RedisCluster as RedisClusterClient
from redis.crc import key_slot

from consumers.store_health import StoreHealth
from orchestrator.storage import Commit, ScheduledSend, StoreUnavailable
from parley.devservers import RedisCluster
from parley.store import RedisStateStore, connect
from parley.store.scripts import lua_scripts

pytestmark = pytest.mark.redis

NOW = 1_700_000_000_000
FAILOVER_S = 45.0


@pytest.fixture
def own_cluster() -> Iterator[RedisCluster]:
    with RedisCluster(replicas=1) as cluster:
        yield cluster


async def _on_node(port: int, *command: object) -> object:
    node = Redis(host="127.0.0.1", port=port)
    try:
        return await node.execute_command(*command)  # type: ignore[no-untyped-call]
    finally:
        await node.aclose()


async def _owner(slot: int, port: int) -> int:
    """The port of the primary serving ``slot``, as the node on ``port`` maps the slots."""
    ranges = await _on_node(port, "CLUSTER", "SLOTS")
    assert isinstance(ranges, list)
    return int(next(nodes[2][1] for nodes in ranges if nodes[0] <= slot <= nodes[1]))


async def test_a_replica_without_the_scripts_taking_over_gets_them_at_its_first_noscript(
    own_cluster: RedisCluster,
) -> None:
    async with await connect(own_cluster.url) as connection:
        store = RedisStateStore(connection.client, key_prefix="failover")
        await store.prepare()
        debtor = next(f"D{n}" for n in range(10_000) if key_slot(store.keys.state(f"D{n}").encode()) < 100)
        slot = key_slot(store.keys.state(debtor).encode())
        lost = await _owner(slot, own_cluster.ports[0])
        partition = 0
        while await _owner(key_slot(store.keys.due(partition).encode()), lost) == lost:
            partition += 1  # a due set on a node that stays
        assert (await store.commit(Commit(debtor, 0, b"v1", "e1", b"", [ScheduledSend("s1", partition, NOW, b"p")]))).ok

        health = StoreHealth()
        assert (await health.check(connection.client)).ok
        assert f"127.0.0.1:{lost}" in health.probed
        for port in own_cluster.ports:
            await _on_node(port, "SCRIPT", "FLUSH")
        survivor = next(port for port in own_cluster.ports if port != lost)
        next(node for node in own_cluster.nodes if node.port == lost).stop()
        deadline = time.monotonic() + FAILOVER_S
        while await _owner(slot, survivor) == lost:
            assert time.monotonic() < deadline, f"no failover within {FAILOVER_S:.0f}s"
            await asyncio.sleep(0.5)

        for _ in range(20):  # the store's callers retry an unreachable store (StoreOutage in the worker)
            try:
                loaded, record = await store.load_for_dispatch(debtor, "s1")
                break
            except StoreUnavailable:  # while the client still sends the slot to the lost node
                await asyncio.sleep(0.5)
        else:
            raise AssertionError("the store never served the debtor after the failover")
        assert (loaded.version, loaded.state, record is not None) == (1, b"v1", True)
        begun = await store.begin_dispatch(debtor, "s1", loaded.version, b"v2")  # a script on the new primary
        finished = await store.finish_dispatch(debtor, "s1", partition, b"v3", begun.version)
        assert (finished.recorded, finished.state_written) == (True, True)
        new_primary = await _owner(slot, survivor)
        assert new_primary != lost
        exists = await _on_node(new_primary, "SCRIPT", "EXISTS", *(s.sha for s in lua_scripts().values()))
        assert isinstance(exists, list) and all(exists)

        # /health's probes follow the client's nodes: the lost primary's is closed, the others answer.
        verdict = await health.check(connection.client)
        assert verdict.ok, verdict.detail
        assert f"127.0.0.1:{lost}" not in health.probed
        assert isinstance(connection.client, RedisClusterClient)
        assert health.probed == {node.name for node in connection.client.get_nodes()}
        await health.aclose()
        assert health.probed == frozenset()
