"""faust-streaming (on aiokafka) runs against the session's real broker: a record produced to an input
topic flows through an agent and arrives, transformed, on an output topic."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Callable

import faust
from aiokafka import AIOKafkaConsumer
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

FLOW_TIMEOUT_S = 60.0


def _create_topics(bootstrap: str, *names: str) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    try:
        admin.create_topics([NewTopic(name=name, num_partitions=1, replication_factor=1) for name in names])
    finally:
        admin.close()


def _make_app(app_id: str, bootstrap: str, source: str, sink: str) -> faust.App:
    app = faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        store="memory://",
        datadir=tempfile.mkdtemp(prefix="parley-faust-"),
        web_enabled=False,
        topic_replication_factor=1,
        topic_partitions=1,
        consumer_auto_offset_reset="earliest",
        broker_commit_every=1,
    )
    source_topic = app.topic(source, key_type=bytes, value_type=bytes, value_serializer="raw", key_serializer="raw")
    sink_topic = app.topic(sink, key_type=bytes, value_type=bytes, value_serializer="raw", key_serializer="raw")

    @app.agent(source_topic)
    async def shout(stream: faust.StreamT[bytes]) -> AsyncIterator[bytes]:
        async for event in stream.events():
            await sink_topic.send(key=event.key, value=event.value.upper())
            yield event.value

    return app


async def test_a_record_flows_through_a_faust_agent_to_the_output_topic(
    kafka_bootstrap: str, unique_topic: Callable[[str], str]
) -> None:
    source, sink = unique_topic("infra-faust-in"), unique_topic("infra-faust-out")
    _create_topics(kafka_bootstrap, source, sink)
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    try:
        producer.send(source, key=b"debtor-7", value=b"payment missed").get(timeout=10)
    finally:
        producer.close()

    app = _make_app(unique_topic("parley-infra"), kafka_bootstrap, source, sink)
    output = AIOKafkaConsumer(
        sink, bootstrap_servers=kafka_bootstrap, group_id=unique_topic("infra-reader"), auto_offset_reset="earliest"
    )
    await app.start()
    await output.start()
    try:
        record = await asyncio.wait_for(output.getone(), timeout=FLOW_TIMEOUT_S)
    finally:
        await output.stop()
        await app.stop()
    assert (record.key, record.value) == (b"debtor-7", b"PAYMENT MISSED")
