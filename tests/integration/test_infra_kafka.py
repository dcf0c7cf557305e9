"""The Kafka broker the session starts is real: kafka-python's admin client creates a topic on it,
and records produced with kafka-python come back, in order, through a consumer group."""

from __future__ import annotations

from collections.abc import Callable

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic


def test_admin_client_creates_a_topic_with_the_requested_partitions(
    kafka_bootstrap: str, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("infra-admin")
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=10_000)
    try:
        admin.create_topics([NewTopic(name=topic, num_partitions=3, replication_factor=1)])
        assert topic in admin.list_topics()
        (description,) = admin.describe_topics([topic])
        assert len(description["partitions"]) == 3
    finally:
        admin.close()


def test_records_produced_with_kafka_python_are_consumed_in_order_with_their_keys(
    kafka_bootstrap: str, unique_topic: Callable[[str], str]
) -> None:
    topic = unique_topic("infra-roundtrip")
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, request_timeout_ms=10_000)
    try:
        admin.create_topics([NewTopic(name=topic, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
    sent = [(f"debtor-{i % 2}".encode(), f"event-{i}".encode()) for i in range(5)]
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    try:
        for key, value in sent:
            producer.send(topic, key=key, value=value).get(timeout=10)
    finally:
        producer.close()

    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=unique_topic("infra-group"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        consumer_timeout_ms=20_000,
    )
    try:
        received = []
        for record in consumer:
            received.append((record.key, record.value))
            if len(received) == len(sent):
                break
        consumer.commit()
    finally:
        consumer.close()
    assert received == sent
