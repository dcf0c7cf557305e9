"""State transitions of the decision core (re-exported from ``orchestrator.domain.transitions``)."""

from orchestrator.domain.transitions import (
    apply_event,
    blank_state,
    keyword_of,
    prune,
    record_attempt,
    record_outcome,
    record_provider_id,
)

__all__ = [
    "apply_event",
    "blank_state",
    "keyword_of",
    "prune",
    "record_attempt",
    "record_outcome",
    "record_provider_id",
]
