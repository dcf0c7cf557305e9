"""``parley worker``: the production service — faust on Kafka, state in Redis, real providers."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import click

from parley.settings import Settings

if TYPE_CHECKING:
    import faust


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--loglevel", default=None, help="Log level (default: PARLEY_LOG_LEVEL).")
def worker(loglevel: str | None) -> None:
    """Run one worker of the consumer group (configured by PARLEY_* variables).

    Start as many as the topics have partitions; they share the partitions and the scheduled sends.
    Webhooks, /health and /metrics are served on PARLEY_WEB_HOST:PARLEY_WEB_PORT.
    """
    from consumers.app import create_app
    from parley.collector import settle_after_startup
    from parley.observability import configure_logging

    use_uvloop()
    settings = Settings()
    level = loglevel or settings.log_level
    configure_logging(level, settings.log_json, secrets=secrets_of(settings))
    app = create_app(settings)
    settle_after_startup()
    faust_worker(app, settings, level).execute_from_commandline()


def faust_worker(app: faust.App, settings: Settings, level: str) -> faust.Worker:
    """faust's Worker for ``app``. It replaces the root handlers when it starts: give it Parley's format.

    Masking does not depend on those handlers (``configure_logging`` masks records as they are created).
    """
    from faust import Worker

    from parley.observability import logging_config

    return Worker(app, loglevel=level.lower(), quiet=True, logging_config=logging_config(level, settings.log_json))


def use_uvloop() -> None:
    """uvloop for the worker's loop when it is installed (faust runs on it; the standard loop works too)."""
    try:
        import uvloop
    except ImportError:  # not on every platform (Windows)
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def secrets_of(settings: Settings) -> tuple[str, ...]:
    """Every secret value, so the log filter can mask it wherever it appears."""
    return tuple(
        value
        for value in (
            settings.twilio_auth_token.get_secret_value(),
            settings.sendgrid_api_key.get_secret_value(),
            settings.sendgrid_inbound_secret.get_secret_value(),
            settings.payment_link_secret.get_secret_value(),
        )
        if value
    )
