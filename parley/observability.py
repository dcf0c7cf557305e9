"""Prometheus metrics and the logging set-up that masks personal data.

One registry object per process, built here and passed around; the worker serves it on
``/metrics``. Log records go through ``channels.logsafe``'s masking filter, so a phone number or an
email address never reaches a log line in full.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

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
        self.event_seconds = Histogram(
            "parley_event_seconds",
            "Time to process one inbound event, outputs published.",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
            registry=self.registry,
        )


METRICS = WorkerMetrics()


def configure_logging(level: str = "INFO", json_lines: bool = False, secrets: tuple[str, ...] = ()) -> None:
    """Root logging for the CLI and the worker, with personal data and secrets masked in every record."""
    from channels.logsafe import install_log_redaction

    fmt = (
        '{"time":"%(asctime)s","level":"%(levelname)s","logger":"%(name)s","message":"%(message)s"}'
        if json_lines
        else "%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.basicConfig(level=level.upper(), format=fmt)
    install_log_redaction(secrets)
