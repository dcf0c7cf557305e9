"""What the core hands a channel, what it gets back, and why a send failed.

Pure value types: the dispatch service builds an :class:`OutboundMessage`, a ``Channel`` adapter
(``channels/``) returns a :class:`SendResult` or raises one :class:`ProviderError` subclass. Vendor
exceptions never cross the port: adapters translate them at the boundary, so the core decides on
retry / give up / mark the destination bad from a typed reason and the provider's own code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

ChannelName = Literal["sms", "voice", "email"]
SendStatus = Literal["queued", "accepted", "sent", "delivered", "failed"]


@dataclass(frozen=True)
class OutboundMessage:
    """One rendered send, ready for a provider. ``send_id`` is deterministic (cause + step) and travels
    with the send (callback URL, SendGrid ``custom_args``) so provider events can be tied back to it."""

    send_id: str
    channel: ChannelName
    to: str
    body: str
    debtor_id: str
    account_ids: tuple[str, ...] = ()
    template_id: str = ""
    template_version: str = ""
    locale: str = "en"
    subject: str = ""
    html: str = ""
    voicemail: str = ""
    callback_base: str | None = None
    payment_link: str | None = None


@dataclass(frozen=True)
class SendResult:
    """The provider accepted the send (or, for the sandbox, pretended to)."""

    provider_message_id: str
    status: str
    error_code: str | None = None
    retryable: bool = False


FIND_SENT = "find_sent"  # a ChannelLimits feature
# A ChannelLimits feature: the provider answers its own keywords (STOP, START, HELP) itself (Twilio).
PROVIDER_KEYWORD_REPLIES = "keyword_replies"


@dataclass(frozen=True)
class ChannelLimits:
    """What an adapter declares so the core can throttle, truncate and plan generically.

    ``features`` names what the provider offers, e.g. ``FIND_SENT``: its records list what it accepted,
    so ``Channel.find_sent`` can settle a send interrupted in flight (see service/lane.py)."""

    rate_per_s: float
    max_body: int
    features: frozenset[str] = field(default_factory=frozenset)


class Disposition(StrEnum):
    """What a failure says about the destination, beyond retry-or-not."""

    OPTED_OUT = "opted_out"
    BAD_DESTINATION = "bad_destination"
    REJECTED = "rejected"
    MISCONFIGURED = "misconfigured"
    TRANSIENT = "transient"
    THROTTLED = "throttled"


class ProviderError(Exception):
    """Raised by ``Channel.send`` when the provider did not accept the send; carries the provider's code."""

    disposition: Disposition = Disposition.REJECTED

    def __init__(
        self,
        provider: str,
        reason: str,
        code: str | None = None,
        *,
        http_status: int | None = None,
        disposition: Disposition | None = None,
    ) -> None:
        super().__init__(f"{provider}: {reason}" + (f" (code {code})" if code else ""))
        self.provider = provider
        self.reason = reason
        self.code = code
        self.http_status = http_status
        if disposition is not None:
            self.disposition = disposition

    @property
    def retryable(self) -> bool:
        return False

    @property
    def outcome_unknown(self) -> bool:
        """True when the provider may have accepted the send anyway (never blindly retry those)."""
        return False


class Retryable(ProviderError):
    """Raised when the failure is transient (5xx, connection refused): the same send may be tried again."""

    disposition = Disposition.TRANSIENT

    @property
    def retryable(self) -> bool:
        return True


class ProviderTimeout(Retryable):
    """Raised when the request went out but no usable answer came back — a timeout, a connection lost
    after the request was sent, a gateway's 502/504: the send may or may not exist (never sent again)."""

    @property
    def outcome_unknown(self) -> bool:
        return True


class Permanent(ProviderError):
    """Raised when retrying cannot help: opted out, bad destination, rejected content or credentials."""


class Throttled(ProviderError):
    """Raised on the provider's 429: retry the same send after ``retry_after`` seconds."""

    disposition = Disposition.THROTTLED

    @property
    def retryable(self) -> bool:
        return True

    def __init__(self, provider: str, reason: str, code: str | None = None, *, retry_after: float = 1.0) -> None:
        super().__init__(provider, reason, code, http_status=429)
        self.retry_after = retry_after


# Twilio's synchronous REST error codes that say something about the destination (PROVIDERS.md §4).
TWILIO_CODE_DISPOSITIONS: dict[str, Disposition] = {
    "21610": Disposition.OPTED_OUT,
    "21211": Disposition.BAD_DESTINATION,
    "21614": Disposition.BAD_DESTINATION,
    "21635": Disposition.BAD_DESTINATION,
    "21217": Disposition.BAD_DESTINATION,
    "21401": Disposition.BAD_DESTINATION,
    "21612": Disposition.BAD_DESTINATION,
    "21408": Disposition.MISCONFIGURED,
    "20003": Disposition.MISCONFIGURED,
    "21606": Disposition.MISCONFIGURED,
    "21212": Disposition.MISCONFIGURED,
}

# Twilio's asynchronous delivery error codes (status callbacks): what they imply for the number.
TWILIO_DELIVERY_CODE_DISPOSITIONS: dict[str, Disposition] = {
    "30003": Disposition.TRANSIENT,
    "30004": Disposition.OPTED_OUT,
    "30005": Disposition.BAD_DESTINATION,
    "30006": Disposition.BAD_DESTINATION,
    "30007": Disposition.REJECTED,
    "30008": Disposition.TRANSIENT,
}


def disposition_for_code(provider: str, code: str | None) -> Disposition | None:
    """The meaning of a provider error code for the destination, if Parley knows it."""
    if code is None or provider != "twilio":
        return None
    return TWILIO_CODE_DISPOSITIONS.get(code) or TWILIO_DELIVERY_CODE_DISPOSITIONS.get(code)


# A gateway's answer that it does not know what the upstream did with the request (502 Bad Gateway,
# 504 Gateway Timeout): the provider may have accepted the send.
OUTCOME_UNKNOWN_STATUSES = frozenset({502, 504})


def error_for_response(
    provider: str,
    http_status: int,
    reason: str,
    code: str | None = None,
    retry_after: float | None = None,
) -> ProviderError:
    """The one rule mapping a failed provider response to the error tree:
    429 → Throttled; 502, 504 → ProviderTimeout (outcome unknown: a gateway cannot say whether the
    provider took it); other 5xx and 408 → Retryable; other 4xx → Permanent (with the code's disposition)."""
    if http_status == 429:
        return Throttled(provider, reason, code, retry_after=retry_after if retry_after is not None else 1.0)
    if http_status in OUTCOME_UNKNOWN_STATUSES:
        return ProviderTimeout(provider, reason, code, http_status=http_status)
    if http_status >= 500 or http_status in (408,):
        return Retryable(provider, reason, code, http_status=http_status)
    disposition = disposition_for_code(provider, code)
    if disposition is None and http_status in (401, 403):
        disposition = Disposition.MISCONFIGURED
    return Permanent(provider, reason, code, http_status=http_status, disposition=disposition)


def parse_retry_after(value: str | None, default: float = 1.0) -> float:
    """Seconds from a ``Retry-After`` header (delta-seconds form; dates fall back to the default)."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        return default


# The voice keypad menu: digit → what the debtor asked for (published as provider.inbound text).
KeypadAction = Literal["payment_link", "callback", "stop_calls"]
KEYPAD_ACTIONS: dict[str, KeypadAction] = {"1": "payment_link", "2": "callback", "9": "stop_calls"}
KEYPAD_TEXT_PREFIX = "keypad:"


def keypad_action(text: str) -> KeypadAction | None:
    """The keypad action a voice ``provider.inbound`` text stands for (``keypad:1`` → payment_link)."""
    if not text.startswith(KEYPAD_TEXT_PREFIX):
        return None
    return KEYPAD_ACTIONS.get(text.removeprefix(KEYPAD_TEXT_PREFIX))
