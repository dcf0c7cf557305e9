"""``/health`` of a worker whose state is on a Redis Cluster: a primary lost (no replica to take over)
leaves part of the slots unserved, so the worker cannot serve the debtors there, and ``/health`` says
so (503 naming redis, the cluster state in the detail) even though the node it asks still answers.

The cluster is the test's own (a node of it is stopped), not the session's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis.asyncio import Redis
from worker_harness import Stack, StartWorker

from parley.devservers import RedisCluster

LAST_SLOT = 16383


@pytest.fixture
def own_cluster() -> Iterator[RedisCluster]:
    with RedisCluster() as cluster:
        yield cluster


@pytest.fixture
def stack(kafka_bootstrap: str, own_cluster: RedisCluster, key_prefix: str) -> Stack:
    return Stack(kafka_bootstrap, own_cluster.url, key_prefix)


async def _owner_of(slot: int, port: int) -> int:
    """The port of the primary serving ``slot``, as the node on ``port`` maps the slots."""
    client = Redis(host="127.0.0.1", port=port)
    try:
        ranges = await client.execute_command("CLUSTER SLOTS")  # type: ignore[no-untyped-call]
    finally:
        await client.aclose()
    return int(next(owner for start, end, owner, *_ in ranges if start <= slot <= end)[1])


async def test_health_fails_naming_redis_when_a_primary_is_lost_even_if_the_asked_node_answers(
    own_cluster: RedisCluster, start_worker: StartWorker
) -> None:
    worker = await start_worker(with_emulator=False)
    status, body = await worker.health()
    assert status == 200, body
    assert body["checks"]["redis"] == {"ok": True, "detail": "cluster_state ok"}

    # The worker asks the node serving slot 0 (redis-py's default node: the first primary of its slot
    # map); the node lost is the one serving the last slot, so the node asked keeps answering.
    ports = own_cluster.ports
    lost = await _owner_of(LAST_SLOT, ports[0])
    assert lost != await _owner_of(0, ports[0])
    next(node for node in own_cluster.nodes if node.port == lost).stop()

    # The other primaries mark it failed after the cluster's node timeout (5 s): the state turns to fail.
    down = await worker.wait_health(503, 30)
    assert down["failing"] == ["redis"], down
    detail = down["checks"]["redis"]["detail"]
    assert detail.startswith("cluster_state fail"), detail
    assert worker.alive(), worker.log_tail()
