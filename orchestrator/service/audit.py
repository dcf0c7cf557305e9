"""Decisions as audit records (the ``decisions`` topic) and as reasons on suppressed sends."""

from __future__ import annotations

from datetime import datetime

from orchestrator.compliance import Decision
from orchestrator.events import Channel
from orchestrator.outputs import DecisionRecorded, RuleReason
from orchestrator.storage import SendRef


def decision_output(ref: SendRef, channel: Channel, at: datetime, decision: Decision) -> DecisionRecorded:
    """The audit record: every rule evaluated, with its verdict and reason.

    The verdicts go in as plain fields, so the record is validated in one pass, each verdict included:
    building each :class:`~orchestrator.outputs.Verdict` on its own costs twice as much (some twenty of
    them in every decision), for the same record."""
    return DecisionRecorded(
        send_id=ref.send_id,
        debtor_id=ref.debtor_id,
        channel=channel,
        at=at,
        allowed=decision.allowed,
        verdicts=[
            {
                "rule_id": verdict.rule_id,
                "allowed": verdict.allowed,
                "reason": verdict.reason,
                "next_allowed_at": verdict.next_allowed_at,
            }
            for verdict in decision.verdicts
        ],
        next_allowed_at=decision.next_allowed_at,
    )


def rule_reasons(decision: Decision) -> tuple[RuleReason, ...]:
    """The rules that block, in words a compliance officer can read."""
    return tuple(
        RuleReason(rule_id=verdict.rule_id, reason=verdict.reason)
        for verdict in decision.verdicts
        if not verdict.allowed
    )
