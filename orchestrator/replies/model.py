"""The classifier's vocabulary: the intents a reply can carry and the result handed to the actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from enum import StrEnum


class Intent(StrEnum):
    """What a debtor's reply asks for. Values are the wire names used in events and the CLI."""

    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    HELP = "help"
    PROMISE_TO_PAY = "promise_to_pay"
    ALREADY_PAID = "already_paid"
    PAYMENT_PLAN_REQUEST = "payment_plan_request"
    DISPUTE = "dispute"
    WRONG_NUMBER = "wrong_number"
    HARDSHIP = "hardship"
    CALLBACK_REQUEST = "callback_request"
    CEASE_COMMUNICATION = "cease_communication"
    ATTORNEY = "attorney"
    BANKRUPTCY = "bankruptcy"
    DECEASED = "deceased"
    BALANCE_INQUIRY = "balance_inquiry"
    OTHER = "other"


# When two intents score the same, the earlier one wins: legal holds first (they stop everything
# for the account and go to a human), then the opt-out the law says to honour at once.
PRECEDENCE: tuple[Intent, ...] = (
    Intent.BANKRUPTCY,
    Intent.DECEASED,
    Intent.ATTORNEY,
    Intent.CEASE_COMMUNICATION,
    Intent.OPT_OUT,
    Intent.WRONG_NUMBER,
    Intent.DISPUTE,
    Intent.ALREADY_PAID,
    Intent.PAYMENT_PLAN_REQUEST,
    Intent.PROMISE_TO_PAY,
    Intent.HARDSHIP,
    Intent.CALLBACK_REQUEST,
    Intent.BALANCE_INQUIRY,
    Intent.OPT_IN,
    Intent.HELP,
    Intent.OTHER,
)


@dataclass(frozen=True, slots=True)
class ReplyClassification:
    """One reply, understood: the winning intent, how sure we are, the entities, and why.

    ``cues`` lists every cue that matched as ``"<intent>:<cue>"`` (entities as ``"amount:<text>"``,
    ``"date:<text>"``, ``"time:<text>"``), including cues of intents that lost, so an action can still see, for
    example, an opt-out request inside a reply classified as ``attorney``.
    """

    intent: Intent
    confidence: float
    amount: Decimal | None
    date: date | None
    cues: tuple[str, ...]
    time: time | None = None  # a time of day the reply names ("3pm"), wall clock in the debtor's zone
    currency: str | None = None  # the ISO 4217 code the amount's sign or word names (€50: EUR); None if none
    # "$" when ``currency`` (USD) comes from a bare "$", which other currencies write too (CAD, MXN…): the
    # action layer reads the amount in the account's currency when that is one of them (``currency_signs``).
    currency_sign: str | None = None

    @property
    def opt_out_requested(self) -> bool:
        """True when the reply asks to stop this medium, whatever intent won.

        A cease notice covers every medium, so it counts too.
        """
        if self.intent in (Intent.OPT_OUT, Intent.CEASE_COMMUNICATION):
            return True
        return any(cue.startswith(f"{Intent.OPT_OUT.value}:") for cue in self.cues)
