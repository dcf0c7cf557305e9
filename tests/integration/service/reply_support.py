"""What the reply tests share: placing a debtor's accounts, a reply from the debtor through the service
entry point (``handle_event``, as the worker calls it, the debtor id as ``subject``), and the record."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from orchestrator.domain import DebtorState
from orchestrator.events import Account, AccountPlaced, DebtorProfile, InboundEvent
from orchestrator.outputs import OutputEvent
from orchestrator.service.api import handle_event
from orchestrator.service.record import DebtorRecord
from parley.bootstrap import Runtime

PLACED_AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
SATURDAY = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # Saturday 10:00 in New York (EST); DST starts Sunday


async def place_accounts(runtime: Runtime, debtor: DebtorProfile, accounts: Iterable[Account]) -> None:
    """One ``account.placed`` per account (event id ``placed-<account id>``), at ``PLACED_AT``."""
    for account in accounts:
        await handle_event(
            runtime.ctx,
            InboundEvent(
                id=f"placed-{account.id}",
                type="account.placed",
                source="test",
                subject=debtor.id,
                time=PLACED_AT,
                data=AccountPlaced(debtor=debtor, account=account),
            ),
        )


async def reply_from(
    runtime: Runtime, debtor_id: str | None, data: dict[str, Any], at: datetime = SATURDAY, reply_id: str = "in-1"
) -> list[OutputEvent]:
    """The outputs of a ``provider.inbound`` with ``data`` (channel, from, to, text) from the debtor
    (``None``: without a subject, found by the sender as from the inbound webhook)."""
    event = InboundEvent.model_validate(
        {"id": reply_id, "type": "provider.inbound", "source": "test", "subject": debtor_id, "time": at, "data": data}
    )
    return await handle_event(runtime.ctx, event)


async def state_of(runtime: Runtime, debtor_id: str) -> DebtorState:
    """The debtor's state as the store holds it."""
    loaded = await runtime.store.load(debtor_id, "probe")
    assert loaded.state is not None
    return DebtorRecord.from_bytes(loaded.state).state
