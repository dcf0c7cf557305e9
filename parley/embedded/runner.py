"""The in-process runner: the worker's use cases on an ordered in-memory stream and a virtual clock.

It feeds inbound events in time order (events with the same time keep their submission order, so a
debtor's events stay ordered), jumps the clock from event to event, and fires scheduled sends when
they fall due — through the same ``handle_event`` / ``run_due`` calls, the same Redis store code
(on an embedded redis-server) and the same channel port (the sandbox) as production. Simulated
provider events come back into the stream at their simulated time.

The sends due at one moment are worked as the worker works them: debtors concurrently (their store
calls share round trips), each debtor's sends in order. The outputs come in claim order all the same,
and what the sandbox reports meanwhile joins the stream in that order too (by debtor, in the order the
claim's outputs name them), so a run's outputs do not depend on which debtor's round trip came back
first. (One path still reads across debtors: reconciling a send left ``dispatching``, which looks at the
ledgers of the debtors sharing its number and at the sandbox's sends. The runner never leaves a send
``dispatching`` but for an unexpected error in the middle of one.) Likewise a run of provider statuses of
different debtors, one after another in the stream with no due send among them, is worked together: a
status reads and writes its own debtor's record alone (it plans nothing, reaches no one), and its
outputs are emitted in stream order.

Unlike the worker, the runner writes an output once and for all when it emits it, so an event it meets
again (same subject and id) adds nothing, wherever the copy is in the stream; the worker's
re-publication of a processed event's outputs is for a crash between its commit and its publish.
"""

from __future__ import annotations

import asyncio
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
from orchestrator.service.feedback import UnknownProviderMessage
from orchestrator.service.replay import replay_ref

EMBEDDED_PARTITION = 0
DUE_CONCURRENCY = 32  # debtors whose due sends are worked at once (within the store's connection pool)
STATUS_BATCH = 32  # provider statuses of different debtors worked at once
FORGET_BATCH = 256  # published events whose replay blobs are dropped in one round trip
SANDBOX_SOURCE = "urn:parley:sandbox"
INPUT_TOPIC = "replay-input"  # the ``topic`` of the dead letters of input lines (their ``offset``: the line)
SANDBOX_IDS_NOTE = (
    " (a replay sends through the sandbox, whose provider message ids are its own: a status from the input "
    "finds its send by subject and send_id)"
)

ProviderData = ProviderStatus | ProviderInbound
OutputSink = Callable[[OutputEvent], None]
# Asked about every output as it is emitted; what it returns joins the stream. The runner emits a run of
# provider statuses' outputs only once the run is worked, so follow-ups answer sends (``message.dispatched``),
# not statuses.
Observer = Callable[[OutputEvent], Iterable[InboundEvent]]


class VirtualClock:
    """A clock the runner moves; the sandbox channels read it for their send times."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@dataclass(frozen=True, slots=True)
class InputLine:
    """Where a submitted event was read: the line's number and its bytes as read, which its dead letter holds."""

    number: int
    raw: bytes


@dataclass(order=True)
class _Queued:
    at: datetime
    seq: int
    event: InboundEvent = field(compare=False)
    line: InputLine | None = field(compare=False, default=None)


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
        # Due-time hints taken from the outputs, (due ms, how many sends at most); the store stays the truth.
        self._due: list[tuple[int, int]] = []
        self._seq = itertools.count()
        # provider message id → debtor id, from ``message.dispatched``: the sandbox's callbacks then name
        # their debtor, as the webhooks' callbacks do in production.
        self._owners: dict[str, str] = {}
        self.provider_log: list[InboundEvent] | None = None  # a list here keeps every simulated provider event
        self.events_processed = 0
        self.duplicates_skipped = 0
        self.sends_worked = 0
        self._published: list[tuple[str, str, str]] = []  # replay_ref of events whose replay blobs may go
        self._met: set[tuple[str | None, str]] = set()  # (subject, identity) of every event taken in this run
        # While a claim is worked: what the sandbox reports, by debtor, until the claim's outputs give the order.
        self._reported: dict[str, list[InboundEvent]] | None = None

    def submit(self, event: InboundEvent, line: InputLine | None = None) -> None:
        """Queue an inbound event at its own time; ``line``: where it was read, for its dead letter."""
        heapq.heappush(self._queue, _Queued(event.time.astimezone(UTC), next(self._seq), event, line))

    def simulated(self, when: datetime, event_type: str, data: ProviderData, debtor_id: str) -> None:
        """The sandbox's sink: a provider event it will report at ``when``, after a send to ``debtor_id``,
        joins the stream (during a claim, once the claim is worked: ``_work_due``)."""
        key = data.model_dump_json(by_alias=True)
        event = InboundEvent(
            id=stable_id("sim", event_type, key, when.isoformat()),
            type=event_type,
            source=SANDBOX_SOURCE,
            subject=None,
            time=when,
            data=data,
        )
        if self._reported is not None:
            self._reported.setdefault(debtor_id, []).append(event)
            return
        self._report(event)

    def _report(self, event: InboundEvent) -> None:
        if self.provider_log is not None:
            self.provider_log.append(event)
        self.submit(event)

    def _report_claimed(self, outputs: list[OutputEvent]) -> None:
        """What the sandbox reported during a claim, debtor by debtor in the order the claim's outputs name
        them (claim order), each debtor's in the order reported: the order one send after another gives."""
        reported, self._reported = self._reported or {}, None
        named = [output.subject for output in outputs if output.subject is not None and output.subject in reported]
        # then any debtor the outputs do not name (a send whose outputs were lost with an error), in a fixed order
        for debtor in [*dict.fromkeys(named), *sorted(reported.keys() - set(named))]:
            for event in reported[debtor]:
                self._report(event)

    def _emit(self, outputs: list[OutputEvent]) -> None:
        for output in outputs:
            data = output.data
            if isinstance(data, MessageScheduled):
                heapq.heappush(self._due, (int(data.due_at.timestamp() * 1000), 1))
            elif isinstance(data, MessageRescheduled):
                heapq.heappush(self._due, (int(data.to.timestamp() * 1000), 1))
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

    def _first_time(self, event: InboundEvent) -> bool:
        """Whether the runner meets this event (subject, source and id, as the store de-duplicates) for
        the first time in this run: a copy's outputs were written with the first, so it adds nothing."""
        key = (event.subject, event.identity)
        if key in self._met:
            self.duplicates_skipped += 1
            return False
        self._met.add(key)
        return True

    def _take(self, until_ms: int, due_ms: int | None) -> list[_Queued]:
        """The next queued event, addressed; when it is a provider status, the statuses right after it, of
        other debtors, up to the next due send, too (``STATUS_BATCH`` at most)."""
        self._address_head()
        batch = [heapq.heappop(self._queue)]
        debtors = {_status_debtor(batch[0].event)}
        while None not in debtors and self._queue and len(batch) < STATUS_BATCH:
            head = self._address_head()
            at_ms = int(head.at.timestamp() * 1000)
            if at_ms > until_ms or (due_ms is not None and at_ms > due_ms):
                break
            debtor = _status_debtor(head.event)
            if debtor is None or debtor in debtors:
                break
            debtors.add(debtor)
            batch.append(heapq.heappop(self._queue))
        return batch

    def _address_head(self) -> _Queued:
        """The queue's next event, its debtor filled in where the runner knows it (``_addressed``), in place:
        looked at once, whether it is taken now or later (the time and order it is queued by stay)."""
        head = self._queue[0]
        head.event = self._addressed(head.event)
        return head

    async def _process(self, batch: list[_Queued]) -> None:
        """Work the events (one, or statuses of different debtors together); emit their outputs in order."""
        fresh = [queued for queued in batch if self._first_time(queued.event)]
        self.clock.now = max(self.clock.now, batch[0].at)
        results = await asyncio.gather(*(self._outputs_of(queued) for queued in fresh), return_exceptions=True)
        for queued, outputs in zip(fresh, results, strict=True):
            if isinstance(outputs, BaseException):
                raise outputs
            self.clock.now = max(self.clock.now, queued.at)
            self.events_processed += 1
            self._emit(outputs)
            # Emitted is published, here: the event's replay blob may go (in batches, one round trip each).
            published = replay_ref(queued.event, outputs)
            if published is not None:
                self._published.append(published)
        if len(self._published) >= FORGET_BATCH:
            await self._forget_published()

    async def _outputs_of(self, queued: _Queued) -> list[OutputEvent]:
        try:
            return await handle_event(self.ctx, queued.event)
        except NOT_ACTIONABLE as error:
            return [_dead_letter(queued.event, queued.line, error)]

    async def _forget_published(self) -> None:
        published, self._published = self._published, []
        await self.ctx.store.forget_replays(published)

    def _take_due_hints(self, due_ms: int) -> int:
        """Pop the due-time hints at or before ``due_ms``; returns at most how many sends are due by then."""
        sends = 0
        while self._due and self._due[0][0] <= due_ms:
            sends += heapq.heappop(self._due)[1]
        return sends

    async def _work_due(self, due_ms: int) -> None:
        """Claim and work the sends due at ``due_ms``. One claim takes at most ``batch_limit``: the hints
        beyond it go back at this same moment, so the sends left due go now (after any event of this
        moment), not when some unrelated later hint happens to wake the schedule."""
        due = self._take_due_hints(due_ms)
        self.clock.now = max(self.clock.now, datetime.fromtimestamp(due_ms / 1000, UTC))
        self._reported = {}
        outputs: list[OutputEvent] = []
        try:
            outputs = await run_due(self.ctx, EMBEDDED_PARTITION, self.clock.now, self.batch_limit, DUE_CONCURRENCY)
        finally:
            self._report_claimed(outputs)
        self.sends_worked += 1
        if due > self.batch_limit:
            heapq.heappush(self._due, (due_ms, due - self.batch_limit))
        self._emit(outputs)

    async def run(self, until: datetime, progress: Callable[[datetime], None] | None = None) -> None:
        """Run the stream and the schedule up to ``until`` (inclusive)."""
        until_ms = int(until.timestamp() * 1000)
        while True:
            next_event = self._queue[0].at if self._queue else None
            next_due_ms = self._due[0][0] if self._due else None
            event_ms = int(next_event.timestamp() * 1000) if next_event else None
            if event_ms is not None and event_ms <= until_ms and (next_due_ms is None or event_ms <= next_due_ms):
                await self._process(self._take(until_ms, next_due_ms))
            elif next_due_ms is not None and next_due_ms <= until_ms:
                await self._work_due(next_due_ms)
            else:
                break
            if progress is not None:
                progress(self.clock.now)
        await self._forget_published()
        self.clock.now = max(self.clock.now, until)


def _status_debtor(event: InboundEvent) -> str | None:
    """The debtor of a provider status that names one; None for any other event."""
    return event.subject if isinstance(event.data, ProviderStatus) else None


def _dead_letter(event: InboundEvent, line: InputLine | None, error: Exception) -> OutputEvent:
    """The dead letter of an event the core cannot act on, about its debtor: its input line verbatim (an
    event the runner made itself, such as a sandbox report, as JSON) and the reason."""
    reason = str(error)
    if isinstance(error, UnknownProviderMessage) and line is not None:
        reason += SANDBOX_IDS_NOTE
    error_type = type(error).__name__
    if line is None:
        raw = event.model_dump_json(by_alias=True).encode()
        letter = dead_letter(raw, (), reason, "embedded", None, None, event.time, error_type=error_type)
    else:
        letter = line_dead_letter(line, reason, event.time, error_type)
    return letter.model_copy(update={"subject": event.subject}) if event.subject else letter


def line_dead_letter(line: InputLine, reason: str, at: datetime, error_type: str) -> OutputEvent:
    """The dead letter of an input line: the line verbatim, the reason naming the line."""
    reason = f"line {line.number}: {reason}"
    return dead_letter(line.raw, (), reason, INPUT_TOPIC, None, line.number, at, error_type=error_type)
