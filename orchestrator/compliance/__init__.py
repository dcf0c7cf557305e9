"""Parley's compliance engine (COMPLIANCE.md): named rules, explainable verdicts, the next allowed slot."""

from orchestrator.compliance.context import ProposedContact, Verdict
from orchestrator.compliance.engine import Decision, allows, decide, next_slot
from orchestrator.compliance.policy import DEFAULT_POLICY, DEFAULT_STATE_PACKS, CountCap, Policy, StatePack
from orchestrator.compliance.rules import CORE_RULES, rules_for

__all__ = [
    "CORE_RULES",
    "DEFAULT_POLICY",
    "DEFAULT_STATE_PACKS",
    "CountCap",
    "Decision",
    "Policy",
    "ProposedContact",
    "StatePack",
    "Verdict",
    "allows",
    "decide",
    "next_slot",
    "rules_for",
]
