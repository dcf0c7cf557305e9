"""Twilio SMS through the Messages API, with a status callback carrying Parley's send id."""

from __future__ import annotations

import logging
from typing import Any

from channels.errors import provider_errors
from channels.logsafe import mask_phone
from channels.twilio_client import RECONCILE_LOOKBACK, TwilioChannelBase
from channels.webhooks.paths import TWILIO_SMS_STATUS, callback_url
from orchestrator.outbound import (
    FIND_SENT,
    PROVIDER_KEYWORD_REPLIES,
    ChannelLimits,
    OutboundMessage,
    Permanent,
    SendResult,
)

log = logging.getLogger("parley.channels.twilio_sms")

SMS_MAX_BODY = 1600  # Twilio concatenates up to 10 segments; longer bodies are rejected (21617)


class TwilioSmsChannel(TwilioChannelBase):
    """``Channel`` for SMS via Twilio's Messages API."""

    channel = "sms"
    limits = ChannelLimits(
        rate_per_s=1.0,
        max_body=SMS_MAX_BODY,
        features=frozenset({"status_callback", FIND_SENT, PROVIDER_KEYWORD_REPLIES}),
    )

    max_body = SMS_MAX_BODY

    async def _list(self, to: str) -> list[Any]:
        return list(await self._client.messages.list_async(to=to, limit=RECONCILE_LOOKBACK))

    async def send(self, message: OutboundMessage) -> SendResult:
        if len(message.body) > SMS_MAX_BODY:
            raise Permanent("twilio", f"body of {len(message.body)} characters exceeds {SMS_MAX_BODY}", "21617")
        status_callback = callback_url(
            message.callback_base or self._callback_base,
            TWILIO_SMS_STATUS,
            send_id=message.send_id,
            debtor=message.debtor_id,
        )
        with provider_errors("twilio"):
            created = await self._client.messages.create_async(
                to=message.to, from_=self._from, body=message.body, status_callback=status_callback
            )
        log.info("sms %s accepted for %s as %s", message.send_id, mask_phone(message.to), created.sid)
        return SendResult(provider_message_id=str(created.sid), status=str(created.status or "queued"))
