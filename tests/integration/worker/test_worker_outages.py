"""A Redis outage under a running worker, end to end: the worker rides it out (the scheduler skips its
ticks, a batch waits and is worked again, unacked, once the store is back) instead of crashing, says
so on ``/health`` (503 naming redis) and ``/metrics``, and afterwards every event's outputs appear
once per id and every send reaches the provider at most once.

The worker's Redis here is the test's own (``RestartableRedis``): it is stopped and started again on
the same port with its data, as an operator's restart or a failover looks to the worker.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from worker_harness import (
    HookedEmulator,
    OutputWatcher,
    RestartableRedis,
    Stack,
    StartWorker,
    account_placed,
    first_notices,
    open_zone,
    pending_statuses,
    produce,
    structured,
    unique_phone,
)

from orchestrator.outputs import ACCOUNT_EVENTS

STEPS_PER_PLACEMENT = 6  # the default cadence plans six sends for an account.placed
OUTAGE_S = 4.0  # many scheduler ticks (0.2 s) and batch retries long
OUTAGE_WARNING = "state store unavailable"


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RestartableRedis]:
    folder = tmp_path / "redis"
    folder.mkdir()
    server = RestartableRedis(folder).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stack(kafka_bootstrap: str, own_redis: RestartableRedis, key_prefix: str) -> Stack:
    """This module's workers use the test's own Redis (the conftest's ``stack`` uses the shared one)."""
    return Stack(kafka_bootstrap, own_redis.url, key_prefix)


def _placements(run: str, numbers: range) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    zone = open_zone()
    return [
        structured(account_placed(f"deb-{run}-{n}", f"acc-{n}", zone, unique_phone(), f"d{n}.{run}@example.com"))
        for n in numbers
    ]


async def test_a_worker_rides_out_a_redis_outage_while_events_flow_and_every_output_appears_once_per_id(
    stack: Stack,
    own_redis: RestartableRedis,
    emulator: HookedEmulator,
    outputs: OutputWatcher,
    start_worker: StartWorker,
) -> None:
    worker = await start_worker()
    run = uuid.uuid4().hex[:6]
    before, during = range(0, 150), range(150, 200)
    await produce(stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), _placements(run, before))
    await outputs.wait_for("the first burst under way", lambda: len(outputs.of("message.scheduled")) >= 30, 30)

    own_redis.stop()  # mid-burst: batches, drains and provider calls are in flight
    await produce(stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), _placements(run, during))
    await asyncio.sleep(OUTAGE_S)
    assert worker.alive(), f"the worker died during the outage:\n{worker.log_tail()}"
    status, body = await worker.health()
    assert status == 503 and "redis" in body["failing"], (status, body)
    assert "parley_store_unavailable 1" in await worker.metrics()

    own_redis.start()
    debtors = {f"deb-{run}-{n}" for n in (*before, *during)}

    def planned_by_debtor() -> dict[str, set[str]]:
        planned: dict[str, set[str]] = defaultdict(set)
        for out in outputs.of("message.scheduled"):
            planned[out.data["debtor_id"]].add(out.data["send_id"])
        return planned

    await outputs.wait_for(
        "every event's cadence planned",
        lambda: all(len(planned_by_debtor()[d]) == STEPS_PER_PLACEMENT for d in debtors),
        60,
    )
    due = first_notices(outputs)
    assert len(due) == len(debtors) * 2

    def settled(kind: str) -> dict[str, set[str]]:
        """Send id → the ids of its ``kind`` events."""
        found: dict[str, set[str]] = defaultdict(set)
        for out in outputs.of(kind):
            found[out.data["send_id"]].add(str(out.event["id"]))
        return found

    def settled_sends() -> set[str]:
        return set(settled("message.dispatched")) | set(settled("message.outcome_unknown"))

    # A send in flight when Redis went away is settled after its lease (9 s) by reconciliation.
    await outputs.wait_for("every due send settled", lambda: set(due) <= settled_sends(), 60)
    assert worker.alive(), worker.log_tail()

    # Once per id: replays publish the same ids again, never a second event for the same thing.
    scheduled_ids = Counter(o.data["send_id"] for o in outputs.of("message.scheduled"))
    assert set(scheduled_ids.values()) == {1}, [s for s, n in scheduled_ids.items() if n > 1][:5]
    for kind in ("message.dispatched", "message.outcome_unknown"):
        twice = {send: ids for send, ids in settled(kind).items() if len(ids) > 1}
        assert not twice, (kind, twice)
    # At most once at the provider; a send reported dispatched reached it exactly once. (An email whose
    # record Redis could not take after its call was published — dispatch publishes before it records —
    # is also reported outcome_unknown by the reconciliation: SendGrid cannot say what it got.)
    at_provider = Counter(r.send_id for r in emulator.accepted())
    assert not {s: n for s, n in at_provider.items() if n > 1}, "a send reached the provider twice"
    dispatched = set(settled("message.dispatched"))
    assert all(at_provider[send] == 1 for send in dispatched), [s for s in dispatched if at_provider[s] != 1][:5]
    # In Redis, every due send leaves ``dispatching`` too: one whose ``message.dispatched`` went out
    # before Redis could take its record is closed by reconciliation once its lease ends.
    left: dict[str, str] = {}
    deadline = time.monotonic() + 30
    while (left := await pending_statuses(stack.redis_url, stack.key_prefix, due)) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    assert left == {}

    # One warning for the outage, not one per attempt; the recovery is logged too.
    assert worker.log_count(OUTAGE_WARNING) == 1, worker.log_tail()
    assert worker.log_count("state store is back") == 1, worker.log_tail()
    metrics = parse_metrics(await worker.metrics())
    assert metrics["parley_store_unavailable"] == 0 and metrics["parley_store_outages_total"] >= 1
    assert metrics["parley_redis_round_trips_total"] > 0 and metrics["parley_scheduler_last_tick_age_seconds"] < 30
    assert (await worker.health())[0] == 200


def parse_metrics(text: str) -> dict[str, float]:
    """Prometheus text format: each unlabelled sample's value by name (the parser rejects a bad body)."""
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels
    }


async def test_health_is_200_with_every_check_and_503_naming_redis_while_redis_is_down(
    own_redis: RestartableRedis, start_worker: StartWorker
) -> None:
    worker = await start_worker(with_emulator=False)
    status, body = await worker.health()
    assert status == 200, body
    assert body["status"] == "ok" and body["failing"] == []
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert {name: check["ok"] for name, check in checks.items()} == {"redis": True, "kafka": True, "scheduler": True}

    own_redis.stop()
    down = await worker.wait_health(503, 10)
    assert down["failing"] == ["redis"], down
    assert worker.alive(), worker.log_tail()

    own_redis.start()
    back = await worker.wait_health(200, 15)
    assert back["failing"] == [], back
    assert worker.alive(), worker.log_tail()
