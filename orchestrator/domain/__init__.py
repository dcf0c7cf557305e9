"""The debtor state model, its compact codec, and the pure transitions that evolve it from events."""

from orchestrator.domain.codec import StateDecodeError, from_json_bytes, to_json_bytes
from orchestrator.domain.model import (
    OUTCOMES,
    AccountState,
    AccountStatus,
    Attempt,
    Conversation,
    DebtorState,
    Hold,
    InboundContact,
    OptOutRecord,
    Outcome,
    Promise,
    ResponseStat,
)

__all__ = [
    "OUTCOMES",
    "AccountState",
    "AccountStatus",
    "Attempt",
    "Conversation",
    "DebtorState",
    "Hold",
    "InboundContact",
    "OptOutRecord",
    "Outcome",
    "Promise",
    "ResponseStat",
    "StateDecodeError",
    "from_json_bytes",
    "to_json_bytes",
]
