"""The worker's web server parts that are not the webhooks: a route-only access log (no secret path
segment, no callback query, ever logged) and the result of one ``/health`` check."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

HEALTH_TIMEOUT_S = 1.0  # longest a /health check waits for Redis or Kafka to answer
WEB_SHUTDOWN_S = 5.0  # longest a stopping worker waits for the webhook requests it is serving


@dataclass(frozen=True, slots=True)
class Check:
    """One part of ``/health``: whether it is fine, and what was found."""

    ok: bool
    detail: str

    def json(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


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
    """The runner of the worker's web server, with the route-only access log; on cleanup it waits for
    the requests in progress at most ``WEB_SHUTDOWN_S``."""
    return web.AppRunner(app, access_log_class=RouteAccessLogger, shutdown_timeout=WEB_SHUTDOWN_S)
