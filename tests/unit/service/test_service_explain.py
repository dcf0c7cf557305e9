"""``parley explain``'s report: each account's balance is shown with its currency."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from orchestrator.compliance import DEFAULT_POLICY
from orchestrator.domain.transitions import apply_event
from orchestrator.events import Account, AccountPlaced, DebtorProfile, InboundEvent, Name
from orchestrator.service.explain import explain
from orchestrator.service.record import DebtorRecord

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)


def test_each_account_s_balance_is_reported_with_its_currency() -> None:
    debtor = DebtorProfile(id="d-1", name=Name(first="Ana"))
    state = None
    for account in (
        Account(id="A", creditor="Acme", balance=Decimal("12.50"), currency="EUR"),
        Account(id="B", creditor="Beta", balance=Decimal("3.00")),
    ):
        data = AccountPlaced(debtor=debtor, account=account)
        state = apply_event(state, InboundEvent(id=account.id, type="account.placed", source="t", time=NOW, data=data))
    assert state is not None
    report = explain(DebtorRecord(state=state), NOW, DEFAULT_POLICY)
    assert [(a["id"], a["balance"], a["currency"]) for a in report["accounts"]] == [
        ("A", "12.50", "EUR"),
        ("B", "3.00", "USD"),
    ]
