"""The compliance engine: every rule, every time, and the earliest moment all of them allow.

``decide`` evaluates all rules (the audit record lists each verdict, not just the first failure).
``next_slot`` walks forward from a moment by jumping to the latest of the blocking rules'
``next_allowed_at`` hints: each hint is the earliest moment its rule could allow, so no moment
skipped can be allowed, and the first moment every rule allows is the earliest one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrator.compliance.context import ContactScope, ProposedContact, RuleContext, Verdict
from orchestrator.compliance.policy import DEFAULT_POLICY, Policy
from orchestrator.compliance.rules import rules_for
from orchestrator.domain.model import DebtorState
from orchestrator.timezones import ZoneSet

_STEP = timedelta(seconds=1)  # progress guarantee should a hint ever fail to move forward


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Decision:
    """Whether a contact is allowed at ``at``, every rule's verdict, and when it would be allowed."""

    debtor_id: str
    contact: ProposedContact
    at: datetime
    allowed: bool
    verdicts: tuple[Verdict, ...]
    next_allowed_at: datetime | None  # ``at`` when allowed; None when no moment within the horizon allows
    zones: ZoneSet

    @property
    def blocking(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if not v.allowed)

    @property
    def blocking_rule_ids(self) -> tuple[str, ...]:
        return tuple(v.rule_id for v in self.verdicts if not v.allowed)

    def to_json(self) -> dict[str, Any]:
        """The audit record: deterministic, JSON-able, keys in a fixed order."""
        contact = self.contact
        return {
            "debtor_id": self.debtor_id,
            "at": _iso(self.at),
            "allowed": self.allowed,
            "next_allowed_at": _iso(self.next_allowed_at),
            "contact": {
                "channel": contact.channel,
                "destination": contact.destination,
                "account_ids": list(contact.account_ids),
                "purpose": contact.purpose,
                "is_reply_to_inbound": contact.is_reply_to_inbound,
            },
            "zones": {
                "candidates": list(self.zones.candidates),
                "primary": self.zones.primary,
                "source": self.zones.source,
            },
            "blocked_by": list(self.blocking_rule_ids),
            "verdicts": [
                {
                    "rule_id": v.rule_id,
                    "rule_version": v.rule_version,
                    "allowed": v.allowed,
                    "reason": v.reason,
                    "next_allowed_at": _iso(v.next_allowed_at),
                }
                for v in self.verdicts
            ],
        }


def _require_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the decision moment must be timezone-aware")
    return moment.astimezone(UTC)


def _evaluate(scope: ContactScope, at: datetime) -> tuple[Verdict, ...]:
    ctx = RuleContext.at_moment(scope, at)
    return tuple(rule.evaluate(ctx) for rule in rules_for(scope.policy.state_packs))


def _search(scope: ContactScope, start: datetime, verdicts: tuple[Verdict, ...]) -> datetime | None:
    limit = start + scope.policy.search_horizon
    moment = start
    while True:
        hints: list[datetime] = []
        for verdict in verdicts:
            if verdict.allowed:
                continue
            if verdict.next_allowed_at is None:
                return None
            hints.append(verdict.next_allowed_at)
        if not hints:
            return moment
        following = max(hints)
        moment = following if following > moment else moment + _STEP
        if moment > limit:
            return None
        verdicts = _evaluate(scope, moment)


def decide(
    state: DebtorState,
    contact: ProposedContact,
    at: datetime,
    policy: Policy = DEFAULT_POLICY,
    *,
    find_next: bool = True,
) -> Decision:
    """Evaluate every rule for ``contact`` at ``at``; when blocked, find the next allowed moment too."""
    moment = _require_aware(at)
    scope = ContactScope(state, contact, policy)
    verdicts = _evaluate(scope, moment)
    allowed = all(v.allowed for v in verdicts)
    if allowed:
        next_at: datetime | None = moment
    else:
        next_at = _search(scope, moment, verdicts) if find_next else None
    return Decision(state.debtor_id, contact, moment, allowed, verdicts, next_at, scope.zone_set)


def next_slot(
    state: DebtorState, contact: ProposedContact, after: datetime, policy: Policy = DEFAULT_POLICY
) -> datetime | None:
    """The earliest moment >= ``after`` at which ``decide`` allows ``contact``; None within the horizon."""
    moment = _require_aware(after)
    scope = ContactScope(state, contact, policy)
    return _search(scope, moment, _evaluate(scope, moment))
