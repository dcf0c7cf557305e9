"""What an account event cancels: a new promise replaces the earlier promise's messages, a promise
reminder whose moment has passed is not planned, and a dispute hold leaves the validation notice
pending (COMPLIANCE item 6) while every other hold cancels all it covers — whether the event comes from
upstream or from the debtor's own reply. Real redis-server, sandbox channels, the default cadences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from orchestrator.events import (
    Account,
    AccountPlaced,
    Contract,
    DebtorProfile,
    Email,
    HoldPlaced,
    InboundEvent,
    Name,
    Phone,
    PromiseCreated,
)
from orchestrator.outputs import MessageCancelled, MessageDispatched, MessageScheduled, OutputEvent
from orchestrator.service.api import handle_event, handle_events, run_due
from orchestrator.service.record import DebtorRecord
from parley.bootstrap import Runtime

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York


class Clock:
    """The worker's wall clock, moved by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def clock(runtime: Runtime) -> Clock:
    wall = Clock(NOW)
    runtime.ctx = replace(runtime.ctx, clock=wall)
    return wall


def account_event(event_id: str, event_type: str, at: datetime, data: Contract, debtor_id: str = "d-1") -> InboundEvent:
    return InboundEvent(id=event_id, type=event_type, source="test", subject=debtor_id, time=at, data=data)  # type: ignore[arg-type]


def placed(at: datetime, debtor_id: str = "d-1") -> InboundEvent:
    debtor = DebtorProfile(
        id=debtor_id,
        name=Name(first="Ana"),
        timezone="America/New_York",
        phones=(Phone(number="+12125550123", sms_consent=True, call_consent=True),),
        emails=(Email(address=f"{debtor_id}@example.com", consent=True),),
    )
    account = Account(id="A", creditor="Acme", balance=Decimal("300.00"))
    return account_event(
        f"placed-{debtor_id}", "account.placed", at, AccountPlaced(debtor=debtor, account=account), debtor_id
    )


def promised(event_id: str, at: datetime, due: date) -> InboundEvent:
    return account_event(
        event_id, "promise.created", at, PromiseCreated(account_id="A", amount=Decimal(50), due_date=due)
    )


def hold(reason: str, at: datetime, debtor_id: str = "d-1") -> InboundEvent:
    return account_event(f"hold-{debtor_id}", "hold.placed", at, HoldPlaced(account_id="A", reason=reason), debtor_id)  # type: ignore[arg-type]


async def handle(runtime: Runtime, clock: Clock, event: InboundEvent) -> list[OutputEvent]:
    clock.at = max(clock.at, event.time)
    return await handle_event(runtime.ctx, event)


async def run_hourly(runtime: Runtime, clock: Clock, until: datetime) -> list[OutputEvent]:
    outputs: list[OutputEvent] = []
    while clock.at < until:
        clock.at += timedelta(hours=1)
        outputs += await run_due(runtime.ctx, 0, clock.at, limit=128)
    return outputs


def scheduled(outputs: Sequence[OutputEvent]) -> dict[str, MessageScheduled]:
    return {o.data.send_id: o.data for o in outputs if isinstance(o.data, MessageScheduled)}


def cancelled(outputs: Sequence[OutputEvent]) -> dict[str, MessageCancelled]:
    return {o.data.send_id: o.data for o in outputs if isinstance(o.data, MessageCancelled)}


def dispatched(outputs: Sequence[OutputEvent]) -> list[tuple[str, datetime]]:
    return [(o.data.send_id, o.time) for o in outputs if isinstance(o.data, MessageDispatched)]


async def test_a_new_promise_cancels_the_earlier_promises_pending_confirmation_and_reminder(
    runtime: Runtime, clock: Clock
) -> None:
    """Promise due Mar 10, then (same account, minutes later) due Mar 13: one confirmation goes, and
    one reminder, on Mar 12 — not the stale Mar 9 one."""
    plans = scheduled(await handle(runtime, clock, placed(NOW)))
    first = await handle(runtime, clock, promised("promise-1", NOW + timedelta(minutes=1), date(2026, 3, 10)))
    plans |= scheduled(first)
    second = await handle(runtime, clock, promised("promise-2", NOW + timedelta(minutes=2), date(2026, 3, 13)))
    plans |= scheduled(second)

    gone = cancelled(second)
    assert {plans[send].step_id for send in gone} == {"promise_confirmation", "promise_reminder"}
    assert all(plans[send].cause_event_id == "promise-1" for send in gone)
    assert {c.reason for c in gone.values()} == {
        "promise.created: supersedes the pending promise_confirmation",
        "promise.created: supersedes the pending promise_reminder",
    }  # the placement's dunning stays (it skips while a promise is active)

    sent = dispatched(await run_hourly(runtime, clock, datetime(2026, 3, 14, tzinfo=UTC)))
    promise_sends = sorted(
        (plans[send].step_id, at.astimezone(NEW_YORK).date())
        for send, at in sent
        if plans[send].purpose.startswith("promise_")
    )
    assert promise_sends == [("promise_confirmation", date(2026, 3, 3)), ("promise_reminder", date(2026, 3, 12))]


@pytest.mark.parametrize(
    ("made_at_local", "due"),
    [
        (datetime(2026, 3, 3, 11, 0), date(2026, 3, 4)),  # due tomorrow, made after the 10:00 reminder time
        (datetime(2026, 3, 3, 9, 0), date(2026, 3, 3)),  # due today
    ],
)
async def test_a_promise_whose_reminder_moment_has_passed_gets_no_reminder(
    runtime: Runtime, clock: Clock, made_at_local: datetime, due: date
) -> None:
    at = made_at_local.replace(tzinfo=NEW_YORK).astimezone(UTC)
    clock.at = at
    await handle(runtime, clock, placed(at))
    plans = scheduled(await handle(runtime, clock, promised("promise-late", at + timedelta(minutes=1), due)))
    assert [p.step_id for p in plans.values()] == ["promise_confirmation"]


async def test_a_promise_made_before_the_reminder_moment_still_gets_its_reminder(
    runtime: Runtime, clock: Clock
) -> None:
    at = datetime(2026, 3, 3, 9, 0, tzinfo=NEW_YORK).astimezone(UTC)  # 09:00, due tomorrow: reminder at 10:00
    clock.at = at
    await handle(runtime, clock, placed(at))
    plans = scheduled(await handle(runtime, clock, promised("promise-early", at, date(2026, 3, 4))))
    reminder = next(p for p in plans.values() if p.step_id == "promise_reminder")
    assert reminder.due_at.astimezone(NEW_YORK).date() == date(2026, 3, 3)  # send-time policy picks the hour


LATE_EVENING = datetime(2026, 3, 3, 22, 0, tzinfo=NEW_YORK).astimezone(UTC)


@pytest.mark.parametrize("batched", [False, True], ids=["alone", "in-a-batch"])
async def test_a_dispute_hold_leaves_the_validation_notice_pending_and_it_goes_out_in_the_morning(
    runtime: Runtime, clock: Clock, batched: bool
) -> None:
    """Placed at 22:00 New York time (the notice waits for the morning), disputed at 22:30."""
    plans = scheduled(await handle(runtime, clock, placed(LATE_EVENING)))
    dispute = hold("dispute", LATE_EVENING + timedelta(minutes=30))
    clock.at = dispute.time
    if batched:
        (result,) = await handle_events(runtime.ctx, [dispute])
        assert isinstance(result, list)
        outputs = result
    else:
        outputs = await handle_event(runtime.ctx, dispute)

    gone = cancelled(outputs)
    kept = set(plans) - set(gone)
    assert [plans[send].step_id for send in kept] == ["first_notice_email"]
    assert {c.reason for c in gone.values()} == {"hold.placed: dispute"}

    sent = dispatched(await run_hourly(runtime, clock, LATE_EVENING + timedelta(hours=14)))
    assert [(plans[send].purpose, at.astimezone(NEW_YORK).hour >= 8) for send, at in sent] == [
        ("validation_notice", True)
    ]


@pytest.mark.parametrize("reason", ["cease", "attorney", "bankruptcy", "deceased"])
async def test_every_other_hold_cancels_the_validation_notice_too(runtime: Runtime, clock: Clock, reason: str) -> None:
    plans = scheduled(await handle(runtime, clock, placed(LATE_EVENING)))
    outputs = await handle(runtime, clock, hold(reason, LATE_EVENING + timedelta(minutes=30)))
    assert set(cancelled(outputs)) == set(plans)


def sms_reply(reply_id: str, at: datetime, text: str, debtor_id: str = "d-1") -> InboundEvent:
    data = {"channel": "sms", "from": "+12125550123", "to": "+18005550100", "text": text}
    return InboundEvent.model_validate(
        {"id": reply_id, "type": "provider.inbound", "source": "test", "subject": debtor_id, "time": at, "data": data}
    )


async def test_a_dispute_by_reply_leaves_the_validation_notice_pending_as_a_dispute_hold_does(
    runtime: Runtime, clock: Clock
) -> None:
    plans = scheduled(await handle(runtime, clock, placed(LATE_EVENING)))
    outputs = await handle(
        runtime, clock, sms_reply("in-1", LATE_EVENING + timedelta(minutes=30), "I dispute this debt")
    )

    gone = cancelled(outputs)
    assert [plans[send].purpose for send in set(plans) - set(gone)] == ["validation_notice"]
    assert {c.reason for c in gone.values()} == {"reply: dispute"}
    sent = dispatched(await run_hourly(runtime, clock, LATE_EVENING + timedelta(hours=14)))
    assert [plans[send].purpose for send, _ in sent] == ["validation_notice"]


async def test_a_promise_by_reply_supersedes_the_earlier_promises_reminder_as_promise_created_does(
    runtime: Runtime, clock: Clock
) -> None:
    plans = scheduled(await handle(runtime, clock, placed(NOW)))
    plans |= scheduled(await handle(runtime, clock, promised("promise-1", NOW, date(2026, 3, 10))))
    outputs = await handle(runtime, clock, sms_reply("in-2", NOW + timedelta(hours=2), "I can pay $50 Friday"))

    gone = cancelled(outputs)
    assert {(plans[send].cause_event_id, plans[send].step_id) for send in gone} >= {("promise-1", "promise_reminder")}
    assert {c.reason for c in gone.values()} <= {
        "promise.created: supersedes the pending promise_confirmation",
        "promise.created: supersedes the pending promise_reminder",
    }
    reminders = [s for s in scheduled(outputs).values() if s.step_id == "promise_reminder"]
    assert [r.due_at.astimezone(NEW_YORK).date() for r in reminders] == [date(2026, 3, 5)]  # Friday Mar 6, less a day


async def test_a_promise_event_cancels_by_purpose_within_the_two_round_trips(runtime: Runtime, clock: Clock) -> None:
    await handle(runtime, clock, placed(NOW))
    await handle(runtime, clock, promised("promise-1", NOW, date(2026, 3, 10)))
    runtime.connection.round_trips.reset()
    outputs = await handle(runtime, clock, promised("promise-2", NOW + timedelta(minutes=1), date(2026, 3, 13)))
    assert cancelled(outputs) and runtime.connection.round_trips.count == 2


async def test_a_record_written_before_purposes_were_kept_learns_them_from_the_sends(
    runtime: Runtime, clock: Clock
) -> None:
    """A dispute hold on such a record still spares the validation notice (one more round trip reads
    the pending sends), and the record keeps what it learnt."""
    plans = scheduled(await handle(runtime, clock, placed(LATE_EVENING)))
    loaded = await runtime.store.load("d-1", "probe")
    assert loaded.state is not None
    legacy = replace(DebtorRecord.from_bytes(loaded.state), purposes={})
    assert (await runtime.store.update_state("d-1", loaded.version, legacy.to_bytes())).ok

    outputs = await handle(runtime, clock, hold("dispute", LATE_EVENING + timedelta(minutes=30)))
    kept = set(plans) - set(cancelled(outputs))
    assert [plans[send].purpose for send in kept] == ["validation_notice"]
    after = await runtime.store.load("d-1", "probe")
    assert after.state is not None
    assert DebtorRecord.from_bytes(after.state).purposes == {send: "validation_notice" for send in kept}


async def test_the_creditors_echo_of_a_promise_recorded_from_a_reply_plans_nothing_again(
    runtime: Runtime, clock: Clock
) -> None:
    """The reply "I can pay $50 Friday" records the promise and confirms it; the creditor's system then
    sends promise.created for the same amount and date: no second confirmation, no second reminder. A
    promise with another date is a new promise, planned as usual."""
    await handle(runtime, clock, placed(NOW))
    by_reply = await handle(runtime, clock, sms_reply("in-3", NOW + timedelta(hours=1), "I can pay $50 Friday"))
    assert {s.step_id for s in scheduled(by_reply).values()} >= {"promise_confirmation", "promise_reminder"}

    echo = await handle(runtime, clock, promised("promise-echo", NOW + timedelta(hours=2), date(2026, 3, 6)))
    assert scheduled(echo) == {} and cancelled(echo) == {}
    moved = await handle(runtime, clock, promised("promise-new", NOW + timedelta(hours=3), date(2026, 3, 9)))
    assert {s.step_id for s in scheduled(moved).values()} == {"promise_confirmation", "promise_reminder"}
