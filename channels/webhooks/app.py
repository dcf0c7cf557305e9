"""The aiohttp application serving Parley's provider webhooks.

Handlers are thin: read the raw request, verify it (``signatures``), normalize it (``normalize``),
hand the event to the ``ProviderEventPublisher``. A request that fails verification gets 403, a
``parley_webhook_rejected_total{provider,reason}`` increment and a log line with the reason; nothing
is published. Faust's web server can mount the same handlers; the app is only the routing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter
from twilio.twiml.messaging_response import MessagingResponse

from channels.voice_twiml import keypad_reply_twiml
from channels.webhooks import normalize, paths
from channels.webhooks.paths import DEBTOR_ID_ARG, SEND_ID_ARG
from channels.webhooks.signatures import (
    SignatureError,
    load_sendgrid_public_key,
    verify_path_secret,
    verify_sendgrid_event,
    verify_twilio_request,
)
from orchestrator.events import ProviderStatus
from orchestrator.ports import ProviderEventPublisher

log = logging.getLogger("parley.channels.webhooks")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MACHINE_ANSWERS = ("machine_end_beep", "machine_end_silence", "machine_end_other", "machine_start")


class VoicemailPlayer(Protocol):
    """Replaces a running call's script with the voicemail (``TwilioVoiceChannel`` implements it)."""

    async def play_voicemail(self, call_sid: str, text: str, locale: str = "en") -> None: ...


class WebhookMetrics:
    """Prometheus counters of the webhook endpoints."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        registry = registry if registry is not None else CollectorRegistry()
        self.rejected = Counter(
            "parley_webhook_rejected",
            "Webhook requests refused (403), by reason.",
            ["provider", "reason"],
            registry=registry,
        )
        self.published = Counter(
            "parley_webhook_events", "Provider events published from webhooks.", ["provider", "type"], registry=registry
        )


METRICS_KEY = web.AppKey("parley_webhook_metrics", WebhookMetrics)


def _secret(value: Any) -> str:
    """A setting that may be a pydantic ``SecretStr`` or a plain string."""
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal() if callable(reveal) else (value or ""))


def _xml(body: str) -> web.Response:
    return web.Response(text=body, content_type="text/xml")


class WebhookHandlers:
    """The endpoints; ``config`` is ``parley.settings.Settings`` or anything with the same fields."""

    def __init__(
        self,
        config: Any,
        publisher: ProviderEventPublisher,
        metrics: WebhookMetrics,
        voicemail: VoicemailPlayer | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.public_base = str(config.webhook_public_base_url).rstrip("/")
        self.twilio_token = _secret(config.twilio_auth_token)
        key = str(getattr(config, "sendgrid_event_public_key", "") or "")
        self.sendgrid_key = load_sendgrid_public_key(key) if key else None
        self.inbound_secret = _secret(getattr(config, "sendgrid_inbound_secret", ""))
        self.max_age_s = float(config.webhook_max_age_s)
        self.publisher = publisher
        self.metrics = metrics
        self.voicemail = voicemail
        self.clock = clock

    async def _publish(self, provider: str, event: Any, send_id: str | None = None, debtor: str | None = None) -> None:
        """Publish, carrying the send and debtor the callback URL (or custom args) named back to Parley."""
        if debtor:
            event = event.model_copy(update={"subject": debtor})
        if send_id and isinstance(event.data, ProviderStatus):
            event = event.model_copy(update={"data": event.data.model_copy(update={"send_id": send_id})})
        await self.publisher.publish(event)
        self.metrics.published.labels(provider, event.type).inc()

    async def _twilio_form(self, request: web.Request) -> dict[str, str]:
        body = await request.read()
        url = self.public_base + request.raw_path  # Twilio signs the exact URL it called, query included
        return dict(verify_twilio_request(self.twilio_token, url, body, request.headers))

    async def twilio_sms_status(self, request: web.Request) -> web.Response:
        form = await self._twilio_form(request)
        await self._publish(
            "twilio",
            normalize.twilio_message_status(form, self.clock()),
            request.query.get("send_id"),
            request.query.get("debtor"),
        )
        return web.Response(status=204)

    async def twilio_sms_inbound(self, request: web.Request) -> web.Response:
        form = await self._twilio_form(request)
        await self._publish("twilio", normalize.twilio_inbound_sms(form, self.clock()))
        return _xml(str(MessagingResponse()))  # Parley answers STOP/HELP itself, not through TwiML

    async def twilio_voice_status(self, request: web.Request) -> web.Response:
        form = await self._twilio_form(request)
        await self._publish(
            "twilio",
            normalize.twilio_call_status(form, self.clock()),
            request.query.get("send_id"),
            request.query.get("debtor"),
        )
        return web.Response(status=204)

    async def twilio_amd(self, request: web.Request) -> web.Response:
        form = await self._twilio_form(request)
        event = normalize.twilio_amd_result(form, self.clock())
        await self._publish("twilio", event, request.query.get("send_id"), request.query.get("debtor"))
        voicemail_text = request.query.get("voicemail", "")
        if form.get("AnsweredBy") in MACHINE_ANSWERS and voicemail_text and self.voicemail is not None:
            await self.voicemail.play_voicemail(
                form.get("CallSid", ""), voicemail_text, request.query.get("locale", "en")
            )
        return web.Response(status=204)

    async def twilio_keypad(self, request: web.Request) -> web.Response:
        form = await self._twilio_form(request)
        digit = form.get("Digits", "").strip()[:1]
        action, twiml = keypad_reply_twiml(digit, request.query.get("locale", "en"))
        if action is not None:
            await self._publish(
                "twilio", normalize.twilio_keypad(form, digit, self.clock()), debtor=request.query.get("debtor")
            )
        return _xml(twiml)

    async def sendgrid_events(self, request: web.Request) -> web.Response:
        body = await request.read()
        verify_sendgrid_event(self.sendgrid_key, body, request.headers, self.max_age_s)
        try:
            events = json.loads(body)
        except ValueError:
            return web.Response(status=400, text="body is not JSON")
        if not isinstance(events, list):
            return web.Response(status=400, text="expected a JSON array of events")
        now = self.clock()
        for item in events:
            if isinstance(item, dict) and item.get("event") and item.get("sg_message_id"):
                send_id, debtor = item.get(SEND_ID_ARG), item.get(DEBTOR_ID_ARG)
                await self._publish(
                    "sendgrid",
                    normalize.sendgrid_event(item, now),
                    send_id if isinstance(send_id, str) else None,
                    debtor if isinstance(debtor, str) else None,
                )
        return web.Response(status=204)

    async def sendgrid_inbound(self, request: web.Request) -> web.Response:
        verify_path_secret(self.inbound_secret, request.match_info.get("secret", ""))
        posted = await request.post()
        fields = {key: value for key, value in posted.items() if isinstance(value, str)}
        await self._publish("sendgrid", normalize.sendgrid_inbound_parse(fields, self.clock()))
        return web.Response(status=200)


def _rejection_middleware(metrics: WebhookMetrics) -> Any:
    @web.middleware
    async def reject_untrusted(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except SignatureError as error:
            provider = "sendgrid" if "/sendgrid/" in request.path else "twilio"
            metrics.rejected.labels(provider, error.reason).inc()
            log.warning("rejected %s webhook: %s", provider, error.reason)
            return web.Response(status=403, text=f"forbidden: {error.reason}")

    return reject_untrusted


def build_webhook_app(
    config: Any,
    publisher: ProviderEventPublisher,
    metrics: WebhookMetrics | None = None,
    voicemail: VoicemailPlayer | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> web.Application:
    """The webhook endpoints as an aiohttp application (mount it or run it on its own)."""
    metrics = metrics or WebhookMetrics()
    handlers = WebhookHandlers(config, publisher, metrics, voicemail, clock)
    app = web.Application(middlewares=[_rejection_middleware(metrics)])
    app.router.add_post(paths.TWILIO_SMS_STATUS, handlers.twilio_sms_status)
    app.router.add_post(paths.TWILIO_SMS_INBOUND, handlers.twilio_sms_inbound)
    app.router.add_post(paths.TWILIO_VOICE_STATUS, handlers.twilio_voice_status)
    app.router.add_post(paths.TWILIO_AMD, handlers.twilio_amd)
    app.router.add_post(paths.TWILIO_KEYPAD, handlers.twilio_keypad)
    app.router.add_post(paths.SENDGRID_EVENTS, handlers.sendgrid_events)
    app.router.add_post(paths.SENDGRID_INBOUND, handlers.sendgrid_inbound)
    app[METRICS_KEY] = metrics
    return app
