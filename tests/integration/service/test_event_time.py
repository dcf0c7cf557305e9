"""An event stamped far ahead of the worker's clock is not acted on: its time would move the debtor's
windows forward and prune the contact history that the call limits count. Real redis-server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from orchestrator.events import (
    Account,
    AccountPatch,
    AccountPlaced,
    AccountUpdated,
    DebtorProfile,
    InboundEvent,
    Name,
    Phone,
)
from orchestrator.service.api import EventFromTheFuture, handle_event, handle_events
from orchestrator.service.record import DebtorRecord
from parley.bootstrap import Runtime

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def worker_clock(runtime: Runtime) -> None:
    """The worker's wall clock reads NOW."""
    runtime.ctx = replace(runtime.ctx, clock=lambda: NOW)


def placed() -> InboundEvent:
    debtor = DebtorProfile(
        id="d-time",
        name=Name(first="Ana"),
        timezone="America/New_York",
        phones=(Phone(number="+12125550123", sms_consent=True, call_consent=True),),
    )
    data = AccountPlaced(debtor=debtor, account=Account(id="A", creditor="Acme", balance=Decimal("90.00")))
    return InboundEvent(id="placed-time", type="account.placed", source="test", subject="d-time", time=NOW, data=data)


def updated(at: datetime, n: int) -> InboundEvent:
    data = AccountUpdated(account=AccountPatch(id="A", balance=Decimal("80.00")))
    return InboundEvent(id=f"updated-{n}", type="account.updated", source="test", subject="d-time", time=at, data=data)


async def state(runtime: Runtime) -> DebtorRecord:
    loaded = await runtime.store.load("d-time", "probe")
    assert loaded.state is not None
    return DebtorRecord.from_bytes(loaded.state)


async def test_an_event_from_eleven_days_ahead_is_refused_and_changes_nothing(runtime: Runtime) -> None:
    await handle_event(runtime.ctx, placed())
    before = await state(runtime)

    with pytest.raises(EventFromTheFuture, match="ahead of the worker's clock"):
        await handle_event(runtime.ctx, updated(NOW + timedelta(days=11), 1))
    (result,) = await handle_events(runtime.ctx, [updated(NOW + timedelta(days=11), 2)])

    assert isinstance(result, EventFromTheFuture)
    assert await state(runtime) == before


async def test_an_event_a_little_ahead_of_the_clock_is_processed(runtime: Runtime) -> None:
    await handle_event(runtime.ctx, placed())
    early = updated(NOW + timedelta(minutes=5), 3)
    (result,) = await handle_events(runtime.ctx, [early])
    assert isinstance(result, list)
    assert (await state(runtime)).has_seen(early.identity)
