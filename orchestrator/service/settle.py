"""What a refused send teaches about the destination (Twilio 21610: opted out; 21211: bad number)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from orchestrator.domain import DebtorState, OptOutRecord
from orchestrator.domain.transitions import NOT_TEXTABLE_CODES, not_textable
from orchestrator.events import Channel
from orchestrator.outbound import Disposition, ProviderError


def settle_failure(
    state: DebtorState, channel: Channel, destination: str, error: ProviderError, now: datetime
) -> DebtorState:
    """The state after a permanent refusal: an opt-out or a bad destination is remembered."""
    if error.disposition == Disposition.OPTED_OUT:
        record = OptOutRecord(channel=channel, destination=destination, at=now)
        if record not in state.opt_outs:
            return replace(state, opt_outs=(*state.opt_outs, record))
    if error.disposition == Disposition.BAD_DESTINATION:
        entry = not_textable(destination) if channel == "sms" and error.code in NOT_TEXTABLE_CODES else destination
        return replace(state, bad_destinations=state.bad_destinations | {entry})
    return state
