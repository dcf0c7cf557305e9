"""Every dead letter fits one produce request, whatever the rejected record held: a reason quotes an
excerpt of what it refuses and is bounded as a whole, and the record's value, key and headers are each
carried up to a cap. A dead letter too large to publish would be retried forever and stall the stream."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from consumers.app import create_app
from consumers.records import ConsumedRecord
from orchestrator.codec import (
    DEAD_LETTER_ERROR_TYPE_LIMIT,
    DEAD_LETTER_HEADER_COST,
    DEAD_LETTER_HEADERS_LIMIT,
    DEAD_LETTER_KEY_LIMIT,
    DEAD_LETTER_ORIGINAL_LIMIT,
    DEAD_LETTER_REASON_LIMIT,
    dead_letter,
    encode_output,
)
from orchestrator.outputs import DeadLetter, OutputEvent
from orchestrator.reasons import capped, excerpt, quoted
from parley.embedded.session import read_events, rejected_line
from parley.settings import Settings
from tests.unit.codec.test_codec_decode import PLACED_DATA

NOW = datetime(2024, 3, 4, 15, tzinfo=UTC)
HUGE = 900_000  # characters: the record still fits Kafka's default 1 MB message size


@pytest.fixture(scope="module")
def producer_limit() -> Iterator[int]:
    """The largest record the worker's producer sends, as the worker's faust app is configured."""
    yield int(create_app(Settings()).conf.producer_max_request_size)


def record_size(letter: OutputEvent) -> int:
    """The dead letter's size as the producer measures it before sending (encoded as the publisher does)."""
    key, value, headers = encode_output(letter)
    return int(DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers))


def envelope(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "urn:acme:servicing",
        "type": "account.placed",
        "subject": "deb-1",
        "time": "2024-03-04T15:00:00Z",
        "data": copy.deepcopy(PLACED_DATA),
    }
    event.update(changes)
    return event


def consumed(value: bytes, headers: list[tuple[str, bytes]] | None = None, key: bytes | None = b"deb-1") -> Any:
    message = SimpleNamespace(
        value=value, headers=headers or [], key=key, partition=2, offset=7, topic="account-events"
    )
    return SimpleNamespace(message=message)


def worker_dead_letter(event: Any) -> OutputEvent:
    record = ConsumedRecord.decode(event, "account-events")
    assert record.inbound is None and record.error is not None
    (letter,) = record.dead("account-events", record.error, NOW)
    return letter


def letter_data(letter: OutputEvent) -> DeadLetter:
    assert isinstance(letter.data, DeadLetter)
    return letter.data


def _with_huge_time_zone() -> dict[str, Any]:
    event = envelope()
    event["data"]["debtor"]["timezone"] = "Z" * HUGE
    return event


HUGE_ENVELOPES = {
    "subject not matching the debtor": envelope(subject="A" * HUGE),
    "subject with the key separator": envelope(subject="|" + "A" * HUGE),
    "time": envelope(time="2024-03-04T15:00:00" + "9" * HUGE),
    "type": envelope(type="account." + "x" * HUGE),
    "id that is no string": envelope(id=["x" * 100] * (HUGE // 100)),
    "specversion": envelope(specversion="1." + "0" * HUGE),
    "datacontenttype": envelope(datacontenttype="text/" + "p" * HUGE),
    "time zone in the data": _with_huge_time_zone(),
}


@pytest.mark.parametrize("event", HUGE_ENVELOPES.values(), ids=HUGE_ENVELOPES.keys())
def test_a_record_quoting_a_huge_value_gives_a_dead_letter_the_producer_accepts(
    event: dict[str, Any], producer_limit: int
) -> None:
    value = json.dumps(event).encode()
    letter = worker_dead_letter(consumed(value))
    data = letter_data(letter)
    assert len(data.reason) <= DEAD_LETTER_REASON_LIMIT
    assert record_size(letter) <= producer_limit
    assert data.original_length == len(value) and data.original_sha256 == hashlib.sha256(value).hexdigest()


def test_a_reason_quotes_the_start_of_a_huge_subject_and_says_it_is_cut() -> None:
    letter = worker_dead_letter(consumed(json.dumps(envelope(subject="A" * HUGE)).encode()))
    reason = letter_data(letter).reason
    assert reason == "attribute 'subject' must have at most 128 characters, got 900,000: 'AAAA" + "A" * 36 + "…'"
    assert len(reason) < 200


def test_a_binary_mode_record_with_a_huge_header_gives_a_dead_letter_the_producer_accepts(
    producer_limit: int,
) -> None:
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"evt-1"),
        ("ce_source", b"urn:acme:servicing"),
        ("ce_type", b"account.placed"),
        ("ce_subject", b"A" * HUGE),
        ("ce_time", b"2024-03-04T15:00:00Z"),
        ("content-type", b"application/json"),
    ]
    letter = worker_dead_letter(consumed(json.dumps(PLACED_DATA).encode(), headers))
    data = letter_data(letter)
    assert record_size(letter) <= producer_limit
    assert data.headers_truncated is True
    kept = [header.key for header in data.original_headers]
    assert kept == ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "content-type"]


def test_a_huge_key_is_carried_cut_and_the_dead_letter_has_no_subject(producer_limit: int) -> None:
    key = b"k" * HUGE
    letter = worker_dead_letter(consumed(b"not json", key=key))
    data = letter_data(letter)
    assert record_size(letter) <= producer_limit
    assert data.key_truncated is True
    assert base64.b64decode(data.original_key or "") == key[:DEAD_LETTER_KEY_LIMIT]
    assert letter.subject is None


def test_a_record_within_every_cap_is_carried_whole() -> None:
    headers = [("ce_id", b"evt-1"), ("empty", None)]
    letter = dead_letter(b"{bad", headers, "bad JSON", "account-events", 0, 1, NOW, key=b"deb-1")
    data = letter_data(letter)
    assert (data.truncated, data.key_truncated, data.headers_truncated) == (False, False, False)
    assert [(h.key, h.value) for h in data.original_headers] == [("ce_id", "ZXZ0LTE="), ("empty", None)]
    assert letter.subject == "deb-1"


def test_the_largest_possible_dead_letter_fits_the_producer_limit_with_room_to_spare(producer_limit: int) -> None:
    """Every part at its cap, in the characters JSON writes longest (a control character is six bytes)."""
    control = "\x01"
    value = b"\x00" * (DEAD_LETTER_ORIGINAL_LIMIT + 1)
    key = control.encode() * DEAD_LETTER_KEY_LIMIT  # text: it is also the subject and the Kafka key
    name = control * (DEAD_LETTER_HEADERS_LIMIT // 4 - DEAD_LETTER_HEADER_COST)  # four fill the headers' room
    headers: list[tuple[str, bytes | None]] = [(name, None)] * 5
    letter = dead_letter(
        value,
        headers,
        control * (10 * DEAD_LETTER_REASON_LIMIT),
        "t" * 249,  # Kafka's longest topic name
        2**31 - 1,
        2**63 - 1,
        NOW,
        key=key,
        error_type=control * (10 * DEAD_LETTER_ERROR_TYPE_LIMIT),
    )
    data = letter_data(letter)
    assert data.truncated and data.headers_truncated and not data.key_truncated
    assert letter.subject == key.decode() and len(data.original_headers) == 4
    assert record_size(letter) <= 0.9 * producer_limit


# --- the embedded runner and replay -----------------------------------------------------------


def test_a_replay_line_with_a_huge_subject_becomes_a_bounded_dead_letter() -> None:
    line = json.dumps(envelope(subject="|" + "A" * HUGE)).encode()
    parsed = read_events([line])
    (rejected,) = parsed.rejected
    letter = rejected_line(rejected, NOW)
    reason = letter_data(letter).reason
    assert reason.startswith("line 1: attribute 'subject' must not contain '|', got '|AAA")
    assert len(reason) < 200


def test_any_reason_is_bounded_where_the_dead_letter_is_built() -> None:
    """The runner's and the worker's reasons for an event the core cannot act on (an unknown debtor, a
    status of no known send) quote the event's own ids: they are bounded too."""
    letter = dead_letter(b"{}", (), "line 3: " + "x" * HUGE, "replay-input", None, 3, NOW, error_type="UnknownDebtor")
    reason = letter_data(letter).reason
    assert len(reason) == DEAD_LETTER_REASON_LIMIT
    assert reason.startswith("line 3: xxx") and reason.endswith(f"… ({HUGE + len('line 3: '):,} characters in all)")


# --- the helpers ------------------------------------------------------------------------------


def test_an_excerpt_keeps_a_short_text_and_cuts_a_long_one_with_an_ellipsis() -> None:
    assert excerpt("USD", 8) == "USD"
    assert excerpt("ABCDEFGHIJ", 8) == "ABCDEFGH…"


def test_quoted_shows_a_string_s_excerpt_and_a_json_container_by_its_kind() -> None:
    assert quoted("deb-1") == "'deb-1'"
    assert quoted("A" * 100) == repr("A" * 40 + "…")
    assert quoted(["x"] * 100_000) == "an array"
    assert quoted({"a": 1}) == "an object"
    assert quoted(7) == "7"
    assert quoted(None) == "null"


def test_a_capped_reason_keeps_its_start_and_says_how_long_it_was() -> None:
    assert capped("short", 1000) == "short"
    long = "r" * 5000
    cut = capped(long, 1000)
    assert len(cut) == 1000
    assert cut.startswith("rrr") and cut.endswith("… (5,000 characters in all)")


def test_the_published_contract_states_the_caps() -> None:
    fields = DeadLetter.model_fields
    stated = {
        "reason": DEAD_LETTER_REASON_LIMIT,
        "truncated": DEAD_LETTER_ORIGINAL_LIMIT,
        "key_truncated": DEAD_LETTER_KEY_LIMIT,
        "headers_truncated": DEAD_LETTER_HEADERS_LIMIT,
    }
    for name, cap in stated.items():
        assert f"{cap:,}" in (fields[name].description or ""), name
