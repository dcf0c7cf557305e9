"""``/health`` of a worker whose state is on a Redis Cluster, when a primary is lost.

- With no replica to take over, part of the slots is unserved, so the worker cannot serve the debtors
  there: ``/health`` says so (503 naming redis, the cluster state in the detail) although the nodes
  still up answer.
- With a replica per primary, the replica takes the lost primary's slots over: ``/health`` is fine again
  (though the node lost never answers again) and the debtors on those slots are served.

Each test runs on a cluster of its own (a node of it is stopped), not on the session's."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import pytest
from redis.asyncio import Redis
from redis.crc import key_slot
from worker_harness import (
    OutputWatcher,
    Stack,
    StartWorker,
    account_placed,
    closed_zone,
    produce,
    structured,
    unique_phone,
)

from orchestrator.outputs import ACCOUNT_EVENTS
from parley.devservers import RedisCluster
from parley.store.keys import StoreKeys
from parley.store.scripts import lua_scripts

LAST_SLOT = 16383
FAILOVER_S = 45.0  # the node timeout (5 s), the replicas' election, the worker's slot map read again


@pytest.fixture
def own_cluster(request: pytest.FixtureRequest) -> Iterator[RedisCluster]:
    """Three primaries; ``indirect`` parametrisation gives each that many replicas."""
    with RedisCluster(replicas=getattr(request, "param", 0)) as cluster:
        yield cluster


@pytest.fixture
def stack(kafka_bootstrap: str, own_cluster: RedisCluster, key_prefix: str) -> Stack:
    return Stack(kafka_bootstrap, own_cluster.url, key_prefix)


async def _range_of(slot: int, port: int) -> tuple[int, int, int]:
    """The slot range holding ``slot`` and the port of the primary serving it, as the node on ``port``
    maps the slots."""
    client = Redis(host="127.0.0.1", port=port)
    try:
        ranges = await client.execute_command("CLUSTER SLOTS")  # type: ignore[no-untyped-call]
    finally:
        await client.aclose()
    start, end, owner = next((start, end, owner) for start, end, owner, *_ in ranges if start <= slot <= end)
    return int(start), int(end), int(owner[1])


async def test_health_fails_naming_redis_when_a_primary_is_lost_with_no_replica(
    own_cluster: RedisCluster, start_worker: StartWorker
) -> None:
    worker = await start_worker(with_emulator=False)
    status, body = await worker.health()
    assert status == 200, body
    assert body["checks"]["redis"] == {"ok": True, "detail": "cluster_state ok (3 of 3 nodes)"}

    ports = own_cluster.ports
    *_, lost = await _range_of(LAST_SLOT, ports[0])
    next(node for node in own_cluster.nodes if node.port == lost).stop()

    # The other primaries find it unreachable (its slots no longer served), then failed after the
    # cluster's node timeout (5 s): the state turns to fail.
    down = await worker.wait_health(503, 30)
    assert down["failing"] == ["redis"], down
    detail = down["checks"]["redis"]["detail"]
    assert detail.startswith("cluster_state") and detail.endswith("of 16384 slots served"), detail
    assert not detail.endswith(" 16384 of 16384 slots served"), detail
    assert worker.alive(), worker.log_tail()


@pytest.mark.parametrize("own_cluster", [1], indirect=True, ids=["a-replica-per-primary"])
async def test_a_primary_lost_to_a_failover_is_healthy_again_and_its_debtors_are_served(
    own_cluster: RedisCluster, stack: Stack, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    worker = await start_worker(with_emulator=False)
    assert (await worker.health())[0] == 200

    # The primary of slot 0: the node redis-py's client takes for its default (the first primary of its
    # slot map), the one a probe pinned to a single node would keep asking.
    first, last, lost = await _range_of(0, own_cluster.ports[0])
    survivor = next(port for port in own_cluster.ports if port != lost)
    keys = StoreKeys(stack.key_prefix)  # as the worker builds keys from PARLEY_KEY_PREFIX
    debtor_id = next(
        candidate
        for candidate in (f"deb-{uuid.uuid4().hex[:8]}" for _ in range(10_000))
        if first <= key_slot(keys.state(candidate).encode()) <= last
    )
    # The worker loaded its scripts into every node, replicas too: a failover does not copy a script
    # cache, and the replica taking over must answer the worker's EVALSHA at once.
    shas = [script.sha for script in lua_scripts().values()]
    for port in own_cluster.ports:
        node = Redis(host="127.0.0.1", port=port)
        try:
            assert all(await node.script_exists(*shas)), f"node {port} lacks the store's scripts"
        finally:
            await node.aclose()
    next(node for node in own_cluster.nodes if node.port == lost).stop()

    deadline = time.monotonic() + FAILOVER_S
    while (await _range_of(0, survivor))[2] == lost:  # until a replica took the slots over
        assert time.monotonic() < deadline, f"no failover within {FAILOVER_S:.0f}s"
        await asyncio.sleep(0.5)
    back = await worker.wait_health(200, 10)
    assert back["checks"]["redis"]["detail"].startswith("cluster_state ok"), back

    phone = unique_phone()
    event = account_placed(debtor_id, "acc-1", closed_zone(), phone, f"{debtor_id}@example.com")
    await produce(stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), [structured(event)])
    scheduled = await outputs.one("message.scheduled", FAILOVER_S, debtor_id=debtor_id)
    assert scheduled.data["send_id"]
    assert worker.alive(), worker.log_tail()
