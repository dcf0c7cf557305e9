"""Sends at the provider in the debtor's record: what the cancellation rules need of them while the
provider call lasts, the cancellation that lands meanwhile (the tombstone), through the record's bytes —
and an event's plan cancels them by the same rules as pending sends."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from orchestrator.cadence import default_cadences
from orchestrator.domain import to_json_bytes
from orchestrator.domain.transitions import apply_event
from orchestrator.events import (
    Account,
    AccountPlaced,
    DebtorProfile,
    HoldPlaced,
    InboundEvent,
    Name,
    PaymentReceived,
    Phone,
    PromiseCreated,
)
from orchestrator.recent import Recent
from orchestrator.service import record as record_module
from orchestrator.service.planning import plan_event
from orchestrator.service.record import DebtorRecord, InFlight, Tombstone, encode_record_blob
from orchestrator.service.sends import PlannedSend

NEW_YORK = ZoneInfo("America/New_York")
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
WINDOW = timedelta(days=35)


@pytest.fixture(autouse=True)
def no_recent_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decode for real: without this, bytes this process just encoded come back from a cache."""
    monkeypatch.setattr(record_module, "_RECENT", Recent(0))


def event(event_type: str, data: object, *, event_id: str = "e1") -> InboundEvent:
    return InboundEvent(id=event_id, type=event_type, source="test", subject="d-1", time=T0, data=data)


def placed(account_id: str) -> InboundEvent:
    debtor = DebtorProfile(
        id="d-1", name=Name(first="Ana"), phones=(Phone(number="+12125550123", sms_consent=True, call_consent=True),)
    )
    account = Account(id=account_id, creditor="Acme", balance=Decimal("120.00"))
    return event("account.placed", AccountPlaced(debtor=debtor, account=account), event_id=f"placed-{account_id}")


def send(send_id: str, account: str = "A", purpose: str = "reminder") -> PlannedSend:
    return PlannedSend(send_id, "d-1", (account,), purpose, "sms", purpose, T0, "e0", T0, "step")


def at_provider(*sends: PlannedSend, pending: tuple[PlannedSend, ...] = ()) -> DebtorRecord:
    """A record of accounts A and B with ``sends`` taken off the schedule and in their provider call."""
    state = apply_event(apply_event(None, placed("A")), placed("B"))
    record = DebtorRecord(state=state).adding([*sends, *pending]).finishing({s.send_id for s in sends}, T0, WINDOW)
    for flying in sends:
        record = record.launching(flying)
    return record


def paid(account: str = "A") -> InboundEvent:
    return event("payment.received", PaymentReceived(account_id=account, amount=Decimal("20.00"), paid_at=T0))


def test_a_send_in_its_provider_call_is_neither_pending_nor_forgotten() -> None:
    record = at_provider(send("s1", purpose="first_notice"))
    assert record.pending == {} and record.planned_before("s1")
    assert record.in_flight == {"s1": InFlight(("A",), "first_notice")}
    assert record.landing("s1").in_flight == {}
    assert record.landing("elsewhere") is record


def test_in_flight_sends_and_their_tombstones_round_trip_through_the_records_bytes() -> None:
    record = at_provider(send("s1"), send("s2", "B", "first_notice"))
    record = record.cancelling_in_flight({"s1": "payment.received"}, "pay-1")
    read = DebtorRecord.from_bytes(record.to_bytes())
    assert read == record
    assert read.tombstone("s1") == Tombstone("payment.received", "pay-1") and read.tombstone("s2") is None


def test_a_record_written_before_in_flight_sends_were_kept_still_reads() -> None:
    record = at_provider()
    books = json.dumps({"p": {"s9": ["A"]}, "u": {"s9": "reminder"}}, separators=(",", ":")).encode()
    legacy = DebtorRecord.from_bytes(encode_record_blob(to_json_bytes(record.state) + b"\n" + books))
    assert legacy.in_flight == {} and legacy.pending == {"s9": ("A",)}
    assert legacy.tombstone("s9") is None


def test_the_first_cancellation_to_reach_a_send_in_flight_is_the_one_it_keeps() -> None:
    record = at_provider(send("s1")).cancelling_in_flight({"s1": "payment.received"}, "pay-1")
    again = record.cancelling_in_flight({"s1": "hold.placed: attorney"}, "hold-1")
    assert again.tombstone("s1") == Tombstone("payment.received", "pay-1")
    assert record.cancelling_in_flight({"gone": "payment.received"}, "pay-2").in_flight == record.in_flight


def test_a_payment_cancels_the_in_flight_sends_of_its_account_apart_from_the_pending_ones() -> None:
    record = at_provider(send("fly-a"), send("fly-b", "B"), pending=(send("wait-a"),))
    plan = plan_event(paid("A"), record, default_cadences(), NEW_YORK)
    assert plan.cancel == {"wait-a": "payment.received"}
    assert plan.cancel_in_flight == {"fly-a": "payment.received"}


def test_a_send_in_flight_a_cancellation_already_reached_is_not_cancelled_again() -> None:
    record = at_provider(send("fly-a")).cancelling_in_flight({"fly-a": "payment.received"}, "pay-1")
    hold = event("hold.placed", HoldPlaced(account_id=None, reason="attorney"))
    assert plan_event(hold, record, default_cadences(), NEW_YORK).cancel_in_flight == {}


def test_a_dispute_hold_spares_the_validation_notice_in_flight_as_it_does_a_pending_one() -> None:
    record = at_provider(send("notice", purpose="validation_notice"), send("dun"))
    hold = event("hold.placed", HoldPlaced(account_id=None, reason="dispute"))
    plan = plan_event(hold, record, default_cadences(), NEW_YORK)
    assert plan.cancel_in_flight == {"dun": "hold.placed: dispute"}


def test_a_new_promise_supersedes_the_earlier_promises_confirmation_in_flight_by_its_purpose() -> None:
    record = at_provider(send("confirm", purpose="promise_confirmation"), send("notice", purpose="first_notice"))
    promise = event("promise.created", PromiseCreated(account_id="A", amount=Decimal("50"), due_date=T0.date()))
    plan = plan_event(promise, record, default_cadences(), NEW_YORK)
    assert plan.cancel == {}
    assert plan.cancel_in_flight == {"confirm": "promise.created: supersedes the pending promise_confirmation"}
