"""The inbound event contract (BRIEF.md): the ``data`` of every CloudEvent Parley consumes.

Upstream systems publish these on ``account-events``; Parley's webhooks publish the provider
events on ``provider-events``. The models are the single source of the JSON Schemas under
``schemas/``. They validate and normalise input; they carry no behaviour.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from babel.numbers import is_currency
from phonenumbers import ValidationResult
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from orchestrator.ids import event_identity
from orchestrator.limits import (
    DESTINATION_LENGTH,
    ID_BYTES,
    ID_LENGTH,
    MAX_ACCOUNT_IDS,
    MAX_CHANNELS,
    MAX_DAYS,
    MAX_EMAILS,
    MAX_INCONVENIENT_TIMES,
    MAX_OPT_OUTS,
    MAX_PHONES,
    NOTE_LENGTH,
    PROVIDER_VALUE_LENGTH,
    REPLY_TEXT_LENGTH,
    TEXT_LENGTH,
    URL_LENGTH,
    ZONE_NAME_LENGTH,
)
from orchestrator.reasons import json_kind, quoted
from orchestrator.rfc3339 import EXAMPLE, FORM, DateTimeError, format_date_time, parse_date_time

Channel = Literal["sms", "voice", "email"]
Language = Literal["en", "es"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HoldReason = Literal["cease", "dispute", "attorney", "bankruptcy", "deceased", "other"]
Money = Annotated[Decimal, Field(max_digits=14, decimal_places=2)]
# An account's balance is in US dollars unless the account says otherwise.
DEFAULT_CURRENCY = "USD"
_CURRENCY_CODE = re.compile("[A-Z]{3}")
# A number written without a country code is read as a US one.
PHONE_REGION = "US"
# Validation context flag for a profile read back from Parley's own store: it was checked on intake,
# and a number stored before numbers were checked is kept as it was rather than making the record unreadable.
STORED_PROFILE = "stored_profile"
# Parley's store joins a debtor id and a send id with this character (parley/store/keys.py refuses an id
# holding it), so ids are refused on intake instead of failing once the event is being acted on.
KEY_SEPARATOR = "|"
_UNREADABLE = {
    phonenumbers.NumberParseException.NOT_A_NUMBER: "not a number",
    phonenumbers.NumberParseException.INVALID_COUNTRY_CODE: "unknown country code",
    phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD: "too few digits",
    phonenumbers.NumberParseException.TOO_SHORT_NSN: "too few digits",
    phonenumbers.NumberParseException.TOO_LONG: "too many digits",
}
_NOT_POSSIBLE = {
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "no area code",
    ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    ValidationResult.TOO_SHORT: "too few digits",
    ValidationResult.TOO_LONG: "too many digits",
    ValidationResult.INVALID_LENGTH: "wrong number of digits",
}


def _on_intake(info: ValidationInfo) -> bool:
    """False for a profile read back from Parley's own store (STORED_PROFILE): it was accepted when
    stored, before these limits existed perhaps, and must stay readable."""
    return not (info.context and info.context.get(STORED_PROFILE))


def too_long(value: str, limit: int, *, shown: bool = False) -> str | None:
    """Why ``value`` is over ``limit`` characters (``shown``: quoting its start), or None when it is not.
    Personal data (names, addresses, a reply) is never quoted: dead-letter reasons are logged."""
    if len(value) <= limit:
        return None
    quote = f": {quoted(value)}" if shown else ""
    return f"must have at most {limit:,} characters, got {len(value):,}{quote}"


def id_problem(value: str) -> str | None:
    """Why ``value`` cannot be an id (a debtor, an account, an event's subject), quoting its start, or None
    when it can be one."""
    if KEY_SEPARATOR in value:
        return f"must not contain {KEY_SEPARATOR!r}, got {quoted(value)}"
    problem = too_long(value, ID_LENGTH, shown=True)
    if problem is None and len(encoded := value.encode("utf-8")) > ID_BYTES:
        shown = f"got {len(encoded):,}: {quoted(value)}"
        problem = f"must have at most {ID_BYTES} bytes of UTF-8 (a payment link carries it), {shown}"
    return problem


def _valid_id(value: str, info: ValidationInfo) -> str:
    """An id as :func:`id_problem` allows; a stored profile's may be longer, never hold the separator
    (the store could not key it)."""
    problem = id_problem(value)
    if problem is not None and (_on_intake(info) or KEY_SEPARATOR in value):
        raise ValueError(problem)
    return value


Id = Annotated[
    str,
    Field(min_length=1, json_schema_extra={"pattern": f"^[^{KEY_SEPARATOR}]+$", "maxLength": ID_LENGTH}),
    AfterValidator(_valid_id),
]
"""A debtor or account id: non-empty, without the store's key separator, at most ID_LENGTH characters
and ID_BYTES bytes of UTF-8 (orchestrator/limits.py)."""


def _at_most_characters(limit: int, *, shown: bool = False) -> AfterValidator:
    """At most ``limit`` characters on intake (stored profiles are exempt, see :func:`_on_intake`);
    ``shown`` quotes the start of a refused value. Pair it with ``maxLength`` for the schema."""

    def check(value: str, info: ValidationInfo) -> str:
        problem = too_long(value, limit, shown=shown) if _on_intake(info) else None
        if problem is not None:
            raise ValueError(problem)
        return value

    return AfterValidator(check)


ShortText = Annotated[str, _at_most_characters(TEXT_LENGTH), Field(json_schema_extra={"maxLength": TEXT_LENGTH})]
"""A name, a creditor, an address field."""
Note = Annotated[str, _at_most_characters(NOTE_LENGTH), Field(json_schema_extra={"maxLength": NOTE_LENGTH})]
"""Free text from an upstream system."""
Destination = Annotated[
    str, _at_most_characters(DESTINATION_LENGTH), Field(json_schema_extra={"maxLength": DESTINATION_LENGTH})
]
"""An e-mail address or a phone number as written."""
ZoneName = Annotated[
    str, _at_most_characters(ZONE_NAME_LENGTH, shown=True), Field(json_schema_extra={"maxLength": ZONE_NAME_LENGTH})
]
"""An IANA time zone name (it must also be a known zone)."""
ProviderValue = Annotated[
    str,
    _at_most_characters(PROVIDER_VALUE_LENGTH, shown=True),
    Field(json_schema_extra={"maxLength": PROVIDER_VALUE_LENGTH}),
]
"""An id, status or code a provider reports."""
Url = Annotated[str, _at_most_characters(URL_LENGTH), Field(json_schema_extra={"maxLength": URL_LENGTH})]
"""A link, as a provider reported it."""


def _at_most(limit: int) -> BeforeValidator:
    """At most ``limit`` items, checked before the items are read so a huge list costs nothing; stored
    profiles are exempt (see :func:`_on_intake`). Pair it with ``maxItems`` for the schema."""

    def check(items: Any, info: ValidationInfo) -> Any:
        if isinstance(items, list | tuple) and len(items) > limit and _on_intake(info):
            raise ValueError(f"at most {limit} items, got {len(items)}")
        return items

    return BeforeValidator(check)


def _non_empty(value: str, info: ValidationInfo) -> str:
    if not value and _on_intake(info):
        raise ValueError("must not be empty")
    return value


EmailAddress = Annotated[
    str,
    AfterValidator(_non_empty),
    _at_most_characters(DESTINATION_LENGTH),
    Field(json_schema_extra={"minLength": 1, "maxLength": DESTINATION_LENGTH}),
]
"""Non-empty and at most DESTINATION_LENGTH characters on intake (a stored profile keeps what it had)."""


def _rfc3339_instant(value: Any) -> Any:
    """An instant in event data is read as the envelope's ``time`` is (orchestrator/rfc3339.py): RFC 3339
    text only, not pydantic's wider reading (a unix number, a space for the ``T``, no seconds), which other
    consumers of the same topic may refuse. An aware ``datetime`` built in Python goes on to AwareDatetime."""
    if isinstance(value, datetime):
        return value
    hint = f"use {FORM}, e.g. {EXAMPLE}"
    if not isinstance(value, str):
        kind = json_kind(value)
        raise ValueError(f"not an RFC 3339 timestamp: {kind}; use a string {FORM}, e.g. {EXAMPLE}")
    try:
        return parse_date_time(value)
    except DateTimeError as error:
        shown = quoted(value)
        if error.problem == "offset":
            raise ValueError(f"no UTC offset in {shown}; {hint}") from None
        if error.problem == "form":
            raise ValueError(f"not an RFC 3339 timestamp: {shown}; {hint}") from None
        raise ValueError(f"not a valid date and time: {shown} ({error})") from None


Instant = Annotated[
    AwareDatetime, BeforeValidator(_rfc3339_instant), PlainSerializer(format_date_time, when_used="json")
]
"""An instant in event data: an RFC 3339 date-time on the wire, read and written as the envelope's ``time``."""

_CALENDAR_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _calendar_date(value: Any) -> Any:
    """A date in event data is ``YYYY-MM-DD`` text (RFC 3339 ``full-date``), not pydantic's wider reading
    (a date-time at midnight, a unix number of a midnight), which other consumers may refuse or read in
    another zone. A ``date`` built in Python goes on as it is."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        kind = json_kind(value)
        raise ValueError(f"not a calendar date: {kind}; use a string YYYY-MM-DD, e.g. 2024-03-04")
    if _CALENDAR_DATE.fullmatch(value) is None:
        raise ValueError(f"not a calendar date: {quoted(value)}; use YYYY-MM-DD, e.g. 2024-03-04")
    return value


CalendarDate = Annotated[date, BeforeValidator(_calendar_date)]
"""A day in event data (a due date): ``YYYY-MM-DD``."""


class Contract(BaseModel):
    """Base of every contract model: immutable, unknown fields ignored (forward compatible)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class Name(Contract):
    first: ShortText
    last: ShortText = ""


class Address(Contract):
    line1: ShortText = ""
    city: ShortText = ""
    state: ShortText = Field("", description="Two-letter US state code, e.g. MA.")
    postal_code: ShortText = ""
    country: ShortText = "US"


@lru_cache(maxsize=65_536)
def e164(number: str) -> str:
    """``number`` in E.164 (``(212) 555-0123`` → ``+12125550123``): opt-outs, the destination index and
    the providers compare numbers as exact strings. Raises ValueError saying why it is not a number."""
    try:
        parsed = phonenumbers.parse(number, PHONE_REGION)
    except phonenumbers.NumberParseException as error:
        raise _not_a_number(_UNREADABLE.get(error.error_type, "not a number")) from None
    problem = _NOT_POSSIBLE.get(phonenumbers.is_possible_number_with_reason(parsed))
    if problem is None and parsed.extension:
        problem = "an extension cannot be dialled"
    if problem is not None:
        raise _not_a_number(problem)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _not_a_number(problem: str) -> ValueError:
    # The number itself stays out of the message: dead-letter reasons are logged.
    return ValueError(f"not a phone number ({problem}); use E.164, e.g. +12125550123")


def _phone_number(number: str, info: ValidationInfo) -> str:
    try:
        return e164(number)
    except ValueError:
        if not _on_intake(info):
            return number
        raise


@lru_cache(maxsize=1024)
def _known_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return False
    return True


def _stated_zone(name: str | None, info: ValidationInfo) -> str | None:
    """A stated zone must be an IANA zone: it overrides where the debtor's address and numbers place
    them (COMPLIANCE: calling hours), so a misspelt one must not quietly fall back to inference."""
    if name is None or _known_zone(name) or not _on_intake(info):
        return name
    raise ValueError(f"unknown time zone {quoted(name)}; use an IANA zone name, e.g. America/Chicago")


@lru_cache(maxsize=1024)
def _known_currency(code: str) -> bool:
    return _CURRENCY_CODE.fullmatch(code) is not None and is_currency(code)


def _iso_currency(code: str) -> str:
    """Balances render in the account's currency (Babel): a code it does not know would fail every send
    about the account, so it is refused on intake instead."""
    if _known_currency(code):
        return code
    raise ValueError(f"unknown currency {quoted(code, 8)}; use an ISO 4217 code in capitals, e.g. USD or EUR")


Currency = Annotated[
    str,
    AfterValidator(_iso_currency),
    Field(
        description="ISO 4217 alphabetic code, e.g. USD, EUR.",
        json_schema_extra={"pattern": f"^{_CURRENCY_CODE.pattern}$", "maxLength": 3},
    ),
]
"""The currency of an account's amounts: an ISO 4217 code Babel can format."""


class Phone(Contract):
    number: Destination = Field(description="E.164, e.g. +12125550123.")
    type: Literal["mobile", "landline"] = "mobile"
    sms_consent: bool = False
    call_consent: bool = False

    @field_validator("number")
    @classmethod
    def _in_e164(cls, number: str, info: ValidationInfo) -> str:
        return _phone_number(number, info)


class Email(Contract):
    address: EmailAddress
    consent: bool = False
    employer_provided: bool = False


class InconvenientTime(Contract):
    """A consumer-stated window in which Parley must not make contact (local time)."""

    days: Annotated[tuple[Weekday, ...], _at_most(MAX_DAYS)] = Field(
        description="Days it applies to, e.g. [mon, tue].", json_schema_extra={"maxItems": MAX_DAYS}
    )
    start: time
    end: time


Channels = Annotated[tuple[Channel, ...], _at_most(MAX_CHANNELS), Field(json_schema_extra={"maxItems": MAX_CHANNELS})]


class Preferences(Contract):
    channels: Channels = Field((), description="Preferred channels, most preferred first.")
    blocked_channels: Channels = ()
    inconvenient_times: Annotated[
        tuple[InconvenientTime, ...],
        _at_most(MAX_INCONVENIENT_TIMES),
        Field(json_schema_extra={"maxItems": MAX_INCONVENIENT_TIMES}),
    ] = ()


class OptOut(Contract):
    """An opt-out of a medium; ``destination`` None means every number or address of that medium."""

    channel: Channel
    destination: Destination | None = None

    @field_validator("destination")
    @classmethod
    def _number_in_e164(cls, destination: str | None, info: ValidationInfo) -> str | None:
        """A number must compare equal to the profile's (E.164) numbers, or the opt-out would block nothing."""
        if destination is None or info.data.get("channel") not in ("sms", "voice"):
            return destination
        return _phone_number(destination, info)


Phones = Annotated[tuple[Phone, ...], _at_most(MAX_PHONES), Field(json_schema_extra={"maxItems": MAX_PHONES})]
Emails = Annotated[tuple[Email, ...], _at_most(MAX_EMAILS), Field(json_schema_extra={"maxItems": MAX_EMAILS})]
OptOuts = Annotated[tuple[OptOut, ...], _at_most(MAX_OPT_OUTS), Field(json_schema_extra={"maxItems": MAX_OPT_OUTS})]


class DebtorProfile(Contract):
    id: Id
    name: Name
    language: Language = "en"
    timezone: ZoneName | None = Field(None, description="Consumer-stated IANA zone; overrides inference.")
    address: Address | None = None
    phones: Phones = ()
    emails: Emails = ()
    preferences: Preferences = Preferences()
    opt_outs: OptOuts = ()

    @field_validator("timezone")
    @classmethod
    def _iana_zone(cls, name: str | None, info: ValidationInfo) -> str | None:
        return _stated_zone(name, info)


class DebtorPatch(Contract):
    """A partial profile (``debtor.updated``): fields present replace the stored ones."""

    id: Id | None = None
    name: Name | None = None
    language: Language | None = None
    timezone: ZoneName | None = None
    address: Address | None = None
    phones: Phones | None = None
    emails: Emails | None = None
    preferences: Preferences | None = None
    opt_outs: OptOuts | None = None

    @field_validator("timezone")
    @classmethod
    def _iana_zone(cls, name: str | None, info: ValidationInfo) -> str | None:
        return _stated_zone(name, info)


class Account(Contract):
    id: Id
    creditor: ShortText
    balance: Money
    currency: Currency = DEFAULT_CURRENCY
    days_past_due: int = Field(0, ge=0)


class AccountPatch(Contract):
    id: Id
    creditor: ShortText | None = None
    balance: Money | None = None
    currency: Currency | None = Field(None, description="A new currency for the balance (ISO 4217).")
    days_past_due: int | None = Field(None, ge=0)


# --- account-events -------------------------------------------------------------------------


class AccountPlaced(Contract):
    debtor: DebtorProfile
    account: Account


class PaymentMissed(Contract):
    account_id: Id
    amount_due: Money
    due_date: CalendarDate


class PaymentReceived(Contract):
    account_id: Id
    amount: Money
    paid_at: Instant


class PromiseCreated(Contract):
    account_id: Id
    amount: Money
    due_date: CalendarDate


class PromiseBroken(Contract):
    account_id: Id


class AccountUpdated(Contract):
    account: AccountPatch


class AccountClosed(Contract):
    account_id: Id
    reason: Note = ""


class DebtorUpdated(Contract):
    debtor: DebtorPatch


class HoldPlaced(Contract):
    account_id: Id | None = Field(None, description="None: every account of the debtor.")
    reason: HoldReason


class HoldReleased(Contract):
    account_id: Id | None = None
    reason: HoldReason


class ConversationLogged(Contract):
    account_ids: Annotated[
        tuple[Id, ...], _at_most(MAX_ACCOUNT_IDS), Field(min_length=1, json_schema_extra={"maxItems": MAX_ACCOUNT_IDS})
    ]
    channel: Literal["voice"] = "voice"
    at: Instant


# --- provider-events ------------------------------------------------------------------------


class ProviderStatus(Contract):
    channel: Channel
    provider_message_id: ProviderValue
    status: ProviderValue = Field(description="Provider status, e.g. delivered, undelivered, completed, busy, open.")
    error_code: ProviderValue | None = None
    answered_by: ProviderValue | None = Field(None, description="AMD result: human, machine_end_beep, …")
    duration_s: int | None = Field(None, ge=0)
    send_id: ProviderValue | None = Field(None, description="Parley's send id, when the provider echoed it back.")
    url: Url | None = Field(None, description="The link the debtor clicked (email `click` events).")


class ProviderInbound(Contract):
    """A reply: SMS text, email text, or a voice keypad press (text ``keypad:<digit>``)."""

    channel: Channel
    from_: Destination = Field(alias="from")
    to: Destination
    text: str = Field(
        description=f"The reply, at most {REPLY_TEXT_LENGTH:,} characters: a longer one (an e-mail quoting the "
        "message it answers) is cut to its start, with text_truncated set, and never refused.",
        json_schema_extra={"maxLength": REPLY_TEXT_LENGTH},
    )
    text_truncated: bool = Field(False, description="True when the reply was longer and `text` is its start.")
    provider_message_id: ProviderValue = ""

    @model_validator(mode="before")
    @classmethod
    def _cut_long_text(cls, values: Any) -> Any:
        """A reply is kept to its first REPLY_TEXT_LENGTH characters (orchestrator/limits.py), read from the
        webhook or from a record written otherwise: the debtor's own words come first, before any quote."""
        text = values.get("text") if isinstance(values, dict) else None
        if isinstance(text, str) and len(text) > REPLY_TEXT_LENGTH:
            return {**values, "text": text[:REPLY_TEXT_LENGTH], "text_truncated": True}
        return values


EventData = (
    AccountPlaced
    | PaymentMissed
    | PaymentReceived
    | PromiseCreated
    | PromiseBroken
    | AccountUpdated
    | AccountClosed
    | DebtorUpdated
    | HoldPlaced
    | HoldReleased
    | ConversationLogged
    | ProviderStatus
    | ProviderInbound
)

ACCOUNT_EVENT_TYPES: dict[str, type[Contract]] = {
    "account.placed": AccountPlaced,
    "payment.missed": PaymentMissed,
    "payment.received": PaymentReceived,
    "promise.created": PromiseCreated,
    "promise.broken": PromiseBroken,
    "account.updated": AccountUpdated,
    "account.closed": AccountClosed,
    "debtor.updated": DebtorUpdated,
    "hold.placed": HoldPlaced,
    "hold.released": HoldReleased,
    "conversation.logged": ConversationLogged,
}
PROVIDER_EVENT_TYPES: dict[str, type[Contract]] = {
    "provider.status": ProviderStatus,
    "provider.inbound": ProviderInbound,
}
INBOUND_EVENT_TYPES: dict[str, type[Contract]] = {**ACCOUNT_EVENT_TYPES, **PROVIDER_EVENT_TYPES}


class InboundEvent(Contract):
    """A decoded inbound event: the CloudEvent attributes the core uses, and the typed data."""

    id: str
    type: str
    source: str
    subject: str | None = Field(None, description="The debtor id (account events).")
    time: datetime
    data: EventData

    @property
    def identity(self) -> str:
        """What identifies the event: its ``source`` and ``id`` together (CloudEvents 1.0; two producers
        may reuse an id). De-duplication, the replay blob and every id derived from the event (its sends,
        its outputs) use this; outputs cite the bare ``id`` as their cause."""
        return event_identity(self.source, self.id)
