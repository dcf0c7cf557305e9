"""Cadence planning, the record envelope and the replay blob: the pure parts of the service layer."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from orchestrator.cadence import default_cadences
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
from orchestrator.ids import send_id
from orchestrator.outputs import MessageScheduled, new_output
from orchestrator.service.planning import cause_facts, plan_event
from orchestrator.service.record import DebtorRecord
from orchestrator.service.replay import decode_replay, encode_replay
from orchestrator.service.sends import PlannedSend
from orchestrator.storage import ScheduledSend

NEW_YORK = ZoneInfo("America/New_York")
T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


def event(event_type: str, data: object, *, at: datetime = T0, event_id: str = "e1") -> InboundEvent:
    return InboundEvent(id=event_id, type=event_type, source="test", subject="d-1", time=at, data=data)  # type: ignore[arg-type]


def placed(account_id: str = "A") -> InboundEvent:
    debtor = DebtorProfile(
        id="d-1",
        name=Name(first="Ana"),
        phones=(Phone(number="+12125550123", sms_consent=True, call_consent=True),),
    )
    account = Account(id=account_id, creditor="Acme", balance=Decimal("120.00"))
    return event("account.placed", AccountPlaced(debtor=debtor, account=account), event_id=f"placed-{account_id}")


def record_after(*events: InboundEvent) -> DebtorRecord:
    state = None
    for item in events:
        state = apply_event(state, item)
    assert state is not None
    return DebtorRecord(state=state)


def pending(send: str, account: str, purpose: str = "reminder") -> PlannedSend:
    return PlannedSend(send, "d-1", (account,), purpose, "sms", purpose, T0, "e0", T0, "step")


def test_account_placed_plans_every_default_step_with_ids_derived_from_the_event_and_step() -> None:
    record = record_after(placed())
    plan = plan_event(placed(), record, default_cadences(), NEW_YORK)
    steps = default_cadences().for_event("account.placed").steps
    assert [s.send_id for s in plan.sends] == [send_id(placed().identity, step.id) for step in steps]
    assert all(s.account_ids == ("A",) for s in plan.sends)
    assert plan.cancel == {}


def test_planning_the_same_event_twice_plans_the_same_sends() -> None:
    record = record_after(placed())
    first = plan_event(placed(), record, default_cadences(), NEW_YORK)
    again = plan_event(placed(), record, default_cadences(), NEW_YORK)
    assert first == again


def test_a_delayed_step_falls_due_its_delay_after_the_event() -> None:
    plan = plan_event(placed(), record_after(placed()), default_cadences(), NEW_YORK)
    by_step = {s.step_id: s for s in plan.sends}
    assert by_step["reminder_day3"].due_at == T0 + timedelta(days=3)


def test_a_payment_cancels_only_the_pending_sends_of_its_account() -> None:
    record = record_after(placed("A"), placed("B")).adding([pending("s-a", "A"), pending("s-b", "B")])
    paid = event("payment.received", PaymentReceived(account_id="A", amount=Decimal("120.00"), paid_at=T0))
    plan = plan_event(paid, record, default_cadences(), NEW_YORK)
    assert plan.cancel == {"s-a": "payment.received"}


def test_a_hold_on_every_account_cancels_every_pending_send() -> None:
    record = record_after(placed("A"), placed("B")).adding([pending("s-a", "A"), pending("s-b", "B")])
    hold = event("hold.placed", HoldPlaced(account_id=None, reason="attorney"))
    plan = plan_event(hold, record, default_cadences(), NEW_YORK)
    assert plan.cancel == {"s-a": "hold.placed: attorney", "s-b": "hold.placed: attorney"}


def test_a_dispute_hold_spares_the_validation_notice_it_permits_and_cancels_the_rest() -> None:
    record = record_after(placed()).adding([pending("notice", "A", "validation_notice"), pending("dun", "A")])
    hold = event("hold.placed", HoldPlaced(account_id=None, reason="dispute"))
    assert plan_event(hold, record, default_cadences(), NEW_YORK).cancel == {"dun": "hold.placed: dispute"}


def test_a_new_promise_cancels_only_the_earlier_promises_messages() -> None:
    record = record_after(placed()).adding(
        [pending("old-reminder", "A", "promise_reminder"), pending("dun", "A"), pending("notice", "A", "first_notice")]
    )
    promise = event("promise.created", PromiseCreated(account_id="A", amount=Decimal("50"), due_date=T0.date()))
    plan = plan_event(promise, record, default_cadences(), NEW_YORK)
    assert plan.cancel == {"old-reminder": "promise.created: supersedes the pending promise_reminder"}


def test_a_send_of_unknown_purpose_is_cancelled_by_a_hold_and_left_alone_by_a_promise() -> None:
    """Records written before they kept purposes (intake reads those sends' payloads first)."""
    record = replace(record_after(placed()).adding([pending("old", "A", "promise_reminder")]), purposes={})
    dispute = event("hold.placed", HoldPlaced(account_id=None, reason="dispute"))
    promise = event("promise.created", PromiseCreated(account_id="A", amount=Decimal("50"), due_date=T0.date()))
    assert list(plan_event(dispute, record, default_cadences(), NEW_YORK).cancel) == ["old"]
    assert plan_event(promise, record, default_cadences(), NEW_YORK).cancel == {}


def test_a_thank_you_quotes_the_payment_it_thanks_for() -> None:
    paid = event("payment.received", PaymentReceived(account_id="A", amount=Decimal("75.50"), paid_at=T0))
    assert dict(cause_facts(paid)) == {"payment_amount": "75.50", "payment_date": "2026-03-02"}


def test_a_promise_reminder_falls_the_day_before_the_promised_date_at_ten_local() -> None:
    promise = event(
        "promise.created", PromiseCreated(account_id="A", amount=Decimal("50"), due_date=T0.date() + timedelta(days=5))
    )
    plan = plan_event(promise, record_after(placed()), default_cadences(), NEW_YORK)
    reminder = next(s for s in plan.sends if s.step_id == "promise_reminder")
    local = reminder.due_at.astimezone(NEW_YORK)
    assert (local.date(), local.hour, local.minute) == (T0.date() + timedelta(days=4), 10, 0)


def test_the_record_round_trips_with_pending_sends_and_pauses() -> None:
    record = record_after(placed()).adding([pending("s1", "A")]).pausing("A", T0 + timedelta(days=14))
    again = DebtorRecord.from_bytes(record.to_bytes())
    assert again == record
    assert again.paused("A", T0) and not again.paused("A", T0 + timedelta(days=15))


def test_a_planned_send_round_trips_through_its_payload() -> None:
    planned = PlannedSend(
        send_id="snd_1",
        debtor_id="d-1",
        account_ids=("A", "B"),
        template_id="payment_reminder",
        channel="best",
        purpose="reminder",
        due_at=T0,
        cause_event_id="e1",
        cause_time=T0,
        step_id="reminder_day3",
        skip_when=("account_paid",),
        destination="+12125550123",
        facts=(("payment_amount", "10.00"),),
    )
    assert PlannedSend.from_bytes(planned.to_bytes()) == planned


def test_the_replay_blob_gives_back_the_same_outputs_and_schedule() -> None:
    scheduled = MessageScheduled(
        send_id="snd_1",
        debtor_id="d-1",
        account_ids=("A",),
        channel="sms",
        template_id="first_notice",
        purpose="first_notice",
        due_at=T0,
        cause_event_id="e1",
        step_id="first_notice_sms",
    )
    outputs = [new_output(scheduled, subject="d-1", time=T0, id_parts=("snd_1",))]
    schedule = [ScheduledSend(send_id="snd_1", partition=3, due_ms=123, payload=b"\x00payload")]
    assert decode_replay(encode_replay(outputs, schedule)) == (outputs, schedule)
