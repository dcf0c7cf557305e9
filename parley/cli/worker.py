"""``parley worker``: the production service — faust on Kafka, state in Redis, real providers."""

from __future__ import annotations

import asyncio
import difflib
import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING

import click

from parley.settings import ENV_PREFIX, Settings

if TYPE_CHECKING:
    import faust

log = logging.getLogger("parley.worker")

# PARLEY_* variables of the developer tools (tests, dev servers), not settings of the worker.
DEVELOPER_VARIABLES = frozenset({"PARLEY_TEST_REDIS", "PARLEY_TEST_KAFKA", "PARLEY_KAFKA_OFFLINE", "PARLEY_DEV_CACHE"})
PRODUCTION_CHANNELS = {"sms": "twilio://", "voice": "twilio://", "email": "sendgrid://"}


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
    log_startup_warnings(settings, os.environ)
    app = create_app(settings)
    settle_after_startup()
    faust_worker(app, settings, level).execute_from_commandline()


def startup_warnings(settings: Settings, environ: Mapping[str, str]) -> list[str]:
    """What an operator must hear before the worker runs: sandbox channels (sends recorded as dispatched
    that reach nobody), the public default payment-link key, and ``PARLEY_*`` variables that are not
    settings (a misspelt one is otherwise ignored without a word)."""
    warnings = []
    urls = {"sms": settings.sms_channel_url, "voice": settings.voice_channel_url, "email": settings.email_channel_url}
    for channel, url in urls.items():
        if url.startswith("sandbox:"):
            warnings.append(
                f"NOT FOR PRODUCTION: {ENV_PREFIX}{channel.upper()}_CHANNEL_URL is {url}, so {channel} sends are "
                f"recorded as dispatched but reach nobody; set {PRODUCTION_CHANNELS[channel]} to send for real"
            )
    default_secret = Settings.model_fields["payment_link_secret"].default
    if settings.payment_link_secret.get_secret_value() == default_secret.get_secret_value():
        warnings.append(
            f"NOT FOR PRODUCTION: {ENV_PREFIX}PAYMENT_LINK_SECRET is not set, so payment links are signed with "
            "the public development key and anyone can forge them; set a secret of your own"
        )
    settings_variables = [f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields]
    for variable in sorted(environ):
        name = variable.upper()  # settings are read case-insensitively
        if not name.startswith(ENV_PREFIX) or name in settings_variables or name in DEVELOPER_VARIABLES:
            continue
        # Compared without the prefix every name shares, which would make any two look alike.
        close = difflib.get_close_matches(
            name.removeprefix(ENV_PREFIX), [v[len(ENV_PREFIX) :] for v in settings_variables], n=1
        )
        hint = f" (did you mean {ENV_PREFIX}{close[0]}?)" if close else ""
        warnings.append(f"{variable} is not a Parley setting and is ignored{hint}")
    return warnings


def log_startup_warnings(settings: Settings, environ: Mapping[str, str]) -> None:
    """Each of ``startup_warnings`` as a WARNING line of its own."""
    for warning in startup_warnings(settings, environ):
        log.warning("%s", warning)


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
