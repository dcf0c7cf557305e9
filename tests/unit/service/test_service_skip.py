"""``skip_when`` at dispatch: ``account_paid`` means paid in full, not "some payment arrived"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from orchestrator.domain.transitions import apply_event
from orchestrator.events import Account, AccountPlaced, DebtorProfile, InboundEvent, Name, PaymentReceived
from orchestrator.service.record import DebtorRecord
from orchestrator.service.sends import PlannedSend
from orchestrator.service.skip import skip_reason

T0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
REMINDER = PlannedSend(
    send_id="snd_1",
    debtor_id="d-1",
    account_ids=("A",),
    template_id="payment_reminder",
    channel="best",
    purpose="reminder",
    due_at=T0 + timedelta(days=3),
    cause_event_id="placed",
    cause_time=T0,
    step_id="reminder_day3",
    skip_when=("account_paid",),
)


def record_after_paying(*amounts: str) -> DebtorRecord:
    debtor = DebtorProfile(id="d-1", name=Name(first="Ana"))
    placed = AccountPlaced(debtor=debtor, account=Account(id="A", creditor="Acme", balance=Decimal("120.00")))
    events = [InboundEvent(id="placed", type="account.placed", source="t", subject="d-1", time=T0, data=placed)]
    for n, amount in enumerate(amounts, start=1):
        at = T0 + timedelta(days=n)
        paid = PaymentReceived(account_id="A", amount=Decimal(amount), paid_at=at)
        events.append(
            InboundEvent(id=f"paid-{n}", type="payment.received", source="t", subject="d-1", time=at, data=paid)
        )
    state = None
    for event in events:
        state = apply_event(state, event)
    assert state is not None
    return DebtorRecord(state=state)


def test_a_part_payment_after_the_cause_event_does_not_make_the_account_paid() -> None:
    assert skip_reason(record_after_paying("40.00"), REMINDER, T0 + timedelta(days=3)) is None


def test_payments_that_settle_the_balance_make_the_account_paid() -> None:
    record = record_after_paying("40.00", "80.00")
    assert skip_reason(record, REMINDER, T0 + timedelta(days=3)) == "skip_when: account_paid"
