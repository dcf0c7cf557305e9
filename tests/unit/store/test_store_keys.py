"""Every key shape the store writes: one debtor's keys share one cluster slot (so each Lua script is
cluster-safe), one partition's keys share one, and ids that would break a key are refused."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from redis.crc import key_slot

from orchestrator.storage import SendRef
from parley.store.keys import DESTINATION_BUCKETS, InvalidKeyPart, StoreKeys, parse_send_member, send_member

KEYS = StoreKeys("parley")
debtor_ids = st.text(min_size=1, max_size=40).filter(lambda text: "|" not in text)
ids = st.text(min_size=1, max_size=40)


def debtor_slot_keys(debtor_id: str, event_id: str, send_id: str) -> list[str]:
    return [
        KEYS.state(debtor_id),
        KEYS.event(debtor_id, event_id),
        KEYS.send(debtor_id, send_id),
        KEYS.pending(debtor_id),
    ]


@settings(max_examples=200, deadline=None)
@given(debtor_ids, ids, ids)
def test_every_key_of_one_debtor_hashes_to_one_slot(debtor_id: str, event_id: str, send_id: str) -> None:
    slots = {key_slot(key.encode()) for key in debtor_slot_keys(debtor_id, event_id, send_id)}
    assert len(slots) == 1


def test_the_debtor_hash_tag_is_the_debtor_id() -> None:
    assert key_slot(KEYS.state("D-1").encode()) == key_slot(b"{d:D-1}")
    assert KEYS.send("D-1", "s-9") == "parley:{d:D-1}:send:s-9"


def test_debtors_spread_over_many_slots() -> None:
    slots = {key_slot(KEYS.state(f"debtor-{n}").encode()) for n in range(1_000)}
    assert len(slots) > 900


def test_a_partition_due_set_has_its_own_hash_tag() -> None:
    assert KEYS.due(7) == "parley:{p:7}:due"
    assert key_slot(KEYS.due(7).encode()) == key_slot(b"{p:7}")


def test_the_destination_index_spreads_destinations_over_a_fixed_set_of_buckets() -> None:
    assert KEYS.destination("+15550001") == KEYS.destination("+15550001")
    buckets = {KEYS.destination(f"+1555{n:07d}") for n in range(20_000)}
    assert len(buckets) == DESTINATION_BUCKETS
    assert all(bucket.startswith("parley:idx:dest:") for bucket in buckets)


@pytest.mark.parametrize("debtor_id", ["", "a|b"])
def test_a_debtor_id_that_cannot_be_keyed_is_refused(debtor_id: str) -> None:
    with pytest.raises(InvalidKeyPart):
        KEYS.state(debtor_id)


def test_a_prefix_with_braces_is_refused_because_it_would_become_the_hash_tag() -> None:
    with pytest.raises(InvalidKeyPart, match="braces"):
        StoreKeys("parley{x}")


def test_a_negative_partition_is_refused() -> None:
    with pytest.raises(InvalidKeyPart):
        KEYS.due(-1)


@settings(max_examples=200, deadline=None)
@given(debtor_ids, ids)
def test_a_send_member_names_its_send_even_when_the_send_id_holds_the_separator(debtor_id: str, send_id: str) -> None:
    assert parse_send_member(send_member(debtor_id, send_id).encode()) == SendRef(debtor_id, send_id)


def test_a_malformed_member_is_refused() -> None:
    with pytest.raises(InvalidKeyPart, match="malformed"):
        parse_send_member(b"no-separator")


@settings(max_examples=100, deadline=None)
@given(debtor_ids.filter(lambda text: "}:" not in text), ids, ids)
def test_each_key_names_its_kind_for_memory_reports(debtor_id: str, event_id: str, send_id: str) -> None:
    kinds = [KEYS.kind_of(key) for key in debtor_slot_keys(debtor_id, event_id, send_id)]
    assert kinds == ["state", "evt", "send", "pending"]
    assert KEYS.kind_of(KEYS.due(3)) == "due"
    assert KEYS.kind_of(KEYS.destination(event_id)) == "idx:dest"
    assert KEYS.kind_of("someone-else:key") == "other"
