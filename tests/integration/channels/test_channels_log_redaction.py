"""No secret, full phone number or full email address reaches a log line during sends and webhooks."""

from __future__ import annotations

import logging
import re

import pytest
from channels_webhook_harness import INBOUND_SECRET, SENDGRID_KEY, TWILIO_TOKEN, WebhookServer

from channels.emulators import ProviderEmulator
from channels.logsafe import install_log_redaction
from channels.sendgrid_email import SendGridEmailChannel
from channels.twilio_sms import TwilioSmsChannel
from channels.twilio_voice import TwilioVoiceChannel
from orchestrator.outbound import OutboundMessage, ProviderError

PHONES = ["+15005550006", "+15005550306", "+15005550201", "+15005550777", "+15005550004", "+15005550408"]
EMAILS = ["jane.doe@example.test", "reply@example.test", "bounce@example.test", "permanent@example.test"]


async def test_sends_and_webhooks_log_only_masked_destinations_and_no_secrets(
    emulator: ProviderEmulator, webhook_server: WebhookServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    install_log_redaction([TWILIO_TOKEN, SENDGRID_KEY, INBOUND_SECRET], handlers=[caplog.handler])
    settings = webhook_server.settings
    channels = [
        TwilioSmsChannel.from_settings(settings),
        TwilioVoiceChannel.from_settings(settings),
        SendGridEmailChannel.from_settings(settings),
    ]
    sms, voice, email = channels
    for index, to in enumerate(PHONES):
        for channel in (sms, voice):
            message = OutboundMessage(
                f"s{index}-{channel.channel}", channel.channel, to, "Hi, pay here", "d-1", voicemail="Call us"
            )  # type: ignore[arg-type]
            try:
                await channel.send(message)
            except ProviderError as error:
                logging.getLogger("parley.test").warning("send to %s failed: %s", to, error)
    for index, to in enumerate(EMAILS):
        try:
            await email.send(OutboundMessage(f"e{index}", "email", to, "Hi", "d-1", subject="Account"))
        except ProviderError as error:
            logging.getLogger("parley.test").warning("send to %s failed: %s", to, error)
    await emulator.callbacks.drain(5)
    for channel in channels:
        await channel.close()

    text = caplog.text
    assert len(caplog.records) > 20, "the test must actually see log lines"
    assert "+*******0006" in text  # masked destinations do appear
    for secret in (TWILIO_TOKEN, SENDGRID_KEY, INBOUND_SECRET):
        assert secret not in text
    for number in PHONES:
        assert number[2:] not in text, f"full phone number {number} logged"
    for address in EMAILS:
        assert address not in text, f"full email address {address} logged"
    assert not re.search(r"[\w.+-]{2,}@example\.test", text)
