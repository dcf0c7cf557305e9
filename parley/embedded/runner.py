"""The in-process runner: the worker's use cases on an ordered in-memory stream and a virtual clock.

It feeds inbound events in time order (events with the same time keep their submission order, so a
debtor's events stay ordered), jumps the clock from event to event, and fires scheduled sends when
they fall due — through the same ``handle_event`` / ``run_due`` calls, the same Redis store code
(on an embedded redis-server) and the same channel port (the sandbox) as production. Simulated
provider events come back into the stream at their simulated time.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from orchestrator.codec import dead_letter
from orchestrator.events import InboundEvent, ProviderInbound, ProviderStatus
from orchestrator.ids import stable_id
from orchestrator.outputs import MessageDispatched, MessageRescheduled, MessageScheduled, OutputEvent
from orchestrator.service.api import NOT_ACTIONABLE, handle_event, run_due
from orchestrator.service.context import ServiceContext
from orchestrator.service.replay import replay_ref

EMBEDDED_PARTITION = 0
FORGET_BATCH = 256  # published events whose replay blobs are dropped in one round trip
SANDBOX_SOURCE = "urn:parley:sandbox"

OutputSink = Callable[[OutputEvent], None]
Observer = Callable[[OutputEvent], Iterable[InboundEvent]]


class VirtualClock:
    """A clock the runner moves; the sandbox channels read it for their send times."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass(order=True)
class _Queued:
    at: datetime
    seq: int
    event: InboundEvent = field(compare=False)


class EmbeddedRunner:
    """Processes submitted events and due sends in virtual time; outputs go to ``sink``."""

    def __init__(
        self,
        ctx: ServiceContext,
        clock: VirtualClock,
        sink: OutputSink,
        *,
        observer: Observer | None = None,
        batch_limit: int = 1_000,
    ) -> None:
        self.ctx, self.clock, self.sink = ctx, clock, sink
        self.observer = observer
        self.batch_limit = batch_limit
        self._queue: list[_Queued] = []
        self._due: list[int] = []  # due-time hints (ms) taken from the outputs; the store stays the truth
        self._seq = itertools.count()
        # provider message id → debtor id, from ``message.dispatched``: the sandbox's callbacks then name
        # their debtor, as the webhooks' callbacks do in production.
        self._owners: dict[str, str] = {}
        self.provider_log: list[InboundEvent] | None = None  # a list here keeps every simulated provider event
        self.events_processed = 0
        self.sends_worked = 0
        self._published: list[tuple[str, str]] = []  # (debtor id, event id) whose replay blobs may go

    def submit(self, event: InboundEvent) -> None:
        """Queue an inbound event at its own time."""
        heapq.heappush(self._queue, _Queued(event.time.astimezone(UTC), next(self._seq), event))

    def simulated(self, when: datetime, event_type: str, data: ProviderStatus | ProviderInbound) -> None:
        """The sandbox's sink: a provider event it will report at ``when`` joins the stream."""
        key = data.model_dump_json(by_alias=True)
        event = InboundEvent(
            id=stable_id("sim", event_type, key, when.isoformat()),
            type=event_type,
            source=SANDBOX_SOURCE,
            subject=None,
            time=when,
            data=data,
        )
        if self.provider_log is not None:
            self.provider_log.append(event)
        self.submit(event)

    def _emit(self, outputs: list[OutputEvent]) -> None:
        for output in outputs:
            data = output.data
            if isinstance(data, MessageScheduled):
                heapq.heappush(self._due, int(data.due_at.timestamp() * 1000))
            elif isinstance(data, MessageRescheduled):
                heapq.heappush(self._due, int(data.to.timestamp() * 1000))
            elif isinstance(data, MessageDispatched) and data.provider_message_id:
                self._owners[data.provider_message_id] = data.debtor_id
            self.sink(output)
            if self.observer is not None:
                for follow_up in self.observer(output):
                    self.submit(follow_up)

    def _addressed(self, event: InboundEvent) -> InboundEvent:
        """A sandbox status with its debtor filled in, when the runner saw the send dispatched."""
        if event.subject is None and event.source == SANDBOX_SOURCE and isinstance(event.data, ProviderStatus):
            owner = self._owners.get(event.data.provider_message_id)
            if owner is not None:
                return event.model_copy(update={"subject": owner})
        return event

    async def _process(self, event: InboundEvent) -> None:
        event = self._addressed(event)
        try:
            outputs = await handle_event(self.ctx, event)
        except NOT_ACTIONABLE as error:
            raw = event.model_dump_json(by_alias=True).encode()
            outputs = [
                dead_letter(raw, (), str(error), "embedded", None, None, event.time, error_type=type(error).__name__)
            ]
        self.events_processed += 1
        self._emit(outputs)
        # Emitted is published, here: the event's replay blob may go (in batches, one round trip each).
        published = replay_ref(event, outputs)
        if published is not None:
            self._published.append(published)
            if len(self._published) >= FORGET_BATCH:
                await self._forget_published()

    async def _forget_published(self) -> None:
        published, self._published = self._published, []
        await self.ctx.store.forget_replays(published)

    async def run(self, until: datetime, progress: Callable[[datetime], None] | None = None) -> None:
        """Run the stream and the schedule up to ``until`` (inclusive)."""
        until_ms = int(until.timestamp() * 1000)
        while True:
            next_event = self._queue[0].at if self._queue else None
            next_due_ms = self._due[0] if self._due else None
            event_ms = int(next_event.timestamp() * 1000) if next_event else None
            if event_ms is not None and event_ms <= until_ms and (next_due_ms is None or event_ms <= next_due_ms):
                queued = heapq.heappop(self._queue)
                self.clock.now = max(self.clock.now, queued.at)
                await self._process(queued.event)
            elif next_due_ms is not None and next_due_ms <= until_ms:
                while self._due and self._due[0] <= next_due_ms:
                    heapq.heappop(self._due)
                self.clock.now = max(self.clock.now, datetime.fromtimestamp(next_due_ms / 1000, UTC))
                outputs = await run_due(self.ctx, EMBEDDED_PARTITION, self.clock.now, self.batch_limit)
                self.sends_worked += 1
                self._emit(outputs)
            else:
                break
            if progress is not None:
                progress(self.clock.now)
        await self._forget_published()
        self.clock.now = max(self.clock.now, until)
