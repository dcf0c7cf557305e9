"""Why Parley would or would not contact a debtor now: every channel and destination, every rule."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from orchestrator.compliance import Policy, ProposedContact, decide
from orchestrator.service.record import DebtorRecord
from orchestrator.service.targeting import CHANNELS, destinations


def explain(record: DebtorRecord, now: datetime, policy: Policy) -> dict[str, Any]:
    """A JSON-able account for a compliance officer: state, and per channel the verdicts and next slot."""
    state = record.state
    channels: list[dict[str, Any]] = []
    for channel in CHANNELS:
        for destination in destinations(state, channel):
            decision = decide(state, ProposedContact(channel=channel, destination=destination), now, policy)
            channels.append(
                {
                    "channel": channel,
                    "destination": destination,
                    "allowed_now": decision.allowed,
                    "next_allowed_at": decision.next_allowed_at.isoformat() if decision.next_allowed_at else None,
                    "verdicts": [
                        {"rule_id": v.rule_id, "allowed": v.allowed, "reason": v.reason} for v in decision.verdicts
                    ],
                }
            )
    return {
        "debtor_id": state.debtor_id,
        "at": now.isoformat(),
        "accounts": [
            {"id": a.id, "creditor": a.creditor, "balance": str(a.balance), "status": a.status} for a in state.accounts
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
