"""The tunable parts of Parley's compliance policy (COMPLIANCE.md items 1–11), as frozen data.

State packs are data: adding a state is adding a ``StatePack`` row, not writing a rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta

from orchestrator.domain.transitions import LEDGER_RETENTION
from orchestrator.events import Channel
from orchestrator.timezones import DEFAULT_FALLBACK_ZONES


@dataclass(frozen=True, slots=True)
class CountCap:
    """At most ``limit`` contacts on ``channels`` within ``days`` calendar days (per debt or per debtor)."""

    channels: frozenset[Channel]
    limit: int
    days: int
    per_debt: bool
    exempt_replies: bool = True  # answering the consumer's own contact does not count, nor is it capped


@dataclass(frozen=True, slots=True)
class StatePack:
    """A state's stricter rules, applied when the debtor's postal address is in ``state``."""

    rule_id: str
    state: str
    caps: tuple[CountCap, ...]
    allowed_hours: tuple[time, time] | None  # local [start, end) in which contact is allowed at all
    citation: str


MASSACHUSETTS = StatePack(
    rule_id="state_ma",
    state="MA",
    caps=(CountCap(frozenset({"voice", "sms"}), limit=2, days=7, per_debt=True, exempt_replies=False),),
    allowed_hours=None,
    citation="940 CMR 7.04(1)(f); 209 CMR 18.16",
)
WASHINGTON = StatePack(
    rule_id="state_wa",
    state="WA",
    caps=(CountCap(frozenset({"voice", "sms", "email"}), limit=3, days=7, per_debt=False),),
    allowed_hours=(time(7, 30), time(21, 0)),
    citation="RCW 19.16.250(13)",
)
DEFAULT_STATE_PACKS: tuple[StatePack, ...] = (MASSACHUSETTS, WASHINGTON)


@dataclass(frozen=True, slots=True)
class Policy:
    """Every number the rules use; the defaults are Parley's policy."""

    window_start: time = time(8, 0)
    window_end: time = time(21, 0)
    max_calls_per_7_days: int = 7  # per debt, calendar days D-6..D in the primary zone
    conversation_block_days: int = 7  # days C..C+6 blocked
    min_call_gap: timedelta = timedelta(minutes=5)
    max_calls_per_day: int = 3
    max_sms_per_window: int = 3
    max_email_per_window: int = 3
    message_window_days: int = 7
    quiet_days: bool = True  # Sundays and US federal holidays
    # The one opt-out confirmation must follow the opt-out promptly (COMPLIANCE.md: TCPA, "one confirmation
    # ≤5 min"); one that the hours gate holds back past the window is not sent at all.
    opt_out_confirmation_window: timedelta = timedelta(minutes=5)
    # A reply to the consumer's own contact is exempt from the message caps only while it answers promptly;
    # held back longer (hours, caps), it is an ordinary message and counts like one.
    reply_window: timedelta = timedelta(minutes=15)
    fallback_zones: tuple[str, ...] = DEFAULT_FALLBACK_ZONES
    state_packs: tuple[StatePack, ...] = field(default=DEFAULT_STATE_PACKS)
    search_horizon: timedelta = timedelta(days=60)

    def __post_init__(self) -> None:
        counts = {
            "max_calls_per_7_days": self.max_calls_per_7_days,
            "max_calls_per_day": self.max_calls_per_day,
            "max_sms_per_window": self.max_sms_per_window,
            "max_email_per_window": self.max_email_per_window,
            "message_window_days": self.message_window_days,
            "conversation_block_days": self.conversation_block_days,
        }
        # A cap of 0 would mean "never", which no rule models (a window of 0 days would count nothing):
        # a channel that may not be used at all is a blocked channel or an opt-out, not a cap.
        too_small = [name for name, value in counts.items() if value < 1]
        if too_small:
            raise ValueError(f"policy caps and windows must be at least 1: {', '.join(too_small)}")
        longest = max(self.message_window_days, self.conversation_block_days, 7) + 2
        if longest > LEDGER_RETENTION.days or self.opt_out_confirmation_window >= LEDGER_RETENTION:
            raise ValueError(f"policy windows must fit in the ledger retention ({LEDGER_RETENTION.days} days)")
        if any(cap.days + 2 > LEDGER_RETENTION.days for pack in self.state_packs for cap in pack.caps):
            raise ValueError(f"state pack windows must fit in the ledger retention ({LEDGER_RETENTION.days} days)")


DEFAULT_POLICY = Policy()
