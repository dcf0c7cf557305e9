"""What the emulated providers send back: signed Twilio callbacks and signed SendGrid events."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from yarl import URL

from channels.special_destinations import Scenario
from channels.webhooks.signatures import (
    SENDGRID_SIGNATURE_HEADER,
    SENDGRID_TIMESTAMP_HEADER,
    TWILIO_SIGNATURE_HEADER,
    twilio_signature,
)

log = logging.getLogger("parley.channels.emulators")

_GATHER_ACTION = re.compile(r'<Gather[^>]*\baction="([^"]+)"')
_FIRST_LINK = re.compile(r"https?://[^\s\"'<>\\]+")


@dataclass
class CallbackRecord:
    """One webhook call the emulator made, and how the receiver answered."""

    url: str
    kind: str
    params: dict[str, str]
    status: int
    response: str


class CallbackSender:
    """Posts provider callbacks, signed as the real provider would sign them."""

    def __init__(
        self, account_sid: str, auth_token: str, event_key: ec.EllipticCurvePrivateKey, delay_s: float
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.event_key = event_key
        self.delay_s = delay_s
        self.sent: list[CallbackRecord] = []
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def schedule(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Wait until every scheduled callback has been delivered."""
        deadline = time.monotonic() + timeout_s
        while self._tasks and time.monotonic() < deadline:
            await asyncio.wait(set(self._tasks), timeout=max(0.0, deadline - time.monotonic()))

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=1)
        if self._session is not None:
            await self._session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(trust_env=False, timeout=aiohttp.ClientTimeout(total=10))
        return self._session

    async def post_twilio(self, url: str, kind: str, params: dict[str, str]) -> str:
        signature = twilio_signature(self.auth_token, url, list(params.items()))
        try:
            exact = URL(url, encoded=True)  # as Twilio does: request the very URL it signed, no re-encoding
            async with self._http().post(exact, data=params, headers={TWILIO_SIGNATURE_HEADER: signature}) as response:
                text = await response.text()
                self.sent.append(CallbackRecord(url, kind, params, response.status, text))
                return text
        except aiohttp.ClientError as error:
            log.warning("callback %s failed: %s", kind, type(error).__name__)
            self.sent.append(CallbackRecord(url, kind, params, 0, type(error).__name__))
            return ""

    async def message_callbacks(self, url: str, sid: str, form: dict[str, str], scenario: Scenario) -> None:
        await asyncio.sleep(self.delay_s)
        base = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": form.get("From", ""),
            "To": form.get("To", ""),
        }
        base |= {"MessageSid": sid, "SmsSid": sid}
        await self.post_twilio(url, "sms-status", base | {"MessageStatus": "sent", "SmsStatus": "sent"})
        final = {"MessageStatus": scenario.outcome, "SmsStatus": scenario.outcome}
        if scenario.outcome_code:
            final["ErrorCode"] = scenario.outcome_code
        await self.post_twilio(url, "sms-status", base | final)

    async def inbound_sms(self, url: str, form: dict[str, str], text: str) -> None:
        await asyncio.sleep(self.delay_s * 2)
        sid = "SM" + secrets.token_hex(16)
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "Body": text,
            "From": form.get("To", ""),
            "To": form.get("From", ""),
            "MessageSid": sid,
            "SmsMessageSid": sid,
            "SmsSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
        }
        await self.post_twilio(url, "sms-inbound", params)

    async def call_callbacks(self, form: dict[str, list[str]], sid: str, scenario: Scenario) -> None:
        await asyncio.sleep(self.delay_s)
        first = {key: values[0] for key, values in form.items()}
        base = {"AccountSid": self.account_sid, "ApiVersion": "2010-04-01", "CallSid": sid, "Direction": "outbound-api"}
        base |= {
            "From": first.get("From", ""),
            "To": first.get("To", ""),
            "Called": first.get("To", ""),
            "Caller": first.get("From", ""),
        }
        status_url = first.get("StatusCallback", "")
        events = set(form.get("StatusCallbackEvent", []))
        outcome = "completed" if scenario.outcome == "delivered" else scenario.outcome
        answered = outcome == "completed"
        if answered and status_url and "answered" in events:
            await self.post_twilio(
                status_url, "voice-status", base | {"CallStatus": "in-progress", "SequenceNumber": "0"}
            )
        if answered and first.get("AsyncAmd") == "true" and first.get("AsyncAmdStatusCallback"):
            amd = {"AccountSid": self.account_sid, "CallSid": sid, "AnsweredBy": scenario.answered_by or "human"}
            await self.post_twilio(first["AsyncAmdStatusCallback"], "amd", amd | {"MachineDetectionDuration": "2300"})
        if answered and scenario.keypad and (match := _GATHER_ACTION.search(first.get("Twiml", ""))):
            action = match.group(1).replace("&amp;", "&")
            await self.post_twilio(action, "keypad", base | {"CallStatus": "in-progress", "Digits": scenario.keypad})
        if status_url:
            final = base | {"CallStatus": outcome, "SequenceNumber": "1"}
            if answered:
                final |= {"CallDuration": "30", "Duration": "1"}
            await self.post_twilio(status_url, "voice-status", final)

    def sign_sendgrid(self, raw: bytes) -> dict[str, str]:
        timestamp = str(int(time.time()))
        signature = self.event_key.sign(timestamp.encode() + raw, ec.ECDSA(hashes.SHA256()))
        return {
            SENDGRID_SIGNATURE_HEADER: base64.b64encode(signature).decode(),
            SENDGRID_TIMESTAMP_HEADER: timestamp,
            "Content-Type": "application/json",
        }

    async def sendgrid_events(self, url: str, message_id: str, body: dict[str, Any], scenario: Scenario) -> None:
        await asyncio.sleep(self.delay_s)
        to = body["personalizations"][0]["to"][0]["email"]
        custom = dict(body.get("custom_args") or {}) | dict(body["personalizations"][0].get("custom_args") or {})
        base = custom | {
            "email": to,
            "sg_message_id": f"{message_id}.filterdrecv-5645d9c87f-6r2ch-1-5F1F2B5B-E.0",
            "smtp-id": f"<{message_id}@ismtpd0001p1las1.sendgrid.net>",
            "category": body.get("categories", []),
        }
        now = int(time.time())
        events = [base | {"event": "processed", "timestamp": now, "sg_event_id": secrets.token_urlsafe(16)}]
        final: dict[str, Any] = {"event": scenario.outcome, "timestamp": now, "sg_event_id": secrets.token_urlsafe(16)}
        if scenario.outcome == "delivered":
            final |= {"response": "250 OK", "ip": "168.1.1.1", "tls": 1}
        elif scenario.outcome == "bounce":
            final |= {"reason": "550 5.1.1 user unknown", "status": scenario.outcome_code or "5.1.1", "type": "bounce"}
            final |= {"bounce_classification": "Invalid Address"}
        elif scenario.outcome == "blocked":  # SendGrid reports a block as a bounce of type "blocked"
            final |= {"event": "bounce", "type": "blocked", "status": scenario.outcome_code or "5.7.1"}
            final |= {"reason": "550 5.7.1 rejected by policy", "bounce_classification": "Reputation"}
        elif scenario.outcome == "click":  # delivered, then the debtor clicks the first link of the mail
            link = _FIRST_LINK.search(json.dumps(body.get("content", [])))
            clicked = link.group(0) if link else "https://example.test/"
            delivered = {"event": "delivered", "timestamp": now, "sg_event_id": secrets.token_urlsafe(16)}
            events.append(base | delivered | {"response": "250 OK", "ip": "168.1.1.1", "tls": 1})
            final |= {"url": clicked, "useragent": "Mozilla/5.0", "ip": "203.0.113.7"}
        elif scenario.outcome == "dropped":
            final |= {"reason": scenario.outcome_code or "Bounced Address"}
        elif scenario.outcome == "group_unsubscribe":
            final |= {"asm_group_id": 1}
        events.append(base | final)
        raw = (json.dumps(events) + "\r\n").encode()
        try:
            async with self._http().post(url, data=raw, headers=self.sign_sendgrid(raw)) as response:
                self.sent.append(
                    CallbackRecord(
                        url, "sendgrid-events", {"count": str(len(events))}, response.status, await response.text()
                    )
                )
        except aiohttp.ClientError as error:
            self.sent.append(CallbackRecord(url, "sendgrid-events", {}, 0, type(error).__name__))

    async def sendgrid_inbound(self, url: str, body: dict[str, Any], text: str) -> None:
        await asyncio.sleep(self.delay_s * 2)
        customer = body["personalizations"][0]["to"][0]["email"]
        ours = body["from"]["email"]
        form = aiohttp.FormData(default_to_multipart=True)
        subject = f"Re: {body.get('subject', '')}"
        fields = {
            "headers": f"Message-ID: <{secrets.token_hex(8)}@mail.example.test>\nSubject: {subject}\n",
            "from": customer,
            "to": ours,
            "subject": f"Re: {body.get('subject', '')}",
            "text": text,
            "envelope": json.dumps({"to": [ours], "from": customer}),
            "charsets": json.dumps({"to": "UTF-8", "from": "UTF-8", "subject": "UTF-8", "text": "UTF-8"}),
        }
        for name, value in fields.items():
            form.add_field(name, value)
        try:
            async with self._http().post(url, data=form) as response:
                self.sent.append(CallbackRecord(url, "sendgrid-inbound", {}, response.status, await response.text()))
        except aiohttp.ClientError as error:
            self.sent.append(CallbackRecord(url, "sendgrid-inbound", {}, 0, type(error).__name__))
