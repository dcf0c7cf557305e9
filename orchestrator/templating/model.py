"""The vocabulary of the template system: channels, purposes, what a render needs and what it returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

TemplateChannel = Literal["sms", "email", "voice", "voicemail"]
CHANNELS: tuple[TemplateChannel, ...] = get_args(TemplateChannel)

Purpose = Literal[
    "first_notice",
    "reminder",
    "missed_payment",
    "promise_confirmation",
    "promise_reminder",
    "broken_promise",
    "payment_thanks",
    "opt_out_confirmation",
    "help_reply",
    "voice_script",
    "voicemail",
]
PURPOSES: tuple[Purpose, ...] = get_args(Purpose)

DEFAULT_LOCALE = "en"

# Files of each channel, by the part of the message they fill. Required parts first.
CHANNEL_FILES: dict[TemplateChannel, dict[str, str]] = {
    "sms": {"body": "sms.txt"},
    "email": {"subject": "email_subject.txt", "body": "email.txt", "html": "email.html"},
    "voice": {"body": "voice.txt", "voicemail": "voicemail.txt"},
    "voicemail": {"body": "voicemail.txt"},
}
REQUIRED_PARTS: dict[TemplateChannel, tuple[str, ...]] = {
    "sms": ("body",),
    "email": ("subject", "body"),
    "voice": ("body",),
    "voicemail": ("body",),
}
KNOWN_FILES = frozenset(name for files in CHANNEL_FILES.values() for name in files.values())

# Every variable a template may declare, with what it holds (the editor guide lists the same).
VARIABLES: dict[str, str] = {
    "first_name": "Debtor's first name.",
    "last_name": "Debtor's last name.",
    "full_name": "First and last name.",
    "account": "The account this message is about: id, creditor, balance, currency.",
    "accounts": "Every account of the debtor (list of id, creditor, balance, currency).",
    "creditor": "Creditor of the account.",
    "balance": "Balance of the account (use |money).",
    "currency": "Currency code of the account, e.g. USD.",
    "total_balance": "Sum of the balances of all accounts (use |money).",
    "amount_due": "Amount of the missed or upcoming payment (use |money).",
    "due_date": "Date the payment is due (use |date or |longdate).",
    "promise_amount": "Amount the debtor promised to pay (use |money).",
    "promise_date": "Date the debtor promised to pay by.",
    "payment_amount": "Amount of a payment received (use |money).",
    "payment_date": "Date a payment was received.",
    "business_name": "Name of the business (never suggests debt collection).",
    "callback_number": "Number the debtor can call, formatted for reading.",
    "agent_name": "A natural person's name the debtor can ask for.",
    "is_first_contact": "True on the first contact about the account.",
    "now": "Date and time of the render.",
    "disclosure": "Debt-collector disclosure (placed automatically unless required_content: inline).",
    "opt_out": "Opt-out instruction (placed automatically unless required_content: inline).",
}
IMPLICIT_VARIABLES = frozenset({"disclosure", "opt_out"})


class AccountFacts(BaseModel):
    """One account as the templates see it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    creditor: str
    balance: Decimal
    currency: str = "USD"


class RenderContext(BaseModel):
    """Everything a render may use, supplied by the service layer (or a sample/data file)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    debtor_id: str
    first_name: str
    last_name: str = ""
    language: str = "en"
    accounts: tuple[AccountFacts, ...] = ()
    account_id: str | None = Field(None, description="The account the message is about; default: the first.")
    amount_due: Decimal | None = None
    due_date: date | None = None
    promise_amount: Decimal | None = None
    promise_date: date | None = None
    payment_amount: Decimal | None = None
    payment_date: date | None = None
    first_contact: bool = Field(False, description="First contact about the account: full disclosure.")
    business_name: str = "Parley Services"
    callback_number: str = "+18005550100"
    agent_name: str = "Alex Morgan"
    opt_out_text: str | None = Field(None, description="Overrides the default opt-out instruction.")
    now: datetime

    def account(self) -> AccountFacts | None:
        """The account the message is about."""
        for candidate in self.accounts:
            if candidate.id == self.account_id:
                return candidate
        return self.accounts[0] if self.accounts and self.account_id is None else None


@dataclass(frozen=True, slots=True)
class RenderLimits:
    """Bounds on one render. Times in milliseconds, sizes in bytes of UTF-8 output.

    ``sms_max_segments``: an SMS that needs more segments is refused (``RenderLimitExceeded``) instead of
    being sent at a surprising cost; None leaves SMS length to lint (and the provider's own cap)."""

    timeout_ms: int = 250
    max_bytes: int = 64_000
    max_loop_iterations: int = 5_000
    max_call_depth: int = 32
    fold_sms_to_gsm7: bool = True
    sms_max_segments: int | None = None


@dataclass(frozen=True, slots=True)
class SmsSegments:
    """How an SMS body travels: its encoding, its length in that encoding, and the segments it takes."""

    encoding: Literal["GSM-7", "UCS-2"]
    units: int
    segments: int


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    """A rendered message, ready for a channel; ``template_version`` is the content hash for the audit trail."""

    template_id: str
    template_version: str
    channel: TemplateChannel
    locale: str
    body: str
    subject: str | None = None
    html: str | None = None
    voicemail: str | None = None
    sms: SmsSegments | None = None
