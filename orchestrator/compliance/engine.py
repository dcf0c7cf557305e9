"""The compliance engine: every rule, every time, and the earliest moment all of them allow.

``decide`` evaluates all rules (the audit record lists each verdict, not just the first failure).
``next_slot`` walks forward from a moment by jumping to the latest of the blocking rules'
``next_allowed_at`` hints: each hint is the earliest moment its rule could allow, so no moment
skipped can be allowed, and the first moment every rule allows is the earliest one.

Only the verdicts at ``at`` are recorded, so the search asks the rules for a reasonless ``check`` at the
moments it tries, and only the rules whose verdict can change with the moment (``Rule.fixed``): for most
debtors that is the hours, quiet days and a cap or two, not all twenty rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrator.compliance.context import ContactScope, ProposedContact, RuleContext, Verdict
from orchestrator.compliance.policy import DEFAULT_POLICY, Policy
from orchestrator.compliance.rules import Rule, rules_for
from orchestrator.compliance.rules.base import Check
from orchestrator.domain.model import DebtorState
from orchestrator.recent import Recent
from orchestrator.rfc3339 import format_date_time
from orchestrator.timezones import ZoneSet

_STEP = timedelta(seconds=1)  # progress guarantee should a hint ever fail to move forward


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else format_date_time(moment.astimezone(UTC))


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


class _Settled:
    """A rule whose verdict is fixed for this decision, answering the search's ``check`` with it."""

    __slots__ = ("outcome",)

    def __init__(self, verdict: Verdict) -> None:
        self.outcome: Check = (verdict.allowed, verdict.next_allowed_at)

    def check(self, ctx: RuleContext) -> Check:
        return self.outcome


class _Rules:
    """The rules for a state, a contact and a policy (shared by the decisions on them: ``_rules_for``).
    A rule whose verdict is fixed for this debtor and contact (most of them: no hold, not a call, …) is
    evaluated once; at the moments the search tries, only the others are
    asked, for a ``check`` without the reason, plus the fixed ones that block (in the audit order, so the
    search takes the same steps as with full verdicts)."""

    __slots__ = ("fixed", "per_moment", "rules", "scope")

    def __init__(self, scope: ContactScope) -> None:
        self.scope = scope
        self.rules = rules_for(scope.policy.state_packs)
        self.fixed = [rule.fixed(scope) for rule in self.rules]
        self.per_moment: list[Rule | _Settled] = [
            rule if verdict is None else _Settled(verdict)
            for rule, verdict in zip(self.rules, self.fixed, strict=True)
            if verdict is None or not verdict.allowed
        ]

    def verdicts(self, at: datetime) -> tuple[Verdict, ...]:
        """Every rule's verdict at ``at``, in the audit record's order."""
        ctx = RuleContext.at_moment(self.scope, at)
        pairs = zip(self.rules, self.fixed, strict=True)
        return tuple([rule.evaluate(ctx) if verdict is None else verdict for rule, verdict in pairs])

    def hints(self, at: datetime) -> list[datetime] | None:
        """The ``next_allowed_at`` of every rule that blocks at ``at``, in the audit record's order; None
        when one of them never allows."""
        ctx = RuleContext.at_moment(self.scope, at)
        return _blocking_hints([rule.check(ctx) for rule in self.per_moment])


# The rules of the latest decisions, by contact and policy: planning asks about one debtor's state and
# contact several times in a row (a step's decision, then its next slot in the band it aims at; the next
# step on the same channel), and nothing but the state, the contact and the policy goes into them.
_RECENT_RULES: Recent[tuple[ProposedContact, int], _Rules] = Recent(64)


def _rules_for(state: DebtorState, contact: ProposedContact, policy: Policy) -> _Rules:
    key = (contact, id(policy))
    rules = _RECENT_RULES.get(key)
    if rules is not None and rules.scope.state is state and rules.scope.policy is policy:
        return rules
    rules = _Rules(ContactScope(state, contact, policy))
    _RECENT_RULES.put(key, rules)
    return rules


def _blocking_hints(checks: Iterable[Check]) -> list[datetime] | None:
    """The hints of the checks that block, in order; None when one of them blocks for good."""
    hints = []
    for allowed, hint in checks:
        if not allowed:
            if hint is None:
                return None
            hints.append(hint)
    return hints


def _search(rules: _Rules, start: datetime, hints: list[datetime] | None) -> datetime | None:
    """The first moment from ``start`` with no blocking rule, given the blocking rules' hints at ``start``."""
    limit = start + rules.scope.policy.search_horizon
    moment = start
    while hints:
        following = max(hints)
        moment = following if following > moment else moment + _STEP
        if moment > limit:
            return None
        hints = rules.hints(moment)
    return None if hints is None else moment


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
    rules = _rules_for(state, contact, policy)
    verdicts = rules.verdicts(moment)
    allowed = all(v.allowed for v in verdicts)
    next_at: datetime | None = None
    if allowed:
        next_at = moment
    elif find_next:
        next_at = _search(rules, moment, _blocking_hints((v.allowed, v.next_allowed_at) for v in verdicts))
    return Decision(state.debtor_id, contact, moment, allowed, verdicts, next_at, rules.scope.zone_set)


def allows(state: DebtorState, contact: ProposedContact, at: datetime, policy: Policy = DEFAULT_POLICY) -> bool:
    """Whether ``decide`` would allow ``contact`` at ``at``, without its verdicts: the reasonless checks the
    search makes (a send decided a moment ago, asked again when it begins)."""
    return _rules_for(state, contact, policy).hints(_require_aware(at)) == []


def next_slot(
    state: DebtorState, contact: ProposedContact, after: datetime, policy: Policy = DEFAULT_POLICY
) -> datetime | None:
    """The earliest moment >= ``after`` at which ``decide`` allows ``contact``; None within the horizon."""
    moment = _require_aware(after)
    rules = _rules_for(state, contact, policy)
    return _search(rules, moment, rules.hints(moment))
