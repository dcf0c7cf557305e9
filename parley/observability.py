"""Prometheus metrics and the logging set-up that masks personal data.

One registry object per process, built here and passed around; the worker serves it on
``/metrics``. Log records are masked by ``channels.logsafe``'s filter as they are created, so a phone
number, an email address or a secret never reaches a log line in full, whichever handlers print it.
"""

from __future__ import annotations

import json
import logging
import logging.config
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram


@dataclass
class WorkerMetrics:
    """The worker's counters and timings."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        self.events = Counter("parley_events_total", "Inbound events processed.", ["topic"], registry=self.registry)
        self.dead_letters = Counter(
            "parley_dead_letters_total", "Inbound records sent to dead-letters.", ["topic"], registry=self.registry
        )
        self.outputs = Counter("parley_outputs_total", "Output events published.", ["type"], registry=self.registry)
        self.misrouted = Counter(
            "parley_misrouted_events_total",
            "Account events whose Kafka key is not their subject (the debtor id): key=mismatch (another key) or"
            " key=missing (none). Processed all the same, but one debtor's events may then be read out of order.",
            ["topic", "key"],
            registry=self.registry,
        )
        self.event_seconds = Histogram(
            "parley_event_seconds",
            "Time from taking an inbound event (with its batch) to its outputs published: each event of a"
            " batch observes its batch's time.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )


METRICS = WorkerMetrics()


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLineFormatter(logging.Formatter):
    """One JSON object per line — time, level, logger, message, and the traceback when there is one —
    valid whatever the message holds (quotes, newlines)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


class RedactingRecordFactory:
    """Masks each log record as it is created.

    A filter on the root handlers is lost when faust's worker (mode's ``setup_logging``) replaces them,
    and it never sees loggers with handlers of their own; every record passes through the factory.
    """

    def __init__(self, base: Callable[..., logging.LogRecord], secrets: Iterable[str] = ()) -> None:
        from channels.logsafe import RedactingFilter

        self.base = base
        self.redacting = RedactingFilter(secrets)

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        record = self.base(*args, **kwargs)
        self.redacting.filter(record)
        return record


def install_record_redaction(secrets: Iterable[str] = ()) -> RedactingRecordFactory:
    """Mask every record the process creates from now on; installing again replaces the secrets."""
    current = logging.getLogRecordFactory()
    base = current.base if isinstance(current, RedactingRecordFactory) else current
    factory = RedactingRecordFactory(base, secrets)
    logging.setLogRecordFactory(factory)
    return factory


def logging_config(level: str = "INFO", json_lines: bool = False) -> dict[str, Any]:
    """The root handler and its format for ``logging.config.dictConfig``.

    faust's Worker takes the same dict (``logging_config=``) when it resets logging, so the worker keeps
    Parley's text or JSON lines instead of mode's coloured default.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"parley": {"()": JsonLineFormatter} if json_lines else {"format": TEXT_FORMAT}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "parley",
                "level": level.upper(),
            }
        },
        "root": {"level": level.upper(), "handlers": ["default"]},
    }


def configure_logging(level: str = "INFO", json_lines: bool = False, secrets: tuple[str, ...] = ()) -> None:
    """Root logging for the CLI and the worker, with personal data and secrets masked in every record."""
    install_record_redaction(secrets)
    logging.config.dictConfig(logging_config(level, json_lines))
