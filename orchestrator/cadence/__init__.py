"""Cadences: the messages each account event plans, as validated data (see docs/cadences.md)."""

from __future__ import annotations

from functools import cache
from importlib import resources

from orchestrator.cadence.model import (
    BEST_CHANNELS,
    CONDITIONS,
    EVENT_TIME,
    PURPOSES,
    CadenceError,
    Cadences,
    CancelScope,
    Condition,
    EventCadence,
    PlannedChannel,
    Purpose,
    Step,
    load_cadences,
    parse_duration,
    required_template_channels,
    step_due_at,
    step_passed,
)

DEFAULT_CADENCES_FILE = "default.yaml"


@cache
def default_cadences() -> Cadences:
    """The cadences shipped with Parley (``orchestrator/cadence/default.yaml``), loaded once."""
    text = resources.files(__package__).joinpath(DEFAULT_CADENCES_FILE).read_text(encoding="utf-8")
    return load_cadences(text, f"{__package__}/{DEFAULT_CADENCES_FILE}")


__all__ = [
    "BEST_CHANNELS",
    "CONDITIONS",
    "DEFAULT_CADENCES_FILE",
    "EVENT_TIME",
    "PURPOSES",
    "CadenceError",
    "Cadences",
    "CancelScope",
    "Condition",
    "EventCadence",
    "PlannedChannel",
    "Purpose",
    "Step",
    "default_cadences",
    "load_cadences",
    "parse_duration",
    "required_template_channels",
    "step_due_at",
    "step_passed",
]
