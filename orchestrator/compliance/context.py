"""What a rule sees: the proposed contact, the debtor's state, and the moment, with shared derivations.

``ContactScope`` holds everything that does not depend on the moment (zones, local dates of the
ledger), computed once per decision and reused while ``next_slot`` walks forward in time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from orchestrator.compliance.policy import Policy
from orchestrator.domain.model import Attempt, DebtorState
from orchestrator.events import Channel
from orchestrator.timezones import ZoneSet, zone, zones_for_profile

REPLY_PURPOSE = "reply"
OPT_OUT_CONFIRMATION = "opt_out_confirmation"
# Ledger purposes that use up the one same-medium reply a consumer's own contact allows.
_REPLIES_RECORDED = frozenset({REPLY_PURPOSE, OPT_OUT_CONFIRMATION})


@dataclass(frozen=True, slots=True)
class ProposedContact:
    """A contact Parley wants to make: the channel, where to, which debts, and why."""

    channel: Channel
    destination: str
    account_ids: tuple[str, ...] = ()  # empty: about every account of the debtor
    purpose: str = "reminder"  # validation_notice, reminder, opt_out_confirmation, reply, payment_thanks, …
    is_reply_to_inbound: bool = False

    @property
    def is_reply(self) -> bool:
        return self.is_reply_to_inbound or self.purpose == REPLY_PURPOSE

    @property
    def ledger_purpose(self) -> str:
        """The purpose to record on the attempt: a reply is recorded as ``reply`` so it is used once; an
        opt-out confirmation keeps its own purpose, so the opt-out rule allows only one."""
        if self.purpose == OPT_OUT_CONFIRMATION:
            return OPT_OUT_CONFIRMATION
        return REPLY_PURPOSE if self.is_reply else self.purpose


@dataclass(frozen=True, slots=True)
class Verdict:
    """One rule's answer: allowed or not, why in plain English, and when it would next allow."""

    rule_id: str
    allowed: bool
    reason: str
    next_allowed_at: datetime | None = None
    rule_version: int = 1


class ContactScope:
    """The time-independent part of a decision, computed once."""

    __slots__ = ("_ledger_days", "account_ids", "contact", "policy", "primary", "state", "zone_set", "zones")

    def __init__(self, state: DebtorState, contact: ProposedContact, policy: Policy) -> None:
        self.state = state
        self.contact = contact
        self.policy = policy
        self.zone_set: ZoneSet = zones_for_profile(state.profile, policy.fallback_zones)
        self.zones: tuple[ZoneInfo, ...] = tuple(zone(name) for name in self.zone_set.candidates)
        self.primary: ZoneInfo = zone(self.zone_set.primary)
        self.account_ids: tuple[str, ...] = contact.account_ids or tuple(a.id for a in state.accounts)
        self._ledger_days: tuple[tuple[Attempt, date], ...] | None = None

    @property
    def ledger_days(self) -> tuple[tuple[Attempt, date], ...]:
        """Each ledger attempt with its local date in the primary zone; only the counting rules need them,
        and only when their verdict depends on the moment, so they are converted on first use."""
        if self._ledger_days is None:
            primary = self.primary
            self._ledger_days = tuple((attempt, attempt.at.astimezone(primary).date()) for attempt in self.state.ledger)
        return self._ledger_days

    def local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.primary).date()

    def reply_available(self, at: datetime) -> bool:
        """Whether this contact is the one same-medium reply the consumer's latest contact allows."""
        contact = self.contact
        if not contact.is_reply:
            return False
        inbound = self.state.last_inbound(contact.channel)
        if inbound is None or inbound.at > at or inbound.source.lower() != contact.destination.lower():
            return False
        return not any(
            a.channel == contact.channel and a.purpose in _REPLIES_RECORDED and a.at >= inbound.at
            for a in self.state.ledger
        )


@dataclass(slots=True)
class RuleContext:
    """A scope at one moment (UTC), with the primary-zone local time."""

    scope: ContactScope
    at: datetime
    local: datetime
    today: date
    _in_zones: tuple[datetime, ...] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def at_moment(cls, scope: ContactScope, at: datetime) -> RuleContext:
        moment = at.astimezone(UTC)
        local = moment.astimezone(scope.primary)
        return cls(scope, moment, local, local.date())

    def in_zones(self) -> tuple[datetime, ...]:
        """The moment's local time in each candidate zone (``scope.zones`` order): several rules read
        them, so they are converted once per moment."""
        if self._in_zones is None:
            at = self.at
            self._in_zones = tuple([at.astimezone(tz) for tz in self.scope.zones])
        return self._in_zones
