"""The output contract (BRIEF.md "Outputs"): the ``data`` of every CloudEvent Parley publishes.

Downstream teams read these on ``delivery-events``, ``reply-events``, ``payment-intents``,
``decisions`` and ``dead-letters``. The models are the single source of the JSON Schemas under
``schemas/`` and of ``docs/events.md``. Each output is wrapped in an :class:`OutputEvent` whose ``id``
is deterministic (see :mod:`orchestrator.ids`), so consumers can de-duplicate.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

from orchestrator.events import Channel, Currency, Money
from orchestrator.ids import output_event_id
from orchestrator.limits import REPLY_TEXT_LENGTH

PlannedChannel = Literal["sms", "voice", "email", "best"]
Confidence = Annotated[float, Field(ge=0.0, le=1.0)]
AccountIds = tuple[str, ...]

DEFAULT_SOURCE = "urn:parley"


class Output(BaseModel):
    """Base of every output model: immutable; unknown fields are a bug on our side, so rejected."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    event_type: ClassVar[str]


class RuleReason(Output):
    """One rule that blocked or moved a send, and why, in words a compliance officer can read."""

    rule_id: str
    reason: str


class Verdict(Output):
    """One rule's verdict in a decision; ``next_allowed_at`` says when it would allow the send."""

    rule_id: str
    allowed: bool
    reason: str = ""
    next_allowed_at: AwareDatetime | None = None


class Header(Output):
    """A Kafka header of a dead-lettered record; the value is base64 (headers are bytes)."""

    key: str
    value: str | None = Field(description="Base64 of the header's bytes; null for a null header.")


# --- delivery-events ------------------------------------------------------------------------


class MessageScheduled(Output):
    event_type: ClassVar[str] = "message.scheduled"
    send_id: str
    debtor_id: str
    account_ids: AccountIds
    channel: PlannedChannel = Field(description="`best`: chosen at dispatch time by the channel policy.")
    template_id: str
    purpose: str
    due_at: AwareDatetime
    cause_event_id: str
    step_id: str


class MessageCancelled(Output):
    event_type: ClassVar[str] = "message.cancelled"
    send_id: str
    debtor_id: str
    account_ids: AccountIds
    reason: str = Field(description="Why, e.g. `payment.received`, `account.closed`, `hold.placed: dispute`.")
    cause_event_id: str


class MessageSuppressed(Output):
    event_type: ClassVar[str] = "message.suppressed"
    send_id: str
    debtor_id: str
    account_ids: AccountIds
    channel: PlannedChannel
    rules: tuple[RuleReason, ...] = Field(description="Every rule that blocked the send.")


class MessageRescheduled(Output):
    event_type: ClassVar[str] = "message.rescheduled"
    send_id: str
    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime
    rules: tuple[RuleReason, ...] = Field(description="The rules that moved the send.")


class MessageDispatched(Output):
    event_type: ClassVar[str] = "message.dispatched"
    send_id: str
    debtor_id: str
    account_ids: AccountIds
    channel: Channel
    to: str = Field(description="The destination: E.164 number or email address.")
    template_id: str
    template_version: str
    provider_message_id: str
    locale: str


class ProviderOutcome(Output):
    """What a provider later reported about a dispatched send."""

    send_id: str
    debtor_id: str
    account_ids: AccountIds
    channel: Channel
    provider_message_id: str


class MessageDelivered(ProviderOutcome):
    event_type: ClassVar[str] = "message.delivered"


class MessageFailed(ProviderOutcome):
    event_type: ClassVar[str] = "message.failed"
    error_code: str | None = Field(
        None, description="Provider code: Twilio's error code; SendGrid's bounce status (5.1.1) or drop reason."
    )
    reason: str
    retryable: bool = Field(
        description="Whether sending to this destination again may work: false when the provider reported it "
        "bad (unknown number, hard bounce, dropped as bounced or invalid) or opted out (dropped as unsubscribed)."
    )


class MessageOpened(ProviderOutcome):
    event_type: ClassVar[str] = "message.opened"


class MessageClicked(ProviderOutcome):
    event_type: ClassVar[str] = "message.clicked"
    url: str = Field(description="The link clicked, as the provider reported it; empty when it reported none.")


class CallCompleted(ProviderOutcome):
    event_type: ClassVar[str] = "call.completed"
    status: str | None = Field(
        None,
        description="The call's final status: completed, busy, no-answer, failed or canceled "
        "(null only in events written before the field existed).",
    )
    error_code: str | None = Field(None, description="SIP response code of a call that did not connect, e.g. 486.")
    answered_by: str | None = Field(
        None,
        description="human, machine_end_beep, … (answering-machine detection, which reports apart from the call's "
        "end); null when no result had arrived by then.",
    )
    duration_s: int | None = Field(None, ge=0)


class MessageOutcomeUnknown(Output):
    """The provider may have accepted the send but the record was not written: reconciled, never retried."""

    event_type: ClassVar[str] = "message.outcome_unknown"
    send_id: str
    reason: str


# --- reply-events ---------------------------------------------------------------------------


class ReplyReceived(Output):
    event_type: ClassVar[str] = "reply.received"
    reply_id: str
    debtor_id: str | None = Field(description="Null when the sender matches no debtor.")
    channel: Channel
    from_: str = Field(alias="from", description="The sender's full number or address.")
    text: str = Field(
        description=f"The reply: its first {REPLY_TEXT_LENGTH:,} characters when it was longer (an e-mail quoting "
        "the message it answers)."
    )
    text_truncated: bool = Field(False, description="True when the reply was longer than `text`, which is its start.")
    intent: str
    confidence: Confidence
    amount: Money | None = Field(None, description="An amount the reply mentions (decimal string).")
    currency: Currency | None = Field(
        None,
        description="ISO 4217 currency of `amount`: the one the reply names (€, £, $ or a word: EUR, GBP, USD), "
        "else that of the account a promise is tied to, else the one the debtor's open accounts share; null without "
        "an amount or when none of these says.",
    )
    date: dt.date | None = Field(None, description="A date the reply mentions (ISO 8601).")
    cues: tuple[str, ...] = Field((), description="The words or patterns that led to the intent.")
    needs_review: bool
    account_ids: AccountIds = ()


class CallbackRequested(Output):
    event_type: ClassVar[str] = "callback.requested"
    debtor_id: str
    requested_at: AwareDatetime = Field(description="When the debtor asked.")
    when: AwareDatetime | None = Field(
        None,
        description="The moment the debtor asked to be called, when they named a time of day (read in "
        "`time_zone`, published in UTC); null when they named only a day (see `date`) or nothing.",
    )
    source: str = Field(description="What carried the request, e.g. the reply id.")
    date: dt.date | None = Field(
        None, description="The debtor's local day for the call (in `time_zone`), whenever they named a day or a time."
    )
    time_zone: str | None = Field(
        None,
        description="The debtor's primary IANA zone, in which `date` and `when` were read (e.g. America/New_York).",
    )
    account_ids: AccountIds = Field((), description="The debtor's open accounts when they asked.")


# --- payment-intents ------------------------------------------------------------------------


class PaymentIntentDetected(Output):
    event_type: ClassVar[str] = "payment_intent.detected"
    debtor_id: str
    account_id: str | None = Field(description="Null when the debtor has several accounts and named none.")
    amount: Money | None
    currency: Currency | None = Field(
        None,
        description="ISO 4217 currency of the intent and its `amount`: the account's; with no account, the one the "
        "debtor's open accounts share (null when they are in several and the reply names none). A currency the reply "
        "names wins: when it is not the account's ('$50' about a EUR account), or with no account none of theirs, "
        "the intent needs review. Parley never converts or relabels an amount.",
    )
    date: dt.date | None
    confidence: Confidence
    source_reply_id: str
    needs_review: bool = Field(
        False,
        description="True when the reply could not be tied to one account (several open, none named) or names a "
        "currency other than the account's: no promise was recorded, a person should follow up.",
    )


# --- decisions ------------------------------------------------------------------------------


class DecisionRecorded(Output):
    """The audit record of one decision: every rule evaluated, in order, with its verdict."""

    event_type: ClassVar[str] = "decision.recorded"
    send_id: str
    debtor_id: str
    channel: Channel
    at: AwareDatetime
    allowed: bool
    verdicts: tuple[Verdict, ...]
    next_allowed_at: AwareDatetime | None = None


# --- dead-letters ---------------------------------------------------------------------------


class DeadLetter(Output):
    """A rejected input record, verbatim, with the reason it was rejected."""

    event_type: ClassVar[str] = "dead_letter"
    reason: str = Field(
        description=(
            "Why the record was refused, for a person; at most 1,000 characters (a longer one is cut and says "
            "how long it was)."
        )
    )
    error_type: str
    topic: str
    partition: int | None = None
    offset: int | None = None
    original: str = Field(
        description="Base64 of the record's value, byte for byte; only its first 524,288 bytes when truncated."
    )
    truncated: bool = Field(False, description="True when the value was longer than 524,288 bytes and cut.")
    original_length: int = Field(0, ge=0, description="Length in bytes of the whole value.")
    original_sha256: str = Field("", description="Hex SHA-256 of the whole value.")
    original_key: str | None = Field(
        None, description="Base64 of the record's key; only its first 1,024 bytes when key_truncated."
    )
    key_truncated: bool = Field(False, description="True when the key was longer than 1,024 bytes and cut.")
    original_headers: tuple[Header, ...] = Field(
        (), description="The record's headers, in order; when headers_truncated, only those that fit."
    )
    headers_truncated: bool = Field(
        False,
        description=(
            "True when the headers were more than 16,384 bytes together (names, values and 32 for each header): "
            "those that did not fit are left out."
        ),
    )


OutputData = (
    MessageScheduled
    | MessageCancelled
    | MessageSuppressed
    | MessageRescheduled
    | MessageDispatched
    | MessageDelivered
    | MessageFailed
    | MessageOpened
    | MessageClicked
    | CallCompleted
    | MessageOutcomeUnknown
    | ReplyReceived
    | CallbackRequested
    | PaymentIntentDetected
    | DecisionRecorded
    | DeadLetter
)

# --- topics ---------------------------------------------------------------------------------

ACCOUNT_EVENTS = "account-events"
PROVIDER_EVENTS = "provider-events"
DELIVERY_EVENTS = "delivery-events"
REPLY_EVENTS = "reply-events"
PAYMENT_INTENTS = "payment-intents"
DECISIONS = "decisions"
DEAD_LETTERS = "dead-letters"

INPUT_TOPICS: tuple[str, ...] = (ACCOUNT_EVENTS, PROVIDER_EVENTS)
OUTPUT_TOPIC_NAMES: tuple[str, ...] = (DELIVERY_EVENTS, REPLY_EVENTS, PAYMENT_INTENTS, DECISIONS, DEAD_LETTERS)
ALL_TOPICS: tuple[str, ...] = INPUT_TOPICS + OUTPUT_TOPIC_NAMES

_BY_TOPIC: dict[str, tuple[type[Output], ...]] = {
    DELIVERY_EVENTS: (
        MessageScheduled,
        MessageCancelled,
        MessageSuppressed,
        MessageRescheduled,
        MessageDispatched,
        MessageDelivered,
        MessageFailed,
        MessageOpened,
        MessageClicked,
        CallCompleted,
        MessageOutcomeUnknown,
    ),
    REPLY_EVENTS: (ReplyReceived, CallbackRequested),
    PAYMENT_INTENTS: (PaymentIntentDetected,),
    DECISIONS: (DecisionRecorded,),
    DEAD_LETTERS: (DeadLetter,),
}

OUTPUT_EVENT_TYPES: dict[str, type[Output]] = {
    model.event_type: model for models in _BY_TOPIC.values() for model in models
}
"""Output CloudEvent ``type`` → the model of its ``data``."""

_OUTPUT_MODELS = frozenset(OUTPUT_EVENT_TYPES.values())

OUTPUT_TOPICS: dict[str, str] = {model.event_type: topic for topic, models in _BY_TOPIC.items() for model in models}
"""Output CloudEvent ``type`` → the (unprefixed) topic it is published on."""


def topic_name(base: str, prefix: str = "") -> str:
    """The real topic name of ``base`` under the deployment's ``topic_prefix`` (e.g. ``staging.``)."""
    if base not in ALL_TOPICS:
        raise ValueError(f"unknown topic {base!r}; known: {', '.join(ALL_TOPICS)}")
    return f"{prefix}{base}"


class OutputEvent(BaseModel):
    """One published CloudEvent (structured JSON): ``subject`` is the debtor id and the Kafka key.

    ``time`` is when the thing happened — for ``message.dispatched`` the dispatch moment, for
    ``message.scheduled`` the moment it was planned (``data.due_at`` says when it will go).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(min_length=1)
    source: str = Field(DEFAULT_SOURCE, min_length=1)
    type: str
    subject: str | None = Field(description="The debtor id; null only for a dead letter without a key.")
    time: AwareDatetime
    datacontenttype: Literal["application/json"] = "application/json"
    # Written by the data's own model: pydantic would otherwise try the union's models in turn for each
    # event it writes, which costs as much again as writing the data (same bytes either way).
    data: SerializeAsAny[OutputData]

    @model_validator(mode="before")
    @classmethod
    def _data_by_type(cls, values: Any) -> Any:
        """Validate ``data`` with the model its ``type`` names (several data models share a shape)."""
        if isinstance(values, dict) and isinstance(values.get("data"), dict):
            model = OUTPUT_EVENT_TYPES.get(values.get("type", ""))
            if model is not None:
                values = {**values, "data": model.model_validate(values["data"])}
        return values

    @field_validator("data", mode="wrap")
    @classmethod
    def _data_as_built(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """An output model's instance is ``data`` as it is (validated when it was built, and immutable):
        the union would try each model before it in turn, which costs more than the rest of the event."""
        if type(value) in _OUTPUT_MODELS:
            return value
        return handler(value)

    @model_validator(mode="after")
    def _type_matches_data(self) -> OutputEvent:
        expected = OUTPUT_EVENT_TYPES.get(self.type)
        if expected is None:
            raise ValueError(f"unknown output type {self.type!r}")
        if type(self.data) is not expected:
            raise ValueError(f"type {self.type!r} needs data {expected.__name__}, got {type(self.data).__name__}")
        return self

    @property
    def topic(self) -> str:
        """The unprefixed topic this event is published on."""
        return OUTPUT_TOPICS[self.type]


def new_output(
    data: Output,
    *,
    subject: str | None,
    time: dt.datetime,
    id_parts: Sequence[str],
    source: str = DEFAULT_SOURCE,
) -> OutputEvent:
    """Wrap ``data`` in its CloudEvent; the id is ``output_event_id(type, *id_parts)``."""
    event_type = data.event_type
    return OutputEvent(
        id=output_event_id(event_type, *id_parts),
        source=source,
        type=event_type,
        subject=subject,
        time=time,
        data=data,
    )
