"""Provider webhook payloads → Parley provider events (``provider.status`` / ``provider.inbound``).

Pure functions. Event ids are derived from the provider's ids and the status, so a webhook the
provider delivers twice becomes the same event twice, and consumers de-duplicate it.

What a provider posts is made to fit the contract's bounds (orchestrator/limits.py) here, never refused:
a refused webhook is retried by the provider for days and then lost. A reply's text is cut to its start
by the contract itself (``ProviderInbound``, with ``text_truncated``), so a long e-mail reply still
arrives, its STOP included; a value too long to be what the provider means is cut (codes, statuses,
links), hashed (an e-mail's Message-ID) or, for an address no mail system could deliver to, left empty
(the reply is then published as nobody's, for review).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from orchestrator.events import InboundEvent, ProviderInbound, ProviderStatus
from orchestrator.limits import DESTINATION_LENGTH, PROVIDER_VALUE_LENGTH, URL_LENGTH
from orchestrator.outbound import KEYPAD_TEXT_PREFIX

TWILIO_SOURCE = "parley/webhooks/twilio"
SENDGRID_SOURCE = "parley/webhooks/sendgrid"


def event_id(*parts: str | None) -> str:
    """A deterministic event id from the provider's identifiers."""
    return hashlib.sha256("\x1f".join(part or "" for part in parts).encode()).hexdigest()[:32]


def _event(
    kind: str, source: str, data: ProviderStatus | ProviderInbound, now: datetime, *id_parts: str | None
) -> InboundEvent:
    return InboundEvent(
        id=event_id(source, kind, *id_parts), type=kind, source=source, subject=None, time=now, data=data
    )


def _duration(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _value(text: str | None, limit: int = PROVIDER_VALUE_LENGTH) -> str:
    """A provider's id, status, code or link, cut to the contract's bound: far beyond any real one."""
    return (text or "")[:limit]


def _optional(text: str | None) -> str | None:
    return _value(text) or None


def _address(text: str) -> str:
    """A number or address; empty when longer than any deliverable one (it then matches no debtor)."""
    return text if len(text) <= DESTINATION_LENGTH else ""


def twilio_message_status(form: Mapping[str, str], now: datetime) -> InboundEvent:
    sid = _value(form.get("MessageSid") or form.get("SmsSid"))
    status = _value(form.get("MessageStatus") or form.get("SmsStatus"))
    data = ProviderStatus(
        channel="sms", provider_message_id=sid, status=status, error_code=_optional(form.get("ErrorCode"))
    )
    return _event("provider.status", TWILIO_SOURCE, data, now, sid, status, data.error_code)


def twilio_inbound_sms(form: Mapping[str, str], now: datetime) -> InboundEvent:
    sid = _value(form.get("MessageSid") or form.get("SmsMessageSid"))
    data = ProviderInbound.model_validate(
        {
            "channel": "sms",
            "from": _address(form.get("From", "")),
            "to": _address(form.get("To", "")),
            "text": form.get("Body", ""),
            "provider_message_id": sid,
        }
    )
    return _event("provider.inbound", TWILIO_SOURCE, data, now, sid, "received")


# Final call statuses whose SipResponseCode says why the call did not connect (486 busy, 487 no answer…).
_UNCONNECTED_CALL_STATUSES = frozenset({"failed", "busy", "no-answer", "canceled"})


def twilio_call_status(form: Mapping[str, str], now: datetime) -> InboundEvent:
    sid = _value(form.get("CallSid"))
    status = _value(form.get("CallStatus"))
    data = ProviderStatus(
        channel="voice",
        provider_message_id=sid,
        status=status,
        error_code=_optional(form.get("SipResponseCode")) if status in _UNCONNECTED_CALL_STATUSES else None,
        answered_by=_optional(form.get("AnsweredBy")),
        duration_s=_duration(form.get("CallDuration")),
    )
    return _event("provider.status", TWILIO_SOURCE, data, now, sid, status)


def twilio_amd_result(form: Mapping[str, str], now: datetime) -> InboundEvent:
    """The async AMD callback: published as status ``answered`` with ``answered_by``."""
    sid = _value(form.get("CallSid"))
    answered_by = _value(form.get("AnsweredBy", "unknown"))
    data = ProviderStatus(channel="voice", provider_message_id=sid, status="answered", answered_by=answered_by)
    return _event("provider.status", TWILIO_SOURCE, data, now, sid, "answered", answered_by)


def twilio_keypad(form: Mapping[str, str], digit: str, now: datetime) -> InboundEvent:
    """A keypad press on an outbound call: the debtor is ``To``; text ``keypad:<digit>``."""
    sid = _value(form.get("CallSid"))
    data = ProviderInbound.model_validate(
        {
            "channel": "voice",
            "from": _address(form.get("To", "")),
            "to": _address(form.get("From", "")),
            "text": f"{KEYPAD_TEXT_PREFIX}{digit}",
            "provider_message_id": sid,
        }
    )
    return _event("provider.inbound", TWILIO_SOURCE, data, now, sid, "keypad", digit)


def sendgrid_message_id(sg_message_id: str) -> str:
    """``X-Message-Id`` of the send: the part of ``sg_message_id`` before the first dot."""
    return sg_message_id.split(".", 1)[0]


def _sendgrid_error_code(event: Mapping[str, Any]) -> str | None:
    kind = event.get("event")
    if kind == "bounce":
        return _value(str(event.get("status") or event.get("type") or "bounce"))
    if kind == "dropped":
        return _value(str(event.get("reason") or "dropped"))
    return None


def sendgrid_event(event: Mapping[str, Any], now: datetime) -> InboundEvent:
    """One Event Webhook event (delivered, bounce, dropped, deferred, open, click, …)."""
    message_id = _value(sendgrid_message_id(str(event.get("sg_message_id", ""))))
    kind = _value(str(event.get("event", "")))
    status = "blocked" if kind == "bounce" and event.get("type") == "blocked" else kind
    url = event.get("url") if kind == "click" else None
    data = ProviderStatus(
        channel="email",
        provider_message_id=message_id,
        status=status,
        error_code=_sendgrid_error_code(event),
        url=_value(url, URL_LENGTH) if isinstance(url, str) and url else None,
    )
    return _event("provider.status", SENDGRID_SOURCE, data, now, message_id, status, str(event.get("sg_event_id", "")))


def _text_of_raw_mime(raw: str) -> tuple[str, str]:
    """(plain text, Message-ID) of a full MIME message ("send raw" mode)."""
    message = email.message_from_string(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("plain", "html"))
    text = body.get_content() if body is not None else ""
    return str(text), str(message.get("Message-ID", ""))


def _header_value(headers_block: str, name: str) -> str:
    for line in headers_block.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == name.lower():
            return value.strip()
    return ""


def _envelope(raw: str) -> dict[str, Any]:
    """The SMTP envelope JSON; an unreadable one is treated as absent (the headers still name both ends)."""
    try:
        envelope = json.loads(raw or "{}")
    except ValueError:
        return {}
    return envelope if isinstance(envelope, dict) else {}


def sendgrid_inbound_parse(fields: Mapping[str, str], now: datetime) -> InboundEvent:
    """An Inbound Parse post (default or raw mode) as an email reply; its text is cut to its start by
    ``ProviderInbound`` when longer than the contract keeps (``text_truncated``)."""
    if "email" in fields and not fields.get("text"):
        text, message_id = _text_of_raw_mime(fields["email"])
    else:
        text, message_id = fields.get("text", ""), _header_value(fields.get("headers", ""), "Message-ID")
    sender = parseaddr(fields.get("from", ""))[1]
    recipient = parseaddr(fields.get("to", ""))[1]
    envelope = _envelope(fields.get("envelope", ""))
    sender = _address(sender or str(envelope.get("from", "")))
    recipient = _address(recipient or str((envelope.get("to") or [""])[0]))
    message_id = message_id or event_id(sender, recipient, fields.get("subject", ""), text)
    if len(message_id) > PROVIDER_VALUE_LENGTH:  # still one id per message, as the provider's would be
        message_id = event_id(message_id)
    data = ProviderInbound.model_validate(
        {"channel": "email", "from": sender, "to": recipient, "text": text.strip(), "provider_message_id": message_id}
    )
    return _event("provider.inbound", SENDGRID_SOURCE, data, now, message_id, "received")
