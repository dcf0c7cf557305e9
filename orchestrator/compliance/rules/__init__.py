"""Every compliance rule, in the order the audit record lists them."""

from __future__ import annotations

from functools import lru_cache

from orchestrator.compliance.policy import StatePack
from orchestrator.compliance.rules.base import Rule
from orchestrator.compliance.rules.frequency import BurstGuard, Call7In7, CallPostConversation, StatePackRule
from orchestrator.compliance.rules.gates import (
    AccountStatusGate,
    EmailEligibility,
    HoldRule,
    MediumOptout,
    SmsEligibility,
    TcpaConsent,
)
from orchestrator.compliance.rules.time_rules import (
    ConsumerTimePlaceBlock,
    QuietDays,
    TimeWindowFederal,
    TzIntersection,
)

CEASE_PERMITTED = frozenset({"collection_ending", "remedy_notice", "specific_remedy_notice"})
DISPUTE_PERMITTED = frozenset({"validation_notice", "verification_notice"})

CORE_RULES: tuple[Rule, ...] = (
    TimeWindowFederal(),
    TzIntersection(),
    ConsumerTimePlaceBlock(),
    QuietDays(),
    MediumOptout(),
    Call7In7(),
    CallPostConversation(),
    BurstGuard(),
    HoldRule("cease_comm", "cease", "cease-communication", permitted=CEASE_PERMITTED),
    HoldRule("attorney_rep", "attorney", "represented-by-attorney", reply_allowed=True),
    HoldRule("bankruptcy_stop", "bankruptcy", "bankruptcy"),
    HoldRule("deceased_hold", "deceased", "deceased-debtor"),
    HoldRule("dispute_hold", "dispute", "dispute", permitted=DISPUTE_PERMITTED),
    HoldRule("other_hold", "other", "account"),
    SmsEligibility(),
    EmailEligibility(),
    TcpaConsent(),
    AccountStatusGate(),
)


@lru_cache(maxsize=32)
def rules_for(packs: tuple[StatePack, ...]) -> tuple[Rule, ...]:
    """The core rules followed by one rule per state pack."""
    return CORE_RULES + tuple(StatePackRule(pack) for pack in packs)


__all__ = ["CORE_RULES", "Rule", "rules_for"]
