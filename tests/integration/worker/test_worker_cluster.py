"""The worker with its state on a Redis Cluster (three primaries, ``redis-cluster://…``), end to end on the
real broker and the provider emulators: an account event is planned, sent and delivered; a payment
cancels what is pending; several debtors, whose keys and due sets fall on different nodes, all go."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio.cluster import RedisCluster
from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot
from worker_harness import (
    HookedEmulator,
    OutputWatcher,
    Stack,
    StartWorker,
    account_placed,
    closed_zone,
    open_zone,
    payment_received,
    produce,
    structured,
    unique_phone,
)

from orchestrator.outputs import ACCOUNT_EVENTS
from parley.store.keys import StoreKeys

TIMEOUT_S = 45.0
DEBTORS = 12


@pytest.fixture
def stack(kafka_bootstrap: str, redis_cluster_url: str, key_prefix: str) -> Stack:
    """This module's stack keeps the worker's state on the session's Redis Cluster."""
    return Stack(kafka_bootstrap, redis_cluster_url, key_prefix)


def _ids() -> tuple[str, str, str]:
    return f"deb-{uuid.uuid4().hex[:8]}", unique_phone(), f"ana.{uuid.uuid4().hex[:6]}@example.com"


def _spread_over_the_nodes(keys: StoreKeys) -> list[tuple[str, str, str]]:
    """``DEBTORS`` debtors whose keys fall in each third of the slots (the three primaries' ranges, as
    ``redis-cli --cluster create`` splits them): random ids could all land on two nodes."""
    debtors: list[tuple[str, str, str]] = []
    thirds: set[int] = set()
    while len(debtors) < DEBTORS or len(thirds) < 3:
        debtor = _ids()
        debtors.append(debtor)
        thirds.add(key_slot(keys.state(debtor[0]).encode()) * 3 // REDIS_CLUSTER_HASH_SLOTS)
    return debtors


async def test_debtors_on_every_node_are_scheduled_sent_and_delivered(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    await start_worker()
    debtors = _spread_over_the_nodes(StoreKeys(stack.key_prefix))  # as the worker builds keys from PARLEY_KEY_PREFIX
    zone = open_zone()
    await produce(
        stack.kafka_bootstrap,
        stack.topic(ACCOUNT_EVENTS),
        [structured(account_placed(debtor_id, "acc-1", zone, phone, email)) for debtor_id, phone, email in debtors],
    )
    for debtor_id, phone, _ in debtors:
        scheduled = await outputs.one("message.scheduled", TIMEOUT_S, debtor_id=debtor_id, step_id="first_notice_sms")
        send_id = scheduled.data["send_id"]
        dispatched = await outputs.one("message.dispatched", TIMEOUT_S, send_id=send_id)
        assert dispatched.data["to"] == phone
        assert [r.destination for r in emulator.accepted(send_id)] == [phone]
        await outputs.one("message.delivered", TIMEOUT_S, send_id=send_id)

    first_node = stack.redis_url.removeprefix("redis-cluster://").split(",")[0]
    client = RedisCluster.from_url(f"redis://{first_node}")
    try:
        await client.initialize()  # reads the slot map
        keys = StoreKeys(stack.key_prefix)
        nodes = {client.get_node_from_key(keys.state(debtor_id)).name for debtor_id, _, _ in debtors}
        assert len(nodes) == 3, f"the debtors' state keys are on {sorted(nodes)} only"
        assert all([await client.exists(keys.state(debtor_id)) for debtor_id, _, _ in debtors])
    finally:
        await client.aclose()


async def test_a_payment_cancels_the_pending_sends_and_nothing_reaches_the_provider(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    await start_worker()
    debtor_id, phone, email = _ids()
    await produce(
        stack.kafka_bootstrap,
        stack.topic(ACCOUNT_EVENTS),
        [structured(account_placed(debtor_id, "acc-1", closed_zone(), phone, email))],
    )
    await outputs.wait_for(
        "the cadence planned", lambda: len(outputs.of("message.scheduled", debtor_id=debtor_id)) == 6, TIMEOUT_S
    )
    planned = {o.data["send_id"] for o in outputs.of("message.scheduled", debtor_id=debtor_id)}

    await produce(
        stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), [structured(payment_received(debtor_id, "acc-1"))]
    )
    await outputs.wait_for(
        "every planned send cancelled",
        lambda: planned <= {o.data["send_id"] for o in outputs.of("message.cancelled", debtor_id=debtor_id)},
        TIMEOUT_S,
    )
    assert emulator.accepted() == []
    assert not outputs.of("message.dispatched", debtor_id=debtor_id)
