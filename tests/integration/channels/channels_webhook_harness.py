"""Shared pieces of the channel integration tests (constants, a recording publisher, the server handle)."""

from __future__ import annotations

from dataclasses import dataclass, field

from channels.webhooks.app import WebhookMetrics
from orchestrator.events import InboundEvent
from parley.settings import Settings

TWILIO_TOKEN = "integration-twilio-token"
TWILIO_SID = "AC" + "1" * 32
SENDGRID_KEY = "SG.integration-key.integration-secret"
INBOUND_SECRET = "inbound-path-secret-123"


class RecordingPublisher:
    """A real ``ProviderEventPublisher`` that keeps what it was given."""

    def __init__(self) -> None:
        self.events: list[InboundEvent] = []

    async def publish(self, event: InboundEvent) -> None:
        self.events.append(event)


@dataclass
class WebhookServer:
    base_url: str
    settings: Settings
    publisher: RecordingPublisher
    metrics: WebhookMetrics
    voicemail_calls: list[tuple[str, str]] = field(default_factory=list)

    def rejected(self, provider: str, reason: str) -> float:
        return self.metrics.rejected.labels(provider, reason)._value.get()
