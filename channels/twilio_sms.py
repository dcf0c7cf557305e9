"""Twilio SMS through the Messages API, with a status callback carrying Parley's send id."""

from __future__ import annotations

import logging
from typing import Any

from channels.errors import provider_errors
from channels.logsafe import mask_phone
from channels.twilio_client import build_twilio_client
from channels.webhooks.paths import TWILIO_SMS_STATUS, callback_url
from orchestrator.outbound import ChannelLimits, OutboundMessage, Permanent, SendResult

log = logging.getLogger("parley.channels.twilio_sms")

SMS_MAX_BODY = 1600  # Twilio concatenates up to 10 segments; longer bodies are rejected (21617)


class TwilioSmsChannel:
    """``Channel`` for SMS via Twilio's Messages API."""

    channel = "sms"
    limits = ChannelLimits(rate_per_s=1.0, max_body=SMS_MAX_BODY, features=frozenset({"status_callback"}))

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        callback_base: str,
        api_base_url: str = "",
        timeout_s: float = 10.0,
        rate_per_s: float = 1.0,
    ) -> None:
        self._client = build_twilio_client(account_sid, auth_token, api_base_url, timeout_s)
        self._from = from_number
        self._callback_base = callback_base
        self.limits = ChannelLimits(rate_per_s, SMS_MAX_BODY, self.limits.features)

    @classmethod
    def from_settings(cls, settings: Any, url: str = "twilio://", **_: Any) -> TwilioSmsChannel:
        return cls(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token.get_secret_value(),
            from_number=settings.twilio_from_number,
            callback_base=settings.webhook_public_base_url,
            api_base_url=settings.twilio_api_base_url,
            timeout_s=settings.twilio_timeout_s,
        )

    async def send(self, message: OutboundMessage) -> SendResult:
        if len(message.body) > SMS_MAX_BODY:
            raise Permanent("twilio", f"body of {len(message.body)} characters exceeds {SMS_MAX_BODY}", "21617")
        status_callback = callback_url(
            message.callback_base or self._callback_base, TWILIO_SMS_STATUS, send_id=message.send_id
        )
        with provider_errors("twilio"):
            created = await self._client.messages.create_async(
                to=message.to, from_=self._from, body=message.body, status_callback=status_callback
            )
        log.info("sms %s accepted for %s as %s", message.send_id, mask_phone(message.to), created.sid)
        return SendResult(provider_message_id=str(created.sid), status=str(created.status or "queued"))

    async def close(self) -> None:
        await self._client.http_client.close()
