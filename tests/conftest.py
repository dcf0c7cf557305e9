"""Shared test fixtures: a real redis-server and a real Kafka broker, started once per session and only
when a test asks for them; unique key prefixes and topic names so tests never see each other's data.

Set `PARLEY_TEST_REDIS=redis://host:port/db` or `PARLEY_TEST_KAFKA=host:port` to use servers that
already run instead. A service that cannot start fails the tests that need it, with the reason;
it never skips them (CI runs with CI=true and must prove the infrastructure).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import NoReturn
from urllib.parse import urlsplit

import pytest
import redis.asyncio

from parley.devservers import DevServerError, KafkaBroker, RedisCluster, RedisServer
from parley.devservers.redis import answers_ping

REDIS_ENV = "PARLEY_TEST_REDIS"
KAFKA_ENV = "PARLEY_TEST_KAFKA"


def _fail_service(service: str, error: BaseException) -> NoReturn:
    message = f"{service} is unavailable, so this test cannot run: {error}"
    raise pytest.fail.Exception(message, pytrace=False) from None


def _existing_redis(url: str) -> str:
    """Check that the Redis named by PARLEY_TEST_REDIS answers before tests use it."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if not answers_ping(host, port, timeout_s=2.0):
        _fail_service("Redis", RuntimeError(f"{REDIS_ENV}={url} does not answer PING at {host}:{port}"))
    return url


def _existing_kafka(address: str) -> str:
    """Check that the Kafka named by PARLEY_TEST_KAFKA serves metadata before tests use it."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    bootstrap = address.removeprefix("kafka://")
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000)
        try:
            admin.list_topics()
        finally:
            admin.close()
    except (KafkaError, OSError) as error:
        _fail_service("Kafka", RuntimeError(f"{KAFKA_ENV}={address} does not serve metadata: {error!r}"))
    return bootstrap


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """URL of a real redis-server for the whole session (started on first use)."""
    configured = os.environ.get(REDIS_ENV)
    if configured:
        yield _existing_redis(configured)
        return
    server = RedisServer()
    try:
        server.start()
    except DevServerError as error:
        _fail_service("Redis", error)
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_cluster_url() -> Iterator[str]:
    """``redis-cluster://…`` of a real three-primary Redis Cluster for the whole session (started on first use)."""
    cluster = RedisCluster()
    try:
        cluster.start()
    except DevServerError as error:
        _fail_service("Redis Cluster", error)
    try:
        yield cluster.url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """ "127.0.0.1:PORT" of a real single-node Kafka broker for the whole session (started on first use)."""
    configured = os.environ.get(KAFKA_ENV)
    if configured:
        yield _existing_kafka(configured)
        return
    broker = KafkaBroker()
    try:
        broker.start()
    except DevServerError as error:
        _fail_service("Kafka", error)
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[redis.asyncio.Redis]:
    """An asyncio Redis client on the session's server, closed after the test."""
    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def key_prefix() -> str:
    """A Redis key prefix no other test uses, e.g. `t:1a2b3c4d:`."""
    return f"t:{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def unique_topic() -> Callable[[str], str]:
    """Turns a base name into a topic name no other test uses: `account-events` -> `account-events-1a2b3c4d`."""
    suffix = uuid.uuid4().hex[:8]

    def make(base: str) -> str:
        return f"{base}-{suffix}"

    return make


def pytest_configure(config: pytest.Config) -> None:
    # kafka-python 3.0 loads its protocol schemas through importlib.resources' legacy API.
    config.addinivalue_line("filterwarnings", "ignore:read_text is deprecated:DeprecationWarning")
    config.addinivalue_line("filterwarnings", "ignore:open_text is deprecated:DeprecationWarning")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by the services they use, so `-m "not kafka"` selects the fast ones."""
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "kafka_bootstrap" in fixtures:
            item.add_marker(pytest.mark.kafka)
        if "redis_url" in fixtures or "redis_cluster_url" in fixtures:
            item.add_marker(pytest.mark.redis)
