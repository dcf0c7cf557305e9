"""Twilio voice through the Calls API: inline TwiML, async answering-machine detection, callbacks."""

from __future__ import annotations

import logging
from typing import Any

from channels.errors import provider_errors
from channels.logsafe import mask_phone
from channels.twilio_client import RECONCILE_LOOKBACK, TwilioChannelBase
from channels.voice_twiml import live_call_twiml, voicemail_twiml
from channels.webhooks.paths import TWILIO_AMD, TWILIO_KEYPAD, TWILIO_VOICE_STATUS, callback_url
from orchestrator.outbound import FIND_SENT, ChannelLimits, OutboundMessage, Permanent, SendResult

log = logging.getLogger("parley.channels.twilio_voice")

TWIML_MAX_CHARS = 4000  # Calls API limit of the Twiml parameter
STATUS_EVENTS = ["answered", "completed"]


class TwilioVoiceChannel(TwilioChannelBase):
    """``Channel`` for calls via Twilio; also replaces a running call's TwiML with the voicemail."""

    channel = "voice"
    limits = ChannelLimits(
        rate_per_s=1.0, max_body=TWIML_MAX_CHARS, features=frozenset({"amd", "keypad", "status_callback", FIND_SENT})
    )

    max_body = TWIML_MAX_CHARS

    def call_parameters(self, message: OutboundMessage) -> dict[str, Any]:
        """The Calls API create arguments for ``message`` (pure: no request is made)."""
        base = message.callback_base or self._callback_base
        keypad = callback_url(
            base, TWILIO_KEYPAD, send_id=message.send_id, debtor=message.debtor_id, locale=message.locale
        )
        twiml = live_call_twiml(message.body, keypad, message.locale, offer_payment_link=bool(message.payment_link))
        if len(twiml) > TWIML_MAX_CHARS:
            raise Permanent("twilio", f"TwiML of {len(twiml)} characters exceeds {TWIML_MAX_CHARS}")
        amd = callback_url(
            base,
            TWILIO_AMD,
            send_id=message.send_id,
            debtor=message.debtor_id,
            locale=message.locale,
            voicemail=message.voicemail,
        )
        return {
            "to": message.to,
            "from_": self._from,
            "twiml": twiml,
            "status_callback": callback_url(
                base, TWILIO_VOICE_STATUS, send_id=message.send_id, debtor=message.debtor_id
            ),
            "status_callback_method": "POST",
            "status_callback_event": STATUS_EVENTS,
            "machine_detection": "DetectMessageEnd",
            "async_amd": "true",
            "async_amd_status_callback": amd,
            "async_amd_status_callback_method": "POST",
        }

    async def _list(self, to: str) -> list[Any]:
        return list(await self._client.calls.list_async(to=to, limit=RECONCILE_LOOKBACK))

    async def send(self, message: OutboundMessage) -> SendResult:
        parameters = self.call_parameters(message)
        with provider_errors("twilio"):
            call = await self._client.calls.create_async(**parameters)
        log.info("call %s placed to %s as %s", message.send_id, mask_phone(message.to), call.sid)
        return SendResult(provider_message_id=str(call.sid), status=str(call.status or "queued"))

    async def play_voicemail(self, call_sid: str, text: str, locale: str = "en") -> None:
        """Replace the live script of a call a machine answered with the limited-content voicemail."""
        with provider_errors("twilio"):
            await self._client.calls(call_sid).update_async(twiml=voicemail_twiml(text, locale))
        log.info("voicemail left on call %s", call_sid)
