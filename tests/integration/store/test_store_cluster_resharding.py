"""The store while its Redis Cluster moves slots (resharding, as ``redis-cli --cluster reshard`` does it):
a debtor's keys and a partition's due set move to another primary under a store whose slot map is out
of date. In the middle of the move (the slot MIGRATING on its old node, its keys already on the new
one) the old node answers ASK; afterwards MOVED. The store follows both and every operation goes on.

The cluster is the test's own: the session's keeps the three equal slot ranges other tests rely on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from redis.asyncio import Redis
from redis.crc import key_slot

from orchestrator.storage import BeginOutcome, Commit, ScheduledSend
from parley.devservers import RedisCluster
from parley.store import RedisStateStore, connect

pytestmark = pytest.mark.redis

NOW = 1_700_000_000_000
DEBTOR, PARTITION = "D-moving", 7


@pytest.fixture
def own_cluster() -> Iterator[RedisCluster]:
    with RedisCluster() as cluster:
        yield cluster


class Admin:
    """Plain connections to every node, for the CLUSTER commands a resharding tool sends."""

    def __init__(self, ports: list[int]) -> None:
        self.nodes = {port: Redis(host="127.0.0.1", port=port) for port in ports}

    async def run(self, port: int, *command: object) -> object:
        return await self.nodes[port].execute_command(*command)  # type: ignore[no-untyped-call]

    async def node_id(self, port: int) -> str:
        raw = await self.run(port, "CLUSTER", "MYID")
        return raw.decode() if isinstance(raw, bytes) else str(raw)

    async def owner(self, slot: int) -> int:
        any_port = next(iter(self.nodes))
        ranges = await self.run(any_port, "CLUSTER", "SLOTS")
        assert isinstance(ranges, list)
        return int(next(owner for start, end, owner, *_ in ranges if start <= slot <= end)[1])

    async def start_moving(self, slot: int, source: int, target: int) -> None:
        await self.run(target, "CLUSTER", "SETSLOT", slot, "IMPORTING", await self.node_id(source))
        await self.run(source, "CLUSTER", "SETSLOT", slot, "MIGRATING", await self.node_id(target))

    async def move_keys(self, slot: int, source: int, target: int) -> int:
        keys = await self.run(source, "CLUSTER", "GETKEYSINSLOT", slot, 1000)
        assert isinstance(keys, list)
        if keys:
            await self.run(source, "MIGRATE", "127.0.0.1", target, "", 0, 5000, "KEYS", *keys)
        return len(keys)

    async def finish_moving(self, slot: int, target: int) -> None:
        target_id = await self.node_id(target)
        for port in [target, *(p for p in self.nodes if p != target)]:  # the new owner first, as redis-cli does
            await self.run(port, "CLUSTER", "SETSLOT", slot, "NODE", target_id)

    async def close(self) -> None:
        for node in self.nodes.values():
            await node.aclose()


async def test_every_operation_follows_a_debtor_and_a_due_set_moving_to_another_primary(
    own_cluster: RedisCluster,
) -> None:
    admin = Admin(own_cluster.ports)
    async with await connect(own_cluster.url) as connection:
        try:
            store = RedisStateStore(connection.client, key_prefix="reshard")
            await store.prepare()
            schedule = [ScheduledSend(s, PARTITION, NOW, b"payload") for s in ("a", "b", "c")]
            assert (await store.commit(Commit(DEBTOR, 0, b"v1", "e1", b"replay", schedule=schedule))).ok

            debtor_slot, due_slot = (
                key_slot(store.keys.state(DEBTOR).encode()),
                key_slot(store.keys.due(PARTITION).encode()),
            )
            moves = []
            for slot in dict.fromkeys((debtor_slot, due_slot)):
                source = await admin.owner(slot)
                target = next(port for port in own_cluster.ports if port != source)
                moves.append((slot, source, target))
                await admin.start_moving(slot, source, target)
                assert await admin.move_keys(slot, source, target) > 0

            # Mid-move: the keys are on the new node, the slot still the old one's (ASK redirects).
            loaded, record = await store.load_for_dispatch(DEBTOR, "a")
            assert (loaded.version, loaded.state, record is not None) == (1, b"v1", True)
            claimed = await store.claim_due(PARTITION, NOW, lease_ms=60_000, limit=10)
            assert sorted(ref.send_id for ref in claimed) == ["a", "b", "c"]
            begun = await store.begin_dispatch(DEBTOR, "a", loaded.version, b"v2")
            assert begun.outcome == BeginOutcome.STARTED

            for slot, _, target in moves:
                await admin.finish_moving(slot, target)
                assert await admin.owner(slot) == target

            # Moved: the store's slot map is stale (MOVED), then read again.
            finished = await store.finish_dispatch(DEBTOR, "a", PARTITION, b"v3", begun.version)
            assert (finished.recorded, finished.state_written) == (True, True)
            later = Commit(DEBTOR, finished.version, b"v4", "e2", b"replay 2", cancel=["b"])
            (result,) = await store.commit_many([later])
            assert (result.ok, result.cancelled) == (True, ("b",))
            assert (await store.load(DEBTOR, "e2")).state == b"v4"
            assert [s.send_id for s in await store.pending_sends(DEBTOR)] == ["c"]
            due = await connection.client.zrange(store.keys.due(PARTITION), 0, -1)
            # a's hint went with its finish; b's stays as a stale hint of a cancelled send, dropped by its claim
            assert [member.decode() for member in due] == [f"{DEBTOR}|b", f"{DEBTOR}|c"]
        finally:
            await admin.close()
