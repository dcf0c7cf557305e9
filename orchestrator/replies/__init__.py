"""Understanding debtor replies: intent, amount and date, in English and Spanish. Pure, no I/O.

Public API: ``classify(text, channel, received_at, timezone) -> ReplyClassification``.
"""

from orchestrator.replies.classifier import UnknownTimezone, classify, local_date
from orchestrator.replies.model import Intent, ReplyClassification

__all__ = ["Intent", "ReplyClassification", "UnknownTimezone", "classify", "local_date"]
