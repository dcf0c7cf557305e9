"""What a worker process holds besides the faust app: the service context and its web server.

The context is built once, on first use inside the worker's event loop (the store connects
there). The web server hosts the provider webhooks, ``/health`` and ``/metrics`` on one port;
verified webhook requests are published to ``provider-events``, where the agents pick them up like
any other event.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import faust
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from kafka.admin import KafkaAdminClient
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from channels.webhooks.app import build_webhook_app
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


def wall_clock() -> datetime:
    return datetime.now(UTC)


class RouteAccessLogger(AbstractAccessLogger):
    """Access-log lines naming the route pattern, never the requested path or its query.

    The inbound-mail path carries the webhook's secret segment and the callback queries carry debtor
    and send ids; ``POST /webhooks/sendgrid/inbound/{secret} 200 0.004s`` tells an operator enough.
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info("%s %s %d %.3fs", request.method, route_pattern(request), response.status, time)

    @property
    def enabled(self) -> bool:
        return self.logger.isEnabledFor(logging.INFO)


def route_pattern(request: web.BaseRequest) -> str:
    """The pattern of the route that served ``request`` (``(no route)`` when none was resolved)."""
    try:
        resource = request.match_info.route.resource if isinstance(request, web.Request) else None
    except (AssertionError, AttributeError):  # a malformed request: routing never ran
        resource = None
    return resource.canonical if resource is not None else "(no route)"


def web_runner(app: web.Application) -> web.AppRunner:
    """The runner of the worker's web server, with the route-only access log."""
    return web.AppRunner(app, access_log_class=RouteAccessLogger)


class WorkerRuntime:
    """Builds the service context lazily and serves the worker's HTTP endpoints."""

    def __init__(self, settings: Settings, app: faust.App) -> None:
        self.settings = settings
        self.app = app
        self._runtime: Runtime | None = None
        self._lock = asyncio.Lock()
        self._web: web.AppRunner | None = None
        # How the dispatch use case publishes before it records (the app sets it to its publisher).
        self.publish: Callable[[Sequence[OutputEvent]], Awaitable[None]] | None = None

    async def context(self) -> ServiceContext:
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
        """Serve webhooks, /health and /metrics on settings.web_host:web_port."""
        await self.context()
        assert self._runtime is not None
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

    async def _health(self, _request: web.Request) -> web.Response:
        ready = self._runtime is not None
        return web.json_response({"status": "ok" if ready else "starting"}, status=200 if ready else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        body = generate_latest(METRICS.registry)
        if self._runtime is not None:  # the store's own counter: ≤ 2 round trips per event is a target
            trips = self._runtime.connection.round_trips.count
            body += (
                b"# HELP parley_redis_round_trips_total Redis round trips (commands, pipelines, scripts).\n"
                b"# TYPE parley_redis_round_trips_total counter\n"
                b"parley_redis_round_trips_total %d\n" % trips
            )
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def aclose(self) -> None:
        if self._web is not None:
            await self._web.cleanup()
        if self._runtime is not None:
            await self._runtime.aclose()
