"""The faust app: agents for the input topics and the scheduler timer. Thin: decode, call the core, publish.

Records come in batches (``take_events``): each is decoded (a malformed one becomes a dead letter
and the stream goes on) and handed to the core in rounds of different debtors (``handle_events``:
account events share one load and one commit round trip, provider events run concurrently), one
debtor's records in order. Every output of the batch is published and acknowledged by the broker
before the batch is acked, so faust commits offsets only after their effects are durable. The
scheduler timer claims the due sends of the partitions this worker owns; a rebalance moves them with
the partitions. Sends a batch makes due at once are worked right after it, without waiting for the
next tick: before the next batch when the stream is ahead (a full batch), beside it otherwise (lower
latency when the worker keeps up). Due sends are claimed in batches and worked concurrently across
debtors (one debtor's in order); the store pipelines their round trips together, and the dispatch
lane (orchestrator/service/lane.py) decides which provider calls may be in flight at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Coroutine, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import faust

from consumers.publishing import OutputPublisher
from consumers.runtime import WorkerRuntime
from orchestrator.codec import DecodeError, dead_letter, decode_inbound
from orchestrator.events import InboundEvent
from orchestrator.outputs import ACCOUNT_EVENTS, PROVIDER_EVENTS, MessageScheduled, OutputEvent, topic_name
from orchestrator.service.api import by_key, handle_events, run_due
from orchestrator.service.context import ServiceContext
from orchestrator.service.replay import replay_ref
from parley.observability import METRICS
from parley.settings import Settings

log = logging.getLogger("parley.worker")

SCHEDULER_BATCH = 128  # due sends claimed at once, well inside the lease even for sends that go alone
DISPATCH_CONCURRENCY = 64  # debtors whose due sends are worked at once
MAX_BATCHES_PER_TICK = 64
BATCH_MAX = 500  # records taken from a stream at once
BATCH_WITHIN_S = 0.001  # how long a partial batch waits for more records
BACKLOG_BATCH = 64  # a batch this large means the stream is ahead of the worker
# Debtors whose records are worked at once, by both agents together (their store calls share
# pipelines; the store's connection pool makes any caller beyond its 64 connections wait).
DEBTOR_CONCURRENCY = 48
# No linger: each send waits for its outputs to be acknowledged before recording it, so any linger adds
# to every send; concurrent sends still share produce requests (the producer batches while one is out).
PRODUCER_LINGER_S = 0.0

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
        producer_linger=PRODUCER_LINGER_S,
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
    drains = BackgroundDrains()
    debtor_slots = asyncio.Semaphore(DEBTOR_CONCURRENCY)
    dispatch_slots = asyncio.Semaphore(DISPATCH_CONCURRENCY)

    async def process_batch(events: Sequence[faust.EventT[bytes]], topic: str) -> None:
        """Work a batch of records: debtors concurrently, each debtor's records in order; publish every
        output and wait for the acks; only then return, so the batch's offsets are acked after it."""
        ctx = await runtime.context()
        started = asyncio.get_running_loop().time()
        now = datetime.now(UTC)
        records = [_Record.decode(event, topic, now) for event in events]

        groups = by_key(records, lambda record: record.owner)
        # Round n holds the n-th record of every debtor: different debtors, worked together (account
        # events share their store round trips); a debtor's next record waits for the next round.
        for round_ in range(max((len(group) for group in groups), default=0)):
            batch = [group[round_] for group in groups if len(group) > round_]
            decoded = [record for record in batch if record.inbound is not None]
            results = await handle_events(ctx, [record.inbound for record in decoded if record.inbound], debtor_slots)
            for record, result in zip(decoded, results, strict=True):
                record.outputs = result if isinstance(result, list) else record.dead(topic, result, now)
            for record in batch:
                if record.inbound is None:
                    record.outputs = record.dead(topic, record.error, now)
        outputs = [output for group in groups for record in group for output in record.outputs]
        await publisher.publish(outputs)
        # Published: the replay blobs kept for a crash before this point are not needed any more.
        await ctx.store.forget_replays([published for record in records if (published := record.processed())])
        METRICS.events.labels(topic=topic).inc(len(records))
        due_partitions = sorted({record.partition for record in records if _due_now(record.outputs, now)})
        # The sends this batch made due at once, without waiting for a tick. A full batch means a
        # backlog: work its sends before reading more (large claims, and the stream waits for the
        # sends). A partial one means the worker keeps up: its sends go while the next batch is read
        # (they are durable in Redis already, so the batch's offsets need not wait for them).
        if len(records) >= BACKLOG_BATCH:
            await asyncio.gather(*(drain_due(ctx, partition) for partition in due_partitions))
        else:
            for partition in due_partitions:
                drains.start(drain_due(ctx, partition))
        elapsed = asyncio.get_running_loop().time() - started
        for _ in records:
            METRICS.event_seconds.observe(elapsed)

    async def drain_due(ctx: ServiceContext, partition: int, rounds: int = MAX_BATCHES_PER_TICK) -> None:
        """Work the partition's due sends in claims of ``SCHEDULER_BATCH``, debtors concurrently.

        Drains may overlap (the timer, each batch, each partition): a claim is atomic, so each takes
        different sends, and ``dispatch_slots`` bounds how many debtors are worked at once in all."""
        for _ in range(rounds):
            outputs = await run_due(ctx, partition, datetime.now(UTC), SCHEDULER_BATCH, dispatch_slots)
            if not outputs:
                return
            await publisher.publish(outputs)

    @app.agent(account_topic)
    async def account_events(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for batch in _batches(stream):
            await process_batch(batch, ACCOUNT_EVENTS)
            yield None

    @app.agent(provider_topic)
    async def provider_events(stream: faust.StreamT[bytes]) -> AsyncIterator[None]:
        async for batch in _batches(stream):
            await process_batch(batch, PROVIDER_EVENTS)
            yield None

    @app.timer(settings.scheduler_tick_s)  # type: ignore[untyped-decorator]
    async def scheduler() -> None:
        ctx = await runtime.context()
        name = account_topic.get_topic_name()
        owned = sorted(tp.partition for tp in app.consumer.assignment() if tp.topic == name)
        if owned != ownership.partitions:
            ownership.partitions = owned
            log.info("owns %s partitions %s", name, owned)
        await asyncio.gather(*(drain_due(ctx, partition) for partition in owned))

    @app.task  # type: ignore[untyped-decorator]
    async def start_web() -> None:
        await runtime.start_web(publisher)

    return app


class BackgroundDrains:
    """Drains run beside the stream. A drain that fails is logged with its error (its sends stay due in
    Redis, and the next tick claims them again)."""

    def __init__(self) -> None:
        self._running: set[asyncio.Task[None]] = set()

    def start(self, drain: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(drain)
        self._running.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("draining due sends failed; the next tick retries them", exc_info=task.exception())


class Ownership:
    """The account-events partitions this worker owned at the last scheduler tick (logged on change)."""

    def __init__(self) -> None:
        self.partitions: list[int] = []


def _batches(stream: faust.StreamT[bytes]) -> AsyncIterator[Sequence[faust.EventT[bytes]]]:
    """The stream in batches; faust acks a batch's records when the loop asks for the next batch."""
    assert isinstance(stream, faust.Stream)  # StreamT does not declare take_events; the real stream has it
    batches: AsyncIterator[Sequence[faust.EventT[bytes]]] = stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S)
    return batches


@dataclass(slots=True)
class _Record:
    """One consumed record, decoded (or not), and whose records it must stay in order with."""

    message: Any
    value: bytes
    inbound: InboundEvent | None
    error: DecodeError | None
    owner: Hashable  # the debtor (the event's subject), else the Kafka key, else the record itself
    outputs: list[OutputEvent] = field(default_factory=list)

    @property
    def partition(self) -> int:
        return int(self.message.partition)

    @classmethod
    def decode(cls, event: faust.EventT[bytes], topic: str, now: datetime) -> _Record:
        message = event.message
        value = message.value if isinstance(message.value, bytes) else bytes(message.value or b"")
        inbound, error = None, None
        try:
            inbound = decode_inbound(value, message.headers or (), topic=topic)
        except DecodeError as failure:
            error = failure
        owner: Hashable = (inbound.subject if inbound else None) or message.key or (message.partition, message.offset)
        return cls(message, value, inbound, error, owner)

    def processed(self) -> tuple[str, str] | None:
        """(debtor id, event id) of a record the core processed, whose replay blob may be forgotten."""
        return replay_ref(self.inbound, self.outputs) if self.inbound is not None else None

    def dead(self, topic: str, error: Exception | None, now: datetime) -> list[OutputEvent]:
        """A record that cannot be decoded or acted on becomes a dead letter with the reason."""
        METRICS.dead_letters.labels(topic=topic).inc()
        error_type = type(error).__name__ if error is not None else "DecodeError"
        return [_dead(self.message, self.value, str(error), error_type, now)]


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
