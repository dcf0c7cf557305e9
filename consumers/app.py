"""The faust app: agents for the input topics and the scheduler timer. Thin: decode, call the core, publish.

Per record: decode the CloudEvent (a malformed one becomes a dead letter and the stream goes on),
call ``handle_event``, publish the outputs and wait for the broker to take them; only then does
the agent move on, so faust commits the offset after the event's effects are durable. The
scheduler timer claims the due sends of the partitions this worker owns; a rebalance moves them
with the partitions. Sends due at once are worked right after the event, without waiting for the
next tick.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import faust

from consumers.publishing import OutputPublisher
from consumers.runtime import WorkerRuntime
from orchestrator.codec import DecodeError, dead_letter, decode_inbound
from orchestrator.outputs import ACCOUNT_EVENTS, PROVIDER_EVENTS, MessageScheduled, OutputEvent, topic_name
from orchestrator.service.api import NOT_ACTIONABLE, handle_event, run_due
from parley.observability import METRICS
from parley.settings import Settings

log = logging.getLogger("parley.worker")

SCHEDULER_BATCH = 32  # due sends claimed at once: worked well inside the lease
MAX_BATCHES_PER_TICK = 64

RAW = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}


def kafka_broker_url(settings: Settings) -> str:
    url = settings.kafka_url
    return url if "://" in url else f"kafka://{url}"


def create_app(settings: Settings, runtime: WorkerRuntime | None = None) -> faust.App:
    """The worker's faust app, wired to a lazily built runtime (store, channels, renderer)."""
    app = faust.App(
        settings.app_id,
        broker=kafka_broker_url(settings),
        store="memory://",
        web_enabled=False,
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        topic_allow_declare=False,
        consumer_auto_offset_reset="earliest",
        broker_commit_every=100,
        broker_commit_interval=1.0,
        producer_acks=-1,
        broker_session_timeout=settings.kafka_session_timeout_s,
        broker_heartbeat_interval=min(3.0, settings.kafka_session_timeout_s / 3),
        stream_wait_empty=False,
    )
    runtime = runtime or WorkerRuntime(settings, app)
    app.parley_runtime = runtime  # type: ignore[attr-defined]
    account_topic = app.topic(topic_name(ACCOUNT_EVENTS, settings.topic_prefix), **RAW)  # type: ignore[arg-type]
    provider_topic = app.topic(topic_name(PROVIDER_EVENTS, settings.topic_prefix), **RAW)  # type: ignore[arg-type]
    publisher = OutputPublisher(app, settings.topic_prefix)
    runtime.publish = publisher.publish
    ownership = Ownership()

    async def process(event: faust.EventT[bytes], topic: str) -> None:
        ctx = await runtime.context()
        message = event.message
        now = datetime.now(UTC)
        started = asyncio.get_running_loop().time()
        value = message.value if isinstance(message.value, bytes) else bytes(message.value or b"")
        try:
            inbound = decode_inbound(value, message.headers or (), topic=topic)
        except DecodeError as error:
            METRICS.dead_letters.labels(topic=topic).inc()
            outputs = [_dead(message, value, str(error), "DecodeError", now)]
        else:
            try:
                outputs = await handle_event(ctx, inbound)
            except NOT_ACTIONABLE as error:
                METRICS.dead_letters.labels(topic=topic).inc()
                outputs = [_dead(message, value, str(error), type(error).__name__, now)]
        await publisher.publish(outputs)
        METRICS.events.labels(topic=topic).inc()
        if _due_now(outputs, now):
            await publisher.publish(await run_due(ctx, message.partition, datetime.now(UTC), limit=SCHEDULER_BATCH))
        METRICS.event_seconds.observe(asyncio.get_running_loop().time() - started)

    @app.agent(account_topic)
    async def account_events(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for event in stream.events():
            await process(event, ACCOUNT_EVENTS)
            yield None

    @app.agent(provider_topic)
    async def provider_events(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for event in stream.events():
            await process(event, PROVIDER_EVENTS)
            yield None

    @app.timer(settings.scheduler_tick_s)  # type: ignore[untyped-decorator]
    async def scheduler() -> None:
        ctx = await runtime.context()
        name = account_topic.get_topic_name()
        owned = sorted(tp.partition for tp in app.consumer.assignment() if tp.topic == name)
        if owned != ownership.partitions:
            ownership.partitions = owned
            log.info("owns %s partitions %s", name, owned)
        for partition in owned:
            for _ in range(MAX_BATCHES_PER_TICK):  # small claims, so each finishes well inside its lease
                outputs = await run_due(ctx, partition, datetime.now(UTC), limit=SCHEDULER_BATCH)
                if not outputs:
                    break
                await publisher.publish(outputs)

    @app.task  # type: ignore[untyped-decorator]
    async def start_web() -> None:
        await runtime.start_web(publisher)

    return app


class Ownership:
    """The account-events partitions this worker owned at the last scheduler tick (logged on change)."""

    def __init__(self) -> None:
        self.partitions: list[int] = []


def _due_now(outputs: list[OutputEvent], now: datetime) -> bool:
    return any(isinstance(o.data, MessageScheduled) and o.data.due_at <= now for o in outputs)


def _dead(message: Any, value: bytes, reason: str, error_type: str, now: datetime) -> OutputEvent:
    return dead_letter(
        value,
        message.headers or (),
        reason,
        message.topic,
        message.partition,
        message.offset,
        now,
        key=message.key if isinstance(message.key, bytes) else None,
        error_type=error_type,
    )
