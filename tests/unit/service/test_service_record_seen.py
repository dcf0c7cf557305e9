"""The debtor record's de-duplication window: processed inbound event ids, forgotten after the window
(measured from the newest event the record holds), kept through the record's bytes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from orchestrator.domain import DebtorState
from orchestrator.events import DebtorProfile, Name
from orchestrator.ids import event_identity, fingerprint
from orchestrator.service.record import DebtorRecord
from orchestrator.service.sends import PlannedSend

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def a_record() -> DebtorRecord:
    return DebtorRecord(state=DebtorState(profile=DebtorProfile(id="d1", name=Name(first="Ana"))))


def pending(send_id: str, account: str = "a", purpose: str = "reminder") -> PlannedSend:
    return PlannedSend(send_id, "d1", (account,), "reminder", "sms", purpose, T0, "e0", T0, "step")


def test_an_event_is_seen_within_the_window_and_forgotten_after_it() -> None:
    record = a_record().seeing("e1", T0, WEEK).seeing("e2", T0 + timedelta(days=3), WEEK)
    assert record.has_seen("e1") and record.has_seen("e2") and not record.has_seen("e3")
    later = record.seeing("e3", T0 + timedelta(days=8), WEEK)
    assert not later.has_seen("e1")  # 8 days before the newest
    assert later.has_seen("e2") and later.has_seen("e3")


def test_an_event_older_than_the_newest_still_counts_from_the_newest() -> None:
    record = a_record().seeing("late", T0 + timedelta(days=10), WEEK).seeing("early", T0, WEEK)
    assert record.has_seen("early")  # just remembered, even though older than the window
    assert record.seeing("next", T0 + timedelta(days=10), WEEK).has_seen("late")
    assert not record.seeing("next", T0 + timedelta(days=10), WEEK).has_seen("early")


def test_the_window_survives_the_records_bytes_and_holds_fingerprints_not_ids() -> None:
    event_id = "demo-7-payment.received-snd_v6wzmdehkq7fsmud5foy3xvhgn"
    record = a_record().seeing(event_id, T0, WEEK)
    read = DebtorRecord.from_bytes(record.to_bytes())
    assert read.seen == {fingerprint(event_id): int(T0.timestamp())}
    assert read.has_seen(event_id) and not read.has_seen(event_id + "x")


def test_a_record_written_before_fingerprints_still_recognises_its_events() -> None:
    legacy = replace(a_record(), seen={"e1": int(T0.timestamp())})
    assert legacy.has_seen(event_identity("src", "e1"), "e1")
    assert not legacy.has_seen(event_identity("src", "e2"), "e2")


def test_a_record_written_before_sources_counted_recognises_its_events_by_id() -> None:
    """Before events were told apart by source the record held the fingerprint of the bare id."""
    legacy = replace(a_record(), seen={fingerprint("e1"): int(T0.timestamp())})
    assert legacy.has_seen(event_identity("src", "e1"), "e1")
    assert not legacy.has_seen(event_identity("src", "e1"))  # found only by the legacy id


def test_the_same_id_from_two_sources_is_two_events() -> None:
    record = a_record().seeing(event_identity("billing", "42"), T0, WEEK)
    assert record.has_seen(event_identity("billing", "42"), "42")
    assert not record.has_seen(event_identity("payments", "42"), "42")


def test_a_send_taken_off_the_schedule_is_remembered_as_planned_before() -> None:
    record = a_record().adding([pending("s1"), pending("s2")]).finishing({"s1"}, T0, timedelta(days=35))
    assert record.pending == {"s2": ("a",)} and record.purposes == {"s2": "reminder"}
    assert record.planned_before("s1") and not record.planned_before("s2")
    assert DebtorRecord.from_bytes(record.to_bytes()).planned_before("s1")


def test_a_send_handed_back_to_the_schedule_is_no_longer_finished() -> None:
    record = a_record().adding([pending("s1")]).finishing({"s1"}, T0, timedelta(days=35))
    back = record.adding([pending("s1")])
    assert back.pending == {"s1": ("a",)} and not back.planned_before("s1")


def test_a_pending_sends_purpose_survives_the_records_bytes_and_older_records_have_none() -> None:
    record = a_record().adding([pending("s1", purpose="validation_notice"), pending("s2", purpose="reminder")])
    read = DebtorRecord.from_bytes(record.to_bytes())
    assert read.purposes == {"s1": "validation_notice", "s2": "reminder"}
    legacy = DebtorRecord.from_bytes(replace(record, purposes={}).to_bytes())
    assert legacy.pending == {"s1": ("a",), "s2": ("a",)} and legacy.purposes == {}


def test_finished_sends_are_forgotten_after_the_window_counted_from_the_newest() -> None:
    window = timedelta(days=35)
    record = a_record().finishing({"old"}, T0, window).finishing({"mid"}, T0 + timedelta(days=20), window)
    assert record.planned_before("old") and record.planned_before("mid")
    later = record.finishing({"new"}, T0 + timedelta(days=36), window)
    assert not later.planned_before("old")
    assert later.planned_before("mid") and later.planned_before("new")
