"""Why Parley would or would not contact a debtor now: every channel, destination and open account,
every rule.

A contact is about accounts: a hold or a cap on one account does not block a reminder about another
(as the scheduler judges each send about its own accounts), so each open account is judged on its own.
A debtor with no open account is judged for a contact about all of them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orchestrator.compliance import Decision, Policy, ProposedContact, decide
from orchestrator.service.record import DebtorRecord
from orchestrator.service.targeting import CHANNELS, destinations


def explain(record: DebtorRecord, now: datetime, policy: Policy) -> dict[str, Any]:
    """A JSON-able account for a compliance officer: state, and per channel the verdicts and next slot."""
    state = record.state
    subjects: list[tuple[str, ...]] = [(a.id,) for a in state.accounts if a.status == "open"] or [()]
    channels: list[dict[str, Any]] = []
    for channel in CHANNELS:
        for destination in destinations(state, channel):
            for accounts in subjects:
                contact = ProposedContact(channel=channel, destination=destination, account_ids=accounts)
                channels.append(_verdicts(contact, decide(state, contact, now, policy)))
    return {
        "debtor_id": state.debtor_id,
        "at": now.isoformat(),
        "accounts": [
            {"id": a.id, "creditor": a.creditor, "balance": str(a.balance), "currency": a.currency, "status": a.status}
            for a in state.accounts
        ],
        "holds": [
            {"account_id": h.account_id, "reason": h.reason, "placed_at": h.placed_at.isoformat()} for h in state.holds
        ],
        "opt_outs": [
            {"channel": o.channel, "destination": o.destination, "at": o.at.isoformat()} for o in state.opt_outs
        ],
        "bad_destinations": sorted(state.bad_destinations),
        "ledger": [
            {
                "send_id": a.id,
                "channel": a.channel,
                "destination": a.destination,
                "account_ids": list(a.account_ids),
                "at": a.at.isoformat(),
                "outcome": a.outcome,
                "purpose": a.purpose,
            }
            for a in state.ledger
        ],
        "pending_sends": sorted(record.pending),
        "channels": channels,
    }


def _verdicts(contact: ProposedContact, decision: Decision) -> dict[str, Any]:
    return {
        "channel": contact.channel,
        "destination": contact.destination,
        "account_id": contact.account_ids[0] if contact.account_ids else None,
        "allowed_now": decision.allowed,
        "next_allowed_at": decision.next_allowed_at.isoformat() if decision.next_allowed_at else None,
        "verdicts": [{"rule_id": v.rule_id, "allowed": v.allowed, "reason": v.reason} for v in decision.verdicts],
    }
