"""What a worker process holds besides the faust app: the service context and its web server.

The context is built once, on first use inside the worker's event loop (the store connects
there). The web server hosts the provider webhooks, ``/health`` and ``/metrics`` on one port;
verified webhook requests are published to ``provider-events``, where the agents pick them up like
any other event.

``/health`` checks what the worker needs, each time it is asked: Redis answers a PING (a cluster says
every slot is served: ``store_health.py``), a Kafka broker answers a metadata request from the worker's
producer, and the scheduler ticked lately. A Redis outage does not stop the worker: its batches and
ticks wait for the store (``StoreOutage``), and ``/health`` and ``/metrics`` show the outage meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import faust
from aiohttp import web
from aiokafka.errors import KafkaError
from faust.exceptions import NotReady
from kafka.admin import KafkaAdminClient
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from channels.webhooks.app import build_webhook_app
from consumers.outage import StoreOutage
from consumers.store_health import StoreHealth
from consumers.web import HEALTH_TIMEOUT_S, Check, web_runner
from consumers.work import wall_clock
from orchestrator.codec import encode_inbound
from orchestrator.events import InboundEvent, ProviderInbound, ProviderStatus
from orchestrator.outputs import ACCOUNT_EVENTS, PROVIDER_EVENTS, OutputEvent, topic_name
from orchestrator.service.context import ServiceContext
from parley.bootstrap import Runtime, build_runtime, kafka_partition_of
from parley.observability import METRICS
from parley.settings import Settings

if TYPE_CHECKING:
    from consumers.publishing import OutputPublisher

log = logging.getLogger("parley.worker")


def bootstrap_servers(settings: Settings) -> list[str]:
    return settings.kafka_url.removeprefix("kafka://").split(";")


def account_partitions(settings: Settings) -> int:
    """How many partitions ``account-events`` really has (the scheduler's partitioning must match)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers(settings), request_timeout_ms=10_000)
    try:
        name = topic_name(ACCOUNT_EVENTS, settings.topic_prefix)
        described = admin.describe_topics([name])
        partitions = described[0].get("partitions") or []
        return len(partitions) or settings.topic_partitions
    finally:
        admin.close()


class ProviderTopicPublisher:
    """The webhooks' publisher port: verified provider events go to ``provider-events``."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.topic = app.topic(
            topic_name(PROVIDER_EVENTS, settings.topic_prefix),
            key_type=bytes,
            value_type=bytes,
            key_serializer="raw",
            value_serializer="raw",
        )

    async def publish(self, event: InboundEvent) -> None:
        _key, value, headers = encode_inbound(event)
        data = event.data
        if isinstance(data, ProviderStatus):
            key = data.provider_message_id.encode()
        else:
            assert isinstance(data, ProviderInbound)
            key = data.from_.encode()
        await (await self.topic.send(key=key, value=value, headers=headers))


def scheduler_stale_after(settings: Settings) -> float:
    """How old the last finished scheduler tick may be before ``/health`` fails (a tick of a backlog
    works many claims, so this is generous)."""
    return max(60.0, 20 * settings.scheduler_tick_s)


class WorkerRuntime:
    """Builds the service context lazily and serves the worker's HTTP endpoints."""

    def __init__(self, settings: Settings, app: faust.App) -> None:
        self.settings = settings
        self.app = app
        self._runtime: Runtime | None = None
        self._lock = asyncio.Lock()
        self._web: web.AppRunner | None = None
        self._store_health = StoreHealth()
        self._last_tick: float | None = None
        self._closed = False
        self._web_stopped = False
        self.outage = StoreOutage()
        self._own_metrics = CollectorRegistry(auto_describe=False)
        self._own_metrics.register(self)
        # How the dispatch use case publishes before it records (the app sets it to its publisher).
        self.publish: Callable[[Sequence[OutputEvent]], Awaitable[None]] | None = None

    def ticked(self) -> None:
        """Called when a scheduler tick finished."""
        self._last_tick = asyncio.get_running_loop().time()

    async def context(self) -> ServiceContext:
        """The service context, built on first use; raises what ``store_unreachable`` recognises while
        Redis cannot be reached (try again later)."""
        if self._runtime is None:
            async with self._lock:
                if self._runtime is None:
                    partitions = await asyncio.to_thread(account_partitions, self.settings)
                    runtime = await build_runtime(self.settings, partition_of=kafka_partition_of(partitions))
                    runtime.ctx = replace(runtime.ctx, publish=self.publish, clock=wall_clock)
                    self._runtime = runtime
                    log.info(
                        "worker ready: %d account-events partitions, event loop %s",
                        partitions,
                        type(asyncio.get_running_loop()).__module__,
                    )
        return self._runtime.ctx

    async def start_web(self, publisher: OutputPublisher) -> None:
        """Serve webhooks, /health and /metrics on settings.web_host:web_port (once the context is built,
        waiting for Redis if it is away)."""
        await self.outage.retry(self.context, keep_trying=lambda: not self._web_stopped)
        assert self._runtime is not None
        if self._web_stopped:  # the worker stopped while it waited
            return
        voice = self._runtime.channels.get("voice")
        voicemail = voice if hasattr(voice, "play_voicemail") else None  # machines get the voicemail (AMD)
        webhooks = build_webhook_app(
            self.settings,
            ProviderTopicPublisher(self.app, self.settings),
            voicemail=voicemail,  # type: ignore[arg-type]
        )
        webhooks.router.add_get("/health", self._health)
        webhooks.router.add_get("/metrics", self._metrics)
        self._web = web_runner(webhooks)
        await self._web.setup()
        site = web.TCPSite(self._web, self.settings.web_host, self.settings.web_port)
        await site.start()
        log.info("web server on %s:%d", self.settings.web_host, self.settings.web_port)

    async def stop_web(self) -> None:
        """Stop taking requests (the port closes at once) and let the ones in progress finish."""
        self._web_stopped = True
        runner, self._web = self._web, None
        if runner is not None:
            await runner.cleanup()
            log.info("web server closed: no more webhooks")

    async def health(self) -> tuple[int, dict[str, Any]]:
        """200 when Redis, Kafka and the scheduler are fine; 503 naming what is not (``failing``), with
        status ``starting`` until the first scheduler tick."""
        redis_check, kafka_check = await asyncio.gather(self._check_redis(), self._check_kafka())
        checks = {"redis": redis_check, "kafka": kafka_check, "scheduler": self._check_scheduler()}
        failing = [name for name, check in checks.items() if not check.ok]
        status = "ok" if not failing else "starting" if self._last_tick is None else "failing"
        body = {
            "status": status,
            "failing": failing,
            "checks": {name: check.json() for name, check in checks.items()},
            "store_outage": self.outage.active,
        }
        return (200 if status == "ok" else 503), body

    async def _check_redis(self) -> Check:
        if self._runtime is None:
            return Check(False, "not connected yet")
        return await self._store_health.check(self._runtime.connection.client)

    async def _check_kafka(self) -> Check:
        # The producer's own client, as faust refreshes metadata after declaring a topic: one metadata
        # request to a broker it is connected to (or can connect to) answers whether Kafka serves us.
        try:
            client = self.app.producer._ensure_producer().client  # type: ignore[attr-defined]
            refreshed = await asyncio.wait_for(client.force_metadata_update(), HEALTH_TIMEOUT_S)
        except TimeoutError:
            return Check(False, f"no broker answered a metadata request within {HEALTH_TIMEOUT_S:.0f}s")
        except (NotReady, KafkaError, OSError) as error:  # a producer not started yet, a closed client
            return Check(False, f"{type(error).__name__}: {error}")
        if not refreshed:
            return Check(False, "no broker answered a metadata request")
        return Check(True, "metadata refreshed")

    def _check_scheduler(self) -> Check:
        if self._last_tick is None:
            return Check(False, "no scheduler tick finished yet")
        age = asyncio.get_running_loop().time() - self._last_tick
        limit = scheduler_stale_after(self.settings)
        if age > limit:
            return Check(False, f"last tick finished {age:.1f}s ago (more than {limit:.0f}s)")
        return Check(True, f"last tick finished {age:.1f}s ago")

    async def _health(self, _request: web.Request) -> web.Response:
        status, body = await self.health()
        return web.json_response(body, status=status)

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(METRICS.registry) + generate_latest(self._own_metrics)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    def collect(self) -> Iterator[Metric]:
        """This worker's figures kept elsewhere (the store's counter, the outage, the scheduler's clock),
        read when /metrics is asked (a ``prometheus_client`` collector)."""
        if self._runtime is not None:  # the store's own counter: ≤ 2 round trips per event is a target
            yield CounterMetricFamily(
                "parley_redis_round_trips",
                "Redis round trips (commands, pipelines, scripts).",
                self._runtime.connection.round_trips.count,
            )
        yield GaugeMetricFamily(
            "parley_store_unavailable",
            "1 while the state store cannot be reached (work waits for it).",
            self.outage.active,
        )
        yield CounterMetricFamily(
            "parley_store_outages", "State store outages the worker waited out.", self.outage.outages
        )
        if self._last_tick is not None:
            age = asyncio.get_running_loop().time() - self._last_tick
            yield GaugeMetricFamily(
                "parley_scheduler_last_tick_age_seconds", "Seconds since the last scheduler tick finished.", age
            )

    async def aclose(self) -> None:
        """Close the web server, the channels and the store connection (once the work using them ended)."""
        await self.stop_web()
        await self._store_health.aclose()
        if self._runtime is not None and not self._closed:
            self._closed = True
            await self._runtime.aclose()
