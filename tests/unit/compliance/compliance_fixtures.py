"""Builders for compliance tests: a debtor, their accounts, and ledger entries, in a few words."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from orchestrator.compliance import Decision, Policy, ProposedContact, Verdict
from orchestrator.domain import AccountState, Attempt, Conversation, DebtorState, Hold
from orchestrator.domain.model import Outcome
from orchestrator.events import Address, DebtorProfile, Email, HoldReason, Name, Phone

MOBILE = "+12125550123"  # New York
EMAIL = "maria@example.com"
NO_QUIET_DAYS = Policy(quiet_days=False)
NEW_YORK = ZoneInfo("America/New_York")


def local(tz: str, *parts: int) -> datetime:
    """A wall-clock time in ``tz`` as a UTC instant."""
    return datetime(*parts, tzinfo=ZoneInfo(tz)).astimezone(UTC)  # type: ignore[misc]


def et(*parts: int) -> datetime:
    return local("America/New_York", *parts)


def profile(
    *,
    phones: tuple[Phone, ...] = (Phone(number=MOBILE, sms_consent=True, call_consent=True),),
    postal_code: str | None = "10001",
    state: str = "NY",
    timezone: str | None = None,
    emails: tuple[Email, ...] = (Email(address=EMAIL, consent=True),),
    **extra: object,
) -> DebtorProfile:
    address = Address(line1="1 Main St", city="X", state=state, postal_code=postal_code) if postal_code else None
    return DebtorProfile(
        id="d-1",
        name=Name(first="Maria", last="Garcia"),
        timezone=timezone,
        address=address,
        phones=phones,
        emails=emails,
        **extra,  # type: ignore[arg-type]
    )


def debtor(accounts: tuple[str, ...] = ("A",), **profile_fields: object) -> DebtorState:
    return DebtorState(
        profile=profile(**profile_fields),  # type: ignore[arg-type]
        accounts=tuple(AccountState(id=a, creditor="Acme", balance=Decimal("100.00")) for a in accounts),
    )


def with_attempts(state: DebtorState, *attempts: Attempt) -> DebtorState:
    return replace(state, ledger=state.ledger + attempts)


def with_hold(state: DebtorState, reason: HoldReason, account_id: str | None = None) -> DebtorState:
    return replace(state, holds=(*state.holds, Hold(account_id, reason, datetime(2026, 1, 1, tzinfo=UTC))))


def with_conversation(state: DebtorState, at: datetime, *accounts: str) -> DebtorState:
    return replace(state, conversations=(*state.conversations, Conversation(at, accounts)))


_counter = iter(range(10**9))


def attempt(
    at: datetime,
    channel: str = "voice",
    accounts: tuple[str, ...] = ("A",),
    outcome: Outcome = "human",
    destination: str | None = None,
    purpose: str = "reminder",
) -> Attempt:
    dest = destination or (EMAIL if channel == "email" else MOBILE)
    return Attempt(f"t{next(_counter)}", channel, dest, accounts, at, outcome, purpose)  # type: ignore[arg-type]


def call(accounts: tuple[str, ...] = ("A",), **fields: object) -> ProposedContact:
    return ProposedContact("voice", MOBILE, accounts, **fields)  # type: ignore[arg-type]


def sms(accounts: tuple[str, ...] = ("A",), **fields: object) -> ProposedContact:
    return ProposedContact("sms", MOBILE, accounts, **fields)  # type: ignore[arg-type]


def email(accounts: tuple[str, ...] = ("A",), **fields: object) -> ProposedContact:
    return ProposedContact("email", EMAIL, accounts, **fields)  # type: ignore[arg-type]


def verdict(decision: Decision, rule_id: str) -> Verdict:
    return next(v for v in decision.verdicts if v.rule_id == rule_id)
