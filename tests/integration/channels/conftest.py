"""Fixtures for the channel integration tests: the provider emulators and Parley's webhook server,
both real aiohttp servers on 127.0.0.1 (no Kafka or Redis needed)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from channels_webhook_harness import (
    INBOUND_SECRET,
    SENDGRID_KEY,
    TWILIO_SID,
    TWILIO_TOKEN,
    RecordingPublisher,
    WebhookServer,
)
from pydantic import SecretStr

from channels.emulators import ProviderEmulator
from channels.webhooks.app import WebhookMetrics, build_webhook_app
from parley.settings import Settings


@pytest.fixture
async def emulator() -> AsyncIterator[ProviderEmulator]:
    async with ProviderEmulator(
        twilio_account_sid=TWILIO_SID, twilio_auth_token=TWILIO_TOKEN, sendgrid_api_key=SENDGRID_KEY
    ) as running:
        yield running


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


@pytest.fixture
async def webhook_server(emulator: ProviderEmulator) -> AsyncIterator[WebhookServer]:
    """Parley's webhooks, configured to trust the emulator's Twilio token and SendGrid key."""
    sock = _bound_socket()
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = Settings(
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=SecretStr(TWILIO_TOKEN),
        sendgrid_api_key=SecretStr(SENDGRID_KEY),
        sendgrid_event_public_key=emulator.sendgrid_public_key,
        sendgrid_inbound_secret=SecretStr(INBOUND_SECRET),
        webhook_public_base_url=base_url,
        twilio_api_base_url=emulator.twilio_base_url,
        sendgrid_api_host=emulator.sendgrid_host,
        twilio_from_number="+18005550100",
        twilio_timeout_s=0.5,
        sendgrid_timeout_s=0.5,
    )
    server = WebhookServer(base_url, settings, RecordingPublisher(), WebhookMetrics())

    class VoicemailRecorder:
        async def play_voicemail(self, call_sid: str, text: str, locale: str = "en") -> None:
            server.voicemail_calls.append((call_sid, text))

    app = build_webhook_app(settings, server.publisher, server.metrics, voicemail=VoicemailRecorder())
    runner = web.AppRunner(app)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    emulator.sendgrid_event_url = base_url + "/webhooks/sendgrid/events"
    emulator.sendgrid_inbound_url = f"{base_url}/webhooks/sendgrid/inbound/{INBOUND_SECRET}"
    emulator.twilio_inbound_url = base_url + "/webhooks/twilio/sms-inbound"
    try:
        yield server
    finally:
        await runner.cleanup()
