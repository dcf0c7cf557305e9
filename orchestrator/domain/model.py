"""A debtor's state as the decision core sees it: profile, accounts, holds, opt-outs, the contact ledger.

Frozen, slotted dataclasses: the streaming service keeps one per debtor in Redis and evaluates
thousands of decisions a second against them, so they are small, immutable values that transitions
replace rather than mutate. All datetimes are aware and in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from orchestrator.events import DEFAULT_CURRENCY, Channel, DebtorProfile, HoldReason

AccountStatus = Literal["open", "closed", "paid"]
Outcome = Literal["placed", "not_connected", "human", "machine", "conversation", "sent", "delivered", "failed"]
OUTCOMES: tuple[Outcome, ...] = (
    "placed",
    "not_connected",
    "human",
    "machine",
    "conversation",
    "sent",
    "delivered",
    "failed",
)
# Purposes that answer the consumer or confirm their opt-out: not counted against message caps.
REPLY_PURPOSES = frozenset({"reply", "opt_out_confirmation"})
# Outcomes of a call that never connected (busy, number not in service, failed before ringing).
UNCONNECTED_CALL_OUTCOMES = frozenset({"not_connected", "failed"})


@dataclass(frozen=True, slots=True)
class Promise:
    """A promise to pay: dunning for the account pauses until the due date."""

    amount: Decimal
    due: date


@dataclass(frozen=True, slots=True)
class AccountState:
    """One debt as Parley tracks it."""

    id: str
    creditor: str = ""
    balance: Decimal = Decimal(0)
    status: AccountStatus = "open"
    promise: Promise | None = None
    first_contact_at: datetime | None = None  # first completed communication: later ones get the short disclosure
    currency: str = DEFAULT_CURRENCY  # ISO 4217, of the balance and every amount about the account

    @property
    def paused_until(self) -> date | None:
        """Dunning for this account pauses until a promise falls due."""
        return self.promise.due if self.promise else None


@dataclass(frozen=True, slots=True)
class Hold:
    """A hold on one account (``account_id``) or on every account of the debtor (None)."""

    account_id: str | None
    reason: HoldReason
    placed_at: datetime

    def covers(self, account_ids: tuple[str, ...]) -> bool:
        return self.account_id is None or self.account_id in account_ids


@dataclass(frozen=True, slots=True)
class OptOutRecord:
    """Parley's own opt-out record (STOP, unsubscribe, 21610); ``destination`` None = the whole medium."""

    channel: Channel
    destination: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Attempt:
    """One outbound contact in the ledger (a call placed, a text or email sent)."""

    id: str
    channel: Channel
    destination: str
    account_ids: tuple[str, ...]
    at: datetime
    outcome: Outcome = "placed"
    purpose: str = ""
    provider_message_id: str | None = None
    responded: bool = False  # the consumer answered it (response history counted it already)
    answered_by: str | None = None  # a call's AMD result (human, machine_end_beep, …), whenever it arrived

    @property
    def counted_call(self) -> bool:
        """A call that counts toward 7-in-7 (COMPLIANCE.md item 2): every call that connected or rang."""
        return self.channel == "voice" and self.outcome not in UNCONNECTED_CALL_OUTCOMES

    @property
    def counted_message(self) -> bool:
        """A text or email that counts toward message caps: not failed, not a reply or opt-out confirmation."""
        return self.channel != "voice" and self.outcome != "failed" and self.purpose not in REPLY_PURPOSES


@dataclass(frozen=True, slots=True)
class Conversation:
    """A live conversation about these debts (starts the 7-day call block, item 3)."""

    at: datetime
    account_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InboundContact:
    """The consumer's latest own contact on a channel (allows one same-medium reply)."""

    channel: Channel
    source: str  # the consumer's number or address
    at: datetime


@dataclass(frozen=True, slots=True)
class ResponseStat:
    """Response counts for one channel × hour band, the evidence for Thompson sampling."""

    channel: Channel
    band: str
    successes: int = 0
    trials: int = 0


@dataclass(frozen=True, slots=True)
class DebtorState:
    """Everything the decision core knows about one debtor."""

    profile: DebtorProfile
    accounts: tuple[AccountState, ...] = ()
    holds: tuple[Hold, ...] = ()
    opt_outs: tuple[OptOutRecord, ...] = ()
    bad_destinations: frozenset[str] = field(default_factory=frozenset)
    ledger: tuple[Attempt, ...] = ()
    conversations: tuple[Conversation, ...] = ()
    inbound: tuple[InboundContact, ...] = ()
    responses: tuple[ResponseStat, ...] = ()

    @property
    def debtor_id(self) -> str:
        return self.profile.id

    def account(self, account_id: str) -> AccountState | None:
        for account in self.accounts:
            if account.id == account_id:
                return account
        return None

    def last_inbound(self, channel: Channel) -> InboundContact | None:
        for contact in self.inbound:
            if contact.channel == channel:
                return contact
        return None

    def response_history(self) -> dict[tuple[str, str], tuple[int, int]]:
        """(channel, band) → (successes, trials), the shape ``policy.channel_choice`` reads."""
        return {(stat.channel, stat.band): (stat.successes, stat.trials) for stat in self.responses}

    def needs_full_disclosure(self, account_id: str) -> bool:
        """Whether a message about this account must carry the full (initial) debt-collector disclosure."""
        account = self.account(account_id)
        return account is None or account.first_contact_at is None
