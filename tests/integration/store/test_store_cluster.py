"""The store on a real three-primary Redis Cluster (``redis-cluster://``): every operation end to end
with debtors, due sets and index buckets on different nodes, scripts on every primary, and the order
across slots — a hint is written before the send record it stands for and removed after it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio.cluster import RedisCluster

from orchestrator.storage import (
    BeginOutcome,
    Commit,
    ReleaseOutcome,
    ScheduledSend,
    SendRef,
    SendStatus,
    StoreError,
)
from parley.store import RedisStateStore, StoreConnection, connect
from parley.store.cluster import CountingRedisCluster, SkippedCommand, cluster_round_trip
from parley.store.connect import Commands

pytestmark = pytest.mark.redis

NOW = 1_700_000_000_000


@pytest.fixture
async def cluster(redis_cluster_url: str) -> AsyncIterator[StoreConnection]:
    async with await connect(redis_cluster_url) as connection:
        yield connection


@pytest.fixture
async def store(cluster: StoreConnection, key_prefix: str) -> RedisStateStore:
    store = RedisStateStore(cluster.client, key_prefix=key_prefix.rstrip(":"))
    await store.prepare()
    return store


def client_of(connection: StoreConnection) -> CountingRedisCluster:
    assert isinstance(connection.client, CountingRedisCluster)
    return connection.client


async def node_of(client: RedisCluster, key: str) -> str:
    """The node serving ``key``, by the server's own CLUSTER KEYSLOT."""
    slot = await client.execute_command("CLUSTER KEYSLOT", key)
    return str(client.nodes_manager.get_node_from_slot(int(slot)).name)


async def spread_debtors(store: RedisStateStore, client: RedisCluster, count: int = 3) -> list[str]:
    """Debtor ids whose slots are served by ``count`` different nodes."""
    found: dict[str, str] = {}
    for n in range(200):
        node = await node_of(client, store.keys.state(f"D{n}"))
        found.setdefault(node, f"D{n}")
        if len(found) == count:
            return list(found.values())
    raise AssertionError("no debtors on three nodes")


async def partition_elsewhere(store: RedisStateStore, client: RedisCluster, debtor_id: str) -> int:
    """A partition whose due set is on another node than the debtor's keys."""
    home = await node_of(client, store.keys.state(debtor_id))
    for partition in range(64):
        if await node_of(client, store.keys.due(partition)) != home:
            return partition
    raise AssertionError("every due set on the debtor's node")


def send(send_id: str, partition: int, due_ms: int = NOW) -> ScheduledSend:
    return ScheduledSend(send_id, partition, due_ms, f"payload {send_id}".encode())


async def due_members(client: RedisCluster, store: RedisStateStore, partition: int) -> set[str]:
    return {member.decode() for member in await client.zrange(store.keys.due(partition), 0, -1)}


async def test_the_cluster_has_three_primaries_and_every_slot(cluster: StoreConnection) -> None:
    client = client_of(cluster)
    assert len(client.get_primaries()) == 3
    assert len({node.name for node in client.get_primaries()}) == 3


async def test_commits_across_nodes_schedule_cancel_index_and_load(
    cluster: StoreConnection, store: RedisStateStore
) -> None:
    client = client_of(cluster)
    debtors = await spread_debtors(store, client)
    partition = await partition_elsewhere(store, client, debtors[0])
    assert len({await node_of(client, store.keys.state(d)) for d in debtors}) == 3

    first = [
        Commit(d, 0, f"state {d}".encode(), "e1", b"replay", schedule=[send("s1", partition), send("s2", partition)])
        for d in debtors
    ]
    results = await store.commit_many(first)
    assert [(r.ok, r.version) for r in results] == [(True, 1)] * 3
    assert await due_members(client, store, partition) == {f"{d}|{s}" for d in debtors for s in ("s1", "s2")}

    second = Commit(
        debtors[0], 1, b"state 2", "e2", b"replay 2", cancel=["s2"], index=["+15550001"], unindex=["+15550002"]
    )
    (result,) = await store.commit_many([second])
    assert (result.ok, result.version, result.cancelled) == (True, 2, ("s2",))
    assert await store.debtors_at("+15550001") == (debtors[0],)
    assert await store.get_send(debtors[0], "s2") is None

    loaded = await store.load_many([(d, "e1") for d in debtors])
    assert [(x.version, x.state, x.replay) for x in loaded] == [
        (2, b"state 2", b"replay"),
        (1, f"state {debtors[1]}".encode(), b"replay"),
        (1, f"state {debtors[2]}".encode(), b"replay"),
    ]
    assert (await store.load(debtors[0], "e2")).replay == b"replay 2"
    pending = await store.pending_sends(debtors[1])
    assert [(p.send_id, p.status) for p in pending] == [("s1", SendStatus.SCHEDULED), ("s2", SendStatus.SCHEDULED)]


async def test_dispatch_claim_begin_finish_release_reschedule_and_drop(
    cluster: StoreConnection, store: RedisStateStore
) -> None:
    client = client_of(cluster)
    debtor, *_ = await spread_debtors(store, client)
    partition = await partition_elsewhere(store, client, debtor)
    schedule = [send("a", partition), send("b", partition), send("c", partition), send("late", partition, NOW + 10)]
    await store.commit(Commit(debtor, 0, b"s1", "e1", b"r", schedule=schedule))
    assert await store.due_count(partition) == 4

    claimed = await store.claim_due(partition, NOW, lease_ms=60_000, limit=10)
    assert sorted(ref.send_id for ref in claimed) == ["a", "b", "c"]
    assert await store.next_due_ms(partition) == NOW + 10

    loaded, record = await store.load_for_dispatch(debtor, "a")
    assert record is not None and record.status == SendStatus.SCHEDULED
    assert loaded.pending == {"a", "b", "c", "late"}
    begun = await store.begin_dispatch(debtor, "a", loaded.version, b"s2")
    assert begun.outcome == BeginOutcome.STARTED
    finished = await store.finish_dispatch(debtor, "a", partition, b"s3", begun.version)
    assert (finished.recorded, finished.state_written) == (True, True)
    assert f"{debtor}|a" not in await due_members(client, store, partition)

    begun = await store.begin_dispatch(debtor, "b", finished.version, b"s4")
    released = await store.release_dispatch(debtor, "b", partition, NOW + 5, begun.version, b"s5")
    assert released.outcome == ReleaseOutcome.RELEASED
    assert await client.zscore(store.keys.due(partition), f"{debtor}|b") == NOW + 5

    assert await store.reschedule(debtor, "c", partition, NOW + 7)
    assert await client.zscore(store.keys.due(partition), f"{debtor}|c") == NOW + 7
    assert (await store.get_send(debtor, "c")).due_ms == NOW + 7  # type: ignore[union-attr]

    finished = await store.finish_dispatch(debtor, "c", partition, b"s6", released.version, only_if_current=True)
    assert finished.recorded and f"{debtor}|c" not in await due_members(client, store, partition)

    await client.zadd(store.keys.due(partition), {f"{debtor}|gone": NOW})  # a stale hint
    await store.drop_due(partition, SendRef(debtor, "gone"))
    assert f"{debtor}|gone" not in await due_members(client, store, partition)
    assert await store.update_state(debtor, finished.version, b"s7") is not None


async def test_forget_replays_over_debtors_on_every_node(cluster: StoreConnection, store: RedisStateStore) -> None:
    client = client_of(cluster)
    debtors = [f"F{n}" for n in range(40)]
    assert len({await node_of(client, store.keys.state(d)) for d in debtors}) == 3
    await store.commit_many([Commit(d, 0, b"s", "e1", b"r") for d in debtors])
    await store.forget_replays([(d, "e1") for d in debtors])
    assert all(loaded.replay is None for loaded in await store.load_many([(d, "e1") for d in debtors]))


async def test_scripts_flushed_on_every_node_are_loaded_again(cluster: StoreConnection, store: RedisStateStore) -> None:
    client = client_of(cluster)
    debtors = await spread_debtors(store, client)
    for node in client.get_primaries():
        await client.execute_command("SCRIPT FLUSH", target_nodes=node)
    results = await store.commit_many([Commit(d, 0, b"s", "e1", b"r") for d in debtors])
    assert all(result.ok for result in results)
    for node in client.get_primaries():
        (known,) = await client.execute_command("SCRIPT EXISTS", store._scripts["commit"].sha, target_nodes=node)
        assert known


async def test_round_trips_are_counted_per_node_batch(cluster: StoreConnection, store: RedisStateStore) -> None:
    client = client_of(cluster)
    debtors = await spread_debtors(store, client)
    cluster.round_trips.reset()
    await store.load_many([(d, "e1") for d in debtors])  # three debtors, three nodes, one part
    assert cluster.round_trips.reset() == 3
    await store.load(debtors[0], "e1")
    assert cluster.round_trips.reset() == 1
    await store.prepare()  # every primary, one batch each
    assert cluster.round_trips.reset() == 3


async def test_a_refused_commit_leaves_only_stray_hints_that_a_claim_drops(
    cluster: StoreConnection, store: RedisStateStore
) -> None:
    client = client_of(cluster)
    debtor, *_ = await spread_debtors(store, client)
    partition = await partition_elsewhere(store, client, debtor)
    await store.commit(Commit(debtor, 0, b"s1", "e1", b"r"))

    refused = await store.commit(Commit(debtor, 0, b"stale", "e2", b"r", schedule=[send("x", partition)]))
    assert not refused.ok
    assert await store.get_send(debtor, "x") is None
    (claimed,) = await store.claim_due(partition, NOW, 60_000, 10)  # the stray hint, written before the script
    assert claimed == SendRef(debtor, "x")
    await store.drop_due(partition, claimed)  # what dispatch does with a send that has no record
    assert await store.due_count(partition) == 0


async def test_a_hint_dropped_while_its_commit_is_in_flight_comes_back(
    cluster: StoreConnection, store: RedisStateStore
) -> None:
    """A claimer that read no record (the commit's script had not landed yet) drops the hint; the
    record then exists, and the drop puts the hint back."""
    client = client_of(cluster)
    debtor, *_ = await spread_debtors(store, client)
    partition = await partition_elsewhere(store, client, debtor)
    await store.commit(Commit(debtor, 0, b"s1", "e1", b"r", schedule=[send("y", partition)]))
    await store.drop_due(partition, SendRef(debtor, "y"))
    assert await client.zscore(store.keys.due(partition), f"{debtor}|y") == NOW


async def test_no_script_runs_when_its_hint_was_refused(cluster: StoreConnection, store: RedisStateStore) -> None:
    """A send is never committed without its hint: a hint the server refuses stops the commit."""
    client = client_of(cluster)
    debtor, *_ = await spread_debtors(store, client)
    partition = await partition_elsewhere(store, client, debtor)
    await client.set(store.keys.due(partition), b"not a zset")
    with pytest.raises(StoreError, match="WRONGTYPE"):
        await store.commit(Commit(debtor, 0, b"s1", "e1", b"r", schedule=[send("z", partition)]))
    assert (await store.load(debtor, "e1")).version == 0
    assert await store.get_send(debtor, "z") is None


async def test_later_parts_wait_for_earlier_ones_and_skip_after_an_error(
    cluster: StoreConnection, key_prefix: str
) -> None:
    client = client_of(cluster)
    ok, failing = Commands(), Commands()
    ok.set(f"{key_prefix}{{a}}", b"1").then().get(f"{key_prefix}{{a}}")
    failing.hgetall(f"{key_prefix}{{a}}").then().set(f"{key_prefix}{{b}}", b"2")
    got = await cluster_round_trip(client, [ok, failing])
    assert got[0] == [True, b"1"]
    assert isinstance(got[1][0], Exception) and isinstance(got[1][1], SkippedCommand)
    assert await client.get(f"{key_prefix}{{b}}") is None


async def test_an_unknown_cluster_scheme_url_is_refused() -> None:
    with pytest.raises(ValueError, match="host:port"):
        await connect("redis-cluster://nohostport")
