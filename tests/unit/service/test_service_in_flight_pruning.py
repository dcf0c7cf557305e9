"""In-flight entries whose send was closed by a worker that stopped before its record said so: the
record loaded for dispatch drops them, keeping every send still pending (and the one being worked)."""

from __future__ import annotations

from datetime import UTC, datetime

from orchestrator.domain.transitions import apply_event
from orchestrator.events import Account, AccountPlaced, DebtorProfile, InboundEvent, Name
from orchestrator.service.record import DebtorRecord, InFlight, Tombstone

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def record_with_flights(**flights: InFlight) -> DebtorRecord:
    debtor = DebtorProfile(id="d-1", name=Name(first="Ana"))
    placed = InboundEvent(
        id="p", type="account.placed", source="test", subject="d-1", time=T0,
        data=AccountPlaced(debtor=debtor, account=Account(id="A", creditor="Acme", balance=100)),
    )  # fmt: skip
    return DebtorRecord(state=apply_event(None, placed), in_flight=dict(flights))


def test_in_flight_sends_no_longer_pending_are_pruned_and_those_still_pending_kept() -> None:
    stone = Tombstone("payment.received", "pay-1")
    record = record_with_flights(closed=InFlight(("A",), "reminder", stone), flying=InFlight(("A",), "reminder"))

    pruned = record.pruning_in_flight(frozenset({"flying", "scheduled-later"}))

    assert pruned.in_flight == {"flying": InFlight(("A",), "reminder")}
    assert pruned.state == record.state


def test_a_record_whose_in_flight_sends_are_all_pending_is_returned_as_it_is() -> None:
    record = record_with_flights(flying=InFlight(("A",), "reminder"))
    assert record.pruning_in_flight(frozenset({"flying"})) is record
    assert record_with_flights().pruning_in_flight(frozenset()) == record_with_flights()
