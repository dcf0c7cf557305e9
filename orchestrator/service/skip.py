"""A cadence step's ``skip_when`` conditions, judged at dispatch against the current state."""

from __future__ import annotations

from datetime import datetime

from orchestrator.domain import DebtorState
from orchestrator.service.record import DebtorRecord
from orchestrator.service.sends import PlannedSend

# Steps a dunning pause holds back (an "already paid" reply being reconciled); replies still go.
DUNNING_PURPOSES = frozenset({"reminder", "missed_payment", "broken_promise"})


def skip_reason(record: DebtorRecord, planned: PlannedSend, now: datetime) -> str | None:
    """Why the step no longer makes sense (``skip_when: account_paid``), or None to go on."""
    state = record.state
    for account_id in planned.account_ids:
        if planned.purpose in DUNNING_PURPOSES and record.paused(account_id, now):
            return f"dunning paused for account {account_id} while a reported payment is reconciled"
        account = state.account(account_id)
        if account is None:
            return f"account {account_id} is unknown"
        for condition in planned.skip_when:
            if _holds(condition, state, planned, account_id):
                return f"skip_when: {condition}"
    return None


def _holds(condition: str, state: DebtorState, planned: PlannedSend, account_id: str) -> bool:
    account = state.account(account_id)
    assert account is not None
    if condition in ("account_paid", "promise_kept"):
        # Paid in full: a part payment leaves a debt to collect (and its payment.received has already
        # cancelled what was pending for the account).
        return account.status == "paid" or account.balance <= 0
    if condition == "account_closed":
        return account.status == "closed"
    if condition == "promise_active":
        return account.promise is not None
    if condition == "promise_broken":
        return account.promise is None
    if condition == "debtor_replied":
        return any(contact.at > planned.cause_time for contact in state.inbound)
    raise ValueError(f"unknown skip_when condition {condition!r}")
