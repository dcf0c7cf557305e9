"""The debtor record's bytes: deflated with a preset dictionary of record shapes, smaller than plain
deflate, and every earlier format still readable."""

from __future__ import annotations

import hashlib
import json
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.domain import DebtorState, to_json_bytes
from orchestrator.events import DebtorProfile, Name
from orchestrator.ids import event_identity
from orchestrator.recent import Recent
from orchestrator.service import record as record_module
from orchestrator.service.record import RECORD_V1, DebtorRecord, decode_record_blob, encode_record_blob
from orchestrator.service.record_dictionary import RECORD_DICTIONARY_V1
from orchestrator.service.replay import compress

# A dictionary in use must never change (records written with it would no longer read): a new
# dictionary gets a new marker. Regenerating this one must reproduce it byte for byte.
DICTIONARY_V1_SHA256 = "e166548719267464f8fb377a8dfdd05a005abac0bed53ea40786f4d270e3d934"


def a_record(debtor_id: str = "d-000042") -> DebtorRecord:
    profile = DebtorProfile.model_validate(
        {
            "id": debtor_id,
            "name": {"first": "Ana", "last": "Ruiz"},
            "language": "es",
            "address": {"line1": "12 Elm St", "city": "Boise", "state": "ID", "postal_code": "83702"},
            "phones": [{"number": "+12085550100", "sms_consent": True, "call_consent": True}],
            "emails": [{"address": "ana.ruiz@example.com", "consent": True}],
        }
    )
    record = DebtorRecord(state=DebtorState(profile=profile), pending={"snd_a": ("a-1",)})
    return record.seeing("evt-1", datetime(2026, 3, 1, tzinfo=UTC), timedelta(days=7))


def test_dictionary_v1_is_the_one_records_were_written_with() -> None:
    assert len(RECORD_DICTIONARY_V1) == 4096
    assert hashlib.sha256(RECORD_DICTIONARY_V1).hexdigest() == DICTIONARY_V1_SHA256


@pytest.fixture(autouse=True)
def no_recent_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decode for real: without this, bytes this process just encoded come back from a cache."""
    monkeypatch.setattr(record_module, "_RECENT", Recent(0))


def test_a_record_round_trips_through_its_bytes() -> None:
    record = a_record()
    raw = record.to_bytes()
    assert raw[:1] == RECORD_V1
    assert DebtorRecord.from_bytes(raw) == record


def test_a_record_written_plain_round_trips_and_is_its_json() -> None:
    record = a_record()
    plain = record.to_bytes(compressed=False)
    assert plain[:1] == b"{" and decode_record_blob(record.to_bytes()) == plain
    assert DebtorRecord.from_bytes(plain) == record


def test_the_dictionary_makes_a_record_smaller_than_plain_deflate() -> None:
    blob = to_json_bytes(a_record().state) + b'\n{"p":{"snd_a":["a-1"]}}'
    assert decode_record_blob(encode_record_blob(blob)) == blob
    assert len(encode_record_blob(blob)) < 0.85 * len(zlib.compress(blob, 9))


def test_records_written_before_the_dictionary_still_read() -> None:
    record = a_record("d-legacy")
    books = json.dumps({"p": {"snd_a": ["a-1"]}, "e": {"evt-1": 1772323200}}, separators=(",", ":")).encode()
    blob = to_json_bytes(record.state) + b"\n" + books
    for legacy in (compress(blob), blob):  # zlib-marked, and plain JSON
        read = DebtorRecord.from_bytes(legacy)
        assert read.state == record.state and read.pending == {"snd_a": ("a-1",)}
        assert read.has_seen(event_identity("upstream", "evt-1"), "evt-1")


def test_a_tiny_record_round_trips_too() -> None:
    record = DebtorRecord(state=DebtorState(profile=DebtorProfile(id="d", name=Name(first="A"))))
    assert DebtorRecord.from_bytes(record.to_bytes()) == record
