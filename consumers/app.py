"""The faust app: agents for the input topics and the scheduler timer. Thin: decode, call the core, publish.

Records come in batches (``take_events``): each is decoded (a malformed one becomes a dead letter
and the stream goes on) and handed to the core in rounds of different debtors (``handle_events``:
account events share one load and one commit round trip, provider events run concurrently), one
debtor's records in order. Every output of the batch is published and acknowledged by the broker
before the batch is acked, so faust commits offsets only after their effects are durable. The
scheduler timer claims the due sends of the partitions this worker owns; a rebalance moves them with
the partitions. Sends a batch makes due at once are worked right after it, on their debtors'
partitions, without waiting for the next tick: before the next batch when the stream is ahead (a full
batch), beside it otherwise (lower latency when the worker keeps up). Due sends are claimed in batches
and worked concurrently across debtors (one debtor's in order); the store pipelines their round trips
together, and the dispatch lane (orchestrator/service/lane.py) decides which provider calls may be in
flight at once.

A Redis outage is waited out: a tick that cannot reach the store is skipped, a batch is worked again,
unacked, until it can (``StoreOutage`` in consumers/outage.py). A due send that fails otherwise is
logged and stays claimed until its lease ends; a tick or drain that fails is logged, never raised into
faust. Stopping is graceful: the web server closes, no new claim or batch starts, and the work in
progress ends (bounded) before the producer stops.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faust
from mode.types.signals import BaseSignalT

from consumers.outage import store_unreachable
from consumers.publishing import OutputPublisher
from consumers.records import ConsumedRecord, count_misrouted
from consumers.runtime import WorkerRuntime
from consumers.work import BackgroundDrains, DueDrain, Ownership, WorkInFlight, masked, partitions_due_now
from orchestrator.outputs import ACCOUNT_EVENTS, PROVIDER_EVENTS, topic_name
from orchestrator.service.api import by_key, handle_events
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
SHUTDOWN_GRACE_S = 10.0  # longest a stopping worker waits for its batches and claimed sends to end
# No linger: each send waits for its outputs to be acknowledged before recording it, so any linger adds
# to every send; concurrent sends still share produce requests (the producer batches while one is out).
PRODUCER_LINGER_S = 0.0

RAW = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw", "value_serializer": "raw"}


def kafka_broker_url(settings: Settings) -> str:
    url = settings.kafka_url
    return url if "://" in url else f"kafka://{url}"


def create_app(settings: Settings, runtime: WorkerRuntime | None = None) -> faust.App:
    """The worker's faust app, wired to a lazily built runtime (store, channels, renderer)."""
    if settings.data_dir:
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)  # faust makes only the last folder
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
        datadir=settings.data_dir or f"{settings.app_id}-data",  # faust's own default when unset
    )
    runtime = runtime or WorkerRuntime(settings, app)
    app.parley_runtime = runtime  # type: ignore[attr-defined]
    account_topic = app.topic(topic_name(ACCOUNT_EVENTS, settings.topic_prefix), **RAW)  # type: ignore[arg-type]
    provider_topic = app.topic(topic_name(PROVIDER_EVENTS, settings.topic_prefix), **RAW)  # type: ignore[arg-type]
    publisher = OutputPublisher(app, settings.topic_prefix)
    runtime.publish = publisher.publish
    ownership = Ownership()
    work = WorkInFlight()
    drains = BackgroundDrains(runtime.outage)
    debtor_slots = asyncio.Semaphore(DEBTOR_CONCURRENCY)
    dispatch_slots = asyncio.Semaphore(DISPATCH_CONCURRENCY)
    drain_due = DueDrain(work, publisher.publish, dispatch_slots, limit=SCHEDULER_BATCH, rounds=MAX_BATCHES_PER_TICK)

    def owned_partitions() -> list[int]:
        return ownership.update(app.consumer.assignment(), account_topic.get_topic_name())

    async def process_batch(events: Sequence[faust.EventT[bytes]], topic: str) -> None:
        """Work a batch of records and return once its effects are durable, so faust acks it only then.

        While the store cannot be reached the batch is worked again (0.2 s doubling to 5 s apart), still
        unacked: processing is idempotent (processed events are recognised, their outputs published
        again with the same ids). Once the worker stops, a batch not begun, or waiting for the store, is
        left unacked for the partition's next owner (it waits here to be cancelled)."""
        if not work.begin():
            await _until_cancelled()
        try:
            await runtime.outage.retry(lambda: work_batch(events, topic), keep_trying=lambda: not work.stopping)
            return
        except Exception as error:
            if not (work.stopping and store_unreachable(error)):
                raise
        finally:
            work.end()
        await _until_cancelled()

    async def work_batch(events: Sequence[faust.EventT[bytes]], topic: str) -> None:
        """Work a batch of records: debtors concurrently, each debtor's records in order; publish every
        output and wait for the acks."""
        ctx = await runtime.context()
        started = asyncio.get_running_loop().time()
        now = datetime.now(UTC)
        records = [ConsumedRecord.decode(event, topic) for event in events]

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
        count_misrouted(records, topic)  # with the events: once per batch worked, not per retry in an outage
        outputs_of_batch = (output for record in records for output in record.outputs)
        due_partitions = partitions_due_now(outputs_of_batch, now, ctx.partition_of, owned_partitions())
        # The sends this batch made due at once (on their debtors' partitions, not the records': a
        # provider event is keyed by its sender), without waiting for a tick. A full batch means a
        # backlog: work its sends before reading more (large claims, and the stream waits for the
        # sends). A partial one means the worker keeps up: its sends go while the next batch is read
        # (they are durable in Redis already, so the batch's offsets need not wait for them).
        if len(records) >= BACKLOG_BATCH:
            _raise_first(await asyncio.gather(*(drain_due(ctx, p) for p in due_partitions), return_exceptions=True))
        else:
            for partition in due_partitions:
                drains.start(drain_due(ctx, partition))
        elapsed = asyncio.get_running_loop().time() - started
        for _ in records:
            METRICS.event_seconds.observe(elapsed)

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
        """Claim and work the due sends of the partitions this worker owns. A tick that cannot reach the
        store, or fails otherwise, is skipped (its sends stay due, and the next tick tries again)."""
        if work.stopping:
            return
        try:
            ctx = await runtime.context()
            owned = owned_partitions()
            _raise_first(await asyncio.gather(*(drain_due(ctx, p) for p in owned), return_exceptions=True))
        except Exception as error:
            if store_unreachable(error):
                runtime.outage.failed(error)
            else:  # never into mode, which would stop the worker: the sends stay due for the next tick
                log.error(
                    "scheduler tick failed (%s); the due sends wait for the next tick", masked(error), exc_info=error
                )
            return
        if owned:
            runtime.outage.recovered()
        runtime.ticked()

    @app.task  # type: ignore[untyped-decorator]
    async def start_web() -> None:
        await runtime.start_web(publisher)

    async def stop_gracefully(_app: Any, /, *_args: Any, signal: BaseSignalT[Any], **_kwargs: Any) -> None:
        """Sent by faust as the worker stops, once the consumer has stopped fetching and before the
        producer stops: no more webhooks, no more claims, the work in progress ends, then the runtime
        closes."""
        await runtime.stop_web()
        if await work.stop(SHUTDOWN_GRACE_S):
            await runtime.aclose()
            log.info("stopped gracefully: the work in progress ended, the runtime is closed")
            return
        # Closing a channel under a provider call could make it look refused, and retried: faust cancels
        # what still runs instead, which leaves its send ``dispatching`` for reconciliation (at most once).
        log.warning(
            "stopping with work still running after %.0fs: a send whose provider call has not ended stays "
            "dispatching until its lease ends, then is reconciled with the provider",
            SHUTDOWN_GRACE_S,
        )

    app.on_before_shutdown.connect(stop_gracefully)
    return app


def _raise_first(results: Sequence[object]) -> None:
    """Raise the first failure among ``asyncio.gather(..., return_exceptions=True)`` results: every one
    of them has finished, so none is left running unwatched."""
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def _until_cancelled() -> None:
    """Wait until the task is cancelled (faust cancels the agents as the worker stops)."""
    await asyncio.get_running_loop().create_future()


def _batches(stream: faust.StreamT[bytes]) -> AsyncIterator[Sequence[faust.EventT[bytes]]]:
    """The stream in batches; faust acks a batch's records when the loop asks for the next batch."""
    assert isinstance(stream, faust.Stream)  # StreamT does not declare take_events; the real stream has it
    batches: AsyncIterator[Sequence[faust.EventT[bytes]]] = stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S)
    return batches
