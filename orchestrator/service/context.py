"""The service layer's dependencies, named in one object the composition root builds.

Everything here is a port or a pure value: the store, the channels, the renderer, the cadences,
the policy. Nothing is a module-level global, so two runners (or two tests) never share state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orchestrator.cadence import Cadences
from orchestrator.compliance import Policy
from orchestrator.outputs import OutputEvent
from orchestrator.ports import Channel, MessageRenderer, StateStore
from orchestrator.service.lane import DispatchLane


@dataclass(frozen=True, slots=True)
class Identity:
    """Who Parley speaks as (HELP replies, voicemail, templates)."""

    business_name: str = "Parley Services"
    callback_number: str = "+18005550100"
    agent_name: str = "Alex Morgan"


@dataclass(frozen=True)
class ServiceContext:
    """The object graph the use cases run on; built by ``parley.bootstrap``."""

    store: StateStore
    channels: Mapping[str, Channel]
    renderer: MessageRenderer
    cadences: Cadences
    policy: Policy
    partition_of: Callable[[str], int]
    identity: Identity = Identity()
    source: str = "urn:parley"
    lease: timedelta = timedelta(seconds=60)
    already_paid_pause: timedelta = timedelta(days=14)
    dedupe_window: timedelta = timedelta(days=7)  # how long a processed inbound event id is recognised
    finished_window: timedelta = timedelta(days=35)  # how long a send off the schedule is remembered
    retry_backoff: timedelta = timedelta(minutes=2)
    max_provider_retries: int = 8
    fallback_zones: tuple[str, ...] = ("America/New_York",)
    naive_policy: bool = False  # the demo's baseline: fixed channel order, fixed 10:00 send time
    # Publishes outputs durably before a dispatch is recorded (see dispatch.py); None: the caller
    # publishes what the use case returns (tests, tools).
    publish: Callable[[Sequence[OutputEvent]], Awaitable[None]] | None = None
    # The wall clock, where ``now`` is the wall clock's (the worker): it stamps when a dispatch really
    # began, after waiting for the lane. None (tests, the embedded runner's virtual time): ``now``.
    clock: Callable[[], datetime] | None = None
    # How far an inbound event's time may be ahead of ``clock`` (producers' clocks drift a little); an
    # event further ahead is dead-lettered: its time would prune the ledger the limits count.
    max_event_lead: timedelta = timedelta(hours=1)
    # Which sends may be in flight together (service/lane.py); one per context, shared by its callers.
    lane: DispatchLane = field(default_factory=DispatchLane)
