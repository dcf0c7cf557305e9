"""Understanding debtor replies: intent, amount, date and time of day, in English and Spanish. Pure, no I/O.

Public API: ``classify(text, channel, received_at, timezone) -> ReplyClassification``.
"""

from orchestrator.replies.carrier_keywords import provider_keyword
from orchestrator.replies.classifier import UnknownTimezone, classify, local_date
from orchestrator.replies.model import Intent, ReplyClassification

__all__ = [
    "Intent",
    "ReplyClassification",
    "UnknownTimezone",
    "classify",
    "local_date",
    "provider_keyword",
]
