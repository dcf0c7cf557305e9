"""The webhook routes, shared by the app that serves them and the adapters that hand them to providers."""

from __future__ import annotations

from urllib.parse import urlencode

TWILIO_SMS_STATUS = "/webhooks/twilio/sms-status"
TWILIO_SMS_INBOUND = "/webhooks/twilio/sms-inbound"
TWILIO_VOICE_STATUS = "/webhooks/twilio/voice-status"
TWILIO_AMD = "/webhooks/twilio/amd"
TWILIO_KEYPAD = "/webhooks/twilio/keypad"
SENDGRID_EVENTS = "/webhooks/sendgrid/events"
SENDGRID_INBOUND = "/webhooks/sendgrid/inbound/{secret}"


def callback_url(base: str, path: str, **query: str) -> str:
    """``base`` + ``path`` + a sorted query: the exact URL the provider will call and sign."""
    url = base.rstrip("/") + path
    params = {key: value for key, value in sorted(query.items()) if value}
    return f"{url}?{urlencode(params)}" if params else url


SEND_ID_ARG = "parley_send_id"  # custom_args become top-level event keys: keep them namespaced
DEBTOR_ID_ARG = "parley_debtor_id"
