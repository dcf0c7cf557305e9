"""An inbound event is identified by its source and id together (CloudEvents 1.0): two upstream systems
that reuse an id send two events, and a record written before sources counted still recognises the
events it processed. Real redis-server, sandbox channels."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from orchestrator.events import Account, AccountPlaced, DebtorProfile, InboundEvent, Name, PaymentMissed, Phone
from orchestrator.ids import fingerprint
from orchestrator.outputs import MessageScheduled, OutputEvent
from orchestrator.service.api import handle_event
from orchestrator.service.record import DebtorRecord
from parley.bootstrap import Runtime

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York
DEBTOR = "d-ident"


def placed() -> InboundEvent:
    debtor = DebtorProfile(
        id=DEBTOR,
        name=Name(first="Ana"),
        timezone="America/New_York",
        phones=(Phone(number="+12125550177", sms_consent=True, call_consent=True),),
    )
    data = AccountPlaced(debtor=debtor, account=Account(id="A", creditor="Acme", balance=Decimal("90.00")))
    return InboundEvent(id="placed-1", type="account.placed", source="urn:crm", subject=DEBTOR, time=NOW, data=data)


def missed(source: str, at: datetime = NOW) -> InboundEvent:
    """A ``payment.missed`` with id 42, as two systems might both number their events."""
    data = PaymentMissed(account_id="A", amount_due=Decimal("10.00"), due_date=at.date())
    return InboundEvent(id="42", type="payment.missed", source=source, subject=DEBTOR, time=at, data=data)


def scheduled(outputs: list[OutputEvent]) -> list[str]:
    return [o.data.send_id for o in outputs if isinstance(o.data, MessageScheduled)]


async def record(runtime: Runtime) -> DebtorRecord:
    loaded = await runtime.store.load(DEBTOR, "probe")
    assert loaded.state is not None
    return DebtorRecord.from_bytes(loaded.state)


async def test_the_same_id_from_two_sources_is_two_events_each_planning_its_own_sends(runtime: Runtime) -> None:
    await handle_event(runtime.ctx, placed())
    billing = await handle_event(runtime.ctx, missed("urn:billing"))
    servicing = await handle_event(runtime.ctx, missed("urn:servicing", NOW + timedelta(days=1)))

    assert scheduled(billing), "the first payment.missed plans its sequence"
    assert scheduled(servicing), "the same id from another source is not a duplicate"
    assert not set(scheduled(billing)) & set(scheduled(servicing))  # send ids derive from source and id
    assert not set(o.id for o in billing) & set(o.id for o in servicing)
    assert all(o.data.cause_event_id == "42" for o in servicing if isinstance(o.data, MessageScheduled))


async def test_the_same_source_and_id_again_is_a_duplicate(runtime: Runtime) -> None:
    await handle_event(runtime.ctx, placed())
    first = await handle_event(runtime.ctx, missed("urn:billing"))
    pending = (await record(runtime)).pending
    again = await handle_event(runtime.ctx, missed("urn:billing"))
    assert [o.id for o in again] == [o.id for o in first]  # its outputs published again, same ids
    assert (await record(runtime)).pending == pending  # and nothing planned twice


async def test_a_record_written_before_sources_counted_still_recognises_an_event_it_processed(
    runtime: Runtime,
) -> None:
    """Before, the record kept the fingerprint of the bare id: the event delivered again after the
    upgrade (a crash before its offset was committed) must not plan its sends a second time."""
    await handle_event(runtime.ctx, placed())
    loaded = await runtime.store.load(DEBTOR, "probe")
    assert loaded.state is not None
    legacy = DebtorRecord.from_bytes(loaded.state)
    legacy = replace(legacy, seen={**legacy.seen, fingerprint("42"): int(NOW.timestamp())})
    assert (await runtime.store.update_state(DEBTOR, loaded.version, legacy.to_bytes())).ok

    assert await handle_event(runtime.ctx, missed("urn:billing")) == []
    assert (await record(runtime)).pending == legacy.pending
