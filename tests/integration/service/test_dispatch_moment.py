"""A send is decided at the moment it is worked, which is the moment its attempt is stamped.

The worker claims a batch of due sends at one reading of the clock and works them over the next
moments; its wall clock (``ctx.clock``) runs on meanwhile. Decided at the claim's moment but stamped
later, a debtor's first send would be invisible to the rules judging their second send in the same
batch (the ledger holds it "after" the moment being judged). Real redis-server, sandbox channels.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from orchestrator.events import Account, AccountPlaced, DebtorProfile, Email, InboundEvent, Name, Phone
from orchestrator.outputs import MessageDispatched, OutputEvent
from orchestrator.service.api import handle_event, run_due
from orchestrator.service.lane import DispatchLane
from orchestrator.service.record import DebtorRecord
from parley.bootstrap import Runtime

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York


def running_clock(runtime: Runtime, ahead: timedelta) -> Callable[[datetime], None]:
    """The worker's wall clock ``ahead`` of the moment the batch was claimed; returns its setter."""
    claimed = {"at": NOW}
    runtime.ctx = replace(runtime.ctx, clock=lambda: claimed["at"] + ahead)

    def claim_at(moment: datetime) -> None:
        claimed["at"] = moment

    return claim_at


async def place(runtime: Runtime, debtor: DebtorProfile, account: str, at: datetime) -> None:
    event = InboundEvent(
        id=f"placed-{debtor.id}-{account}",
        type="account.placed",
        source="test",
        subject=debtor.id,
        time=at,
        data=AccountPlaced(debtor=debtor, account=Account(id=account, creditor="Acme", balance=Decimal("90.00"))),
    )
    await handle_event(runtime.ctx, event)


async def run_minutes(
    runtime: Runtime, claim_at: Callable[[datetime], None], start: datetime, minutes: int
) -> list[OutputEvent]:
    outputs: list[OutputEvent] = []
    for minute in range(minutes):
        moment = start + timedelta(minutes=minute)
        claim_at(moment)
        outputs += await run_due(runtime.ctx, 0, moment, limit=128)
    return outputs


async def test_two_calls_due_in_one_batch_keep_the_gap_between_calls(runtime: Runtime) -> None:
    """Two accounts placed together plan their day-5 calls for the same moment; one batch claims both.
    With the wall clock 2 s ahead of the claim, the second call must still wait out the call gap."""
    claim_at = running_clock(runtime, timedelta(seconds=2))
    debtor = DebtorProfile(
        id="d-gap",
        name=Name(first="Ana"),
        timezone="America/New_York",
        phones=(Phone(number="+12125550123", type="landline", call_consent=True),),
    )
    for account in ("A", "B"):
        await place(runtime, debtor, account, NOW)

    outputs = await run_minutes(runtime, claim_at, NOW, 6 * 24 * 60)

    calls = sorted(o.time for o in outputs if isinstance(o.data, MessageDispatched) and o.data.channel == "voice")
    assert len(calls) >= 2, calls
    gap = runtime.ctx.policy.min_call_gap
    assert all(later - earlier >= gap for earlier, later in pairwise(calls)), calls
    loaded = await runtime.store.load("d-gap", "probe")
    assert loaded.state is not None
    ledger = DebtorRecord.from_bytes(loaded.state).state.ledger
    stamped = sorted(a.at for a in ledger if a.channel == "voice")
    assert all(later - earlier >= gap for earlier, later in pairwise(stamped)), stamped


async def test_a_send_carried_past_the_evening_limit_while_waiting_is_decided_again(runtime: Runtime) -> None:
    """Claimed at 20:59 local, but the worker only gets to it at 21:01: it may not go tonight."""
    evening = datetime(2026, 3, 3, 20, 59, tzinfo=UTC) + timedelta(hours=5)  # 20:59 in New York (EST)
    claim_at = running_clock(runtime, timedelta(minutes=2))
    debtor = DebtorProfile(
        id="d-late",
        name=Name(first="Ana"),
        timezone="America/New_York",
        emails=(Email(address="ana@example.com", consent=True),),
    )
    claim_at(evening)
    await place(runtime, debtor, "A", evening)
    outputs = await run_due(runtime.ctx, 0, evening, limit=128)

    sent = [o for o in outputs if isinstance(o.data, MessageDispatched)]
    assert sent == [], [o.time for o in sent]
    moved = [o for o in outputs if o.type == "message.rescheduled"]
    assert moved, [o.type for o in outputs]


class SlowLane(DispatchLane):
    """A lane the clock moves on while a send waits for it (other sends' calls ahead of it)."""

    def __init__(self, clock: dict[str, datetime], wait: timedelta) -> None:
        super().__init__()
        self.clock, self.wait = clock, wait

    @asynccontextmanager
    async def hold(self, *, confirmable: bool) -> AsyncIterator[None]:
        self.clock["now"] += self.wait
        async with super().hold(confirmable=confirmable):
            yield


async def test_a_send_whose_wait_for_the_lane_crossed_the_evening_limit_is_decided_again(runtime: Runtime) -> None:
    """Decided at 20:59:30 local, allowed; the lane lets it begin a minute later, at 21:00:30: it may not go
    tonight, and no attempt is stamped at 21:00:30."""
    evening = datetime(2026, 3, 3, 20, 59, tzinfo=UTC) + timedelta(hours=5)  # 20:59 in New York (EST)
    debtor = DebtorProfile(
        id="d-lane",
        name=Name(first="Ana"),
        timezone="America/New_York",
        emails=(Email(address="ana@example.com", consent=True),),
    )
    await place(runtime, debtor, "A", evening)
    clock = {"now": evening + timedelta(seconds=30)}
    lane = SlowLane(clock, timedelta(minutes=1))
    runtime.ctx = replace(runtime.ctx, clock=lambda: clock["now"], lane=lane)
    outputs = await run_due(runtime.ctx, 0, evening, limit=128)

    assert [o for o in outputs if isinstance(o.data, MessageDispatched)] == []
    moved = [o for o in outputs if o.type == "message.rescheduled"]
    assert len(moved) == 1, [o.type for o in outputs]
    assert moved[0].time == evening + timedelta(seconds=90)  # decided again when the wait ended
    loaded = await runtime.store.load("d-lane", "probe")
    assert loaded.state is not None
    assert [a.channel for a in DebtorRecord.from_bytes(loaded.state).state.ledger] == []
