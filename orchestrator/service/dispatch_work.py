"""One due send being worked: the context, the send, the clock reading, and what it produced.

Shared by the dispatch use case (``dispatch.py``) and reconciliation (``reconcile.py``): emitting
outputs, taking the send off the debtor's schedule (into flight), closing it in the store, handing it
back to the schedule or giving it up as failed — or, when an event cancelled it during its provider
call, closing it as cancelled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from enum import StrEnum

from orchestrator.domain.transitions import withdraw_attempt
from orchestrator.outputs import (
    MessageCancelled,
    MessageSuppressed,
    OutputEvent,
    RuleReason,
    new_output,
)
from orchestrator.service.context import ServiceContext
from orchestrator.service.record import DebtorRecord, Tombstone
from orchestrator.service.sends import PlannedSend
from orchestrator.storage import Loaded, ReleaseOutcome, SendRef, SendStatus

MAX_CONFLICT_RETRIES = 16

Change = Callable[[DebtorRecord], DebtorRecord]  # what finishing a send does to the debtor's record


class Unsent(StrEnum):
    """What became of a send the provider did not take (``Dispatch.hand_back``, ``Dispatch.give_up``)."""

    RESCHEDULED = "rescheduled"
    """Back on the schedule, its attempt out of the ledger: the caller announces when it goes again."""
    FAILED = "failed"
    """Closed as failed: the caller announces it."""
    CANCELLED = "cancelled"
    """An event cancelled it during its provider call: closed, and ``message.cancelled`` emitted."""
    TAKEN = "taken"
    """Another worker has it now (this one outlasted its lease): nothing written, nothing to announce."""


class _Wrote(StrEnum):
    """What a conditional write of a send's end found."""

    DONE = "done"
    CONFLICT = "conflict"  # the record moved on: nothing written, the send still dispatching
    GONE = "gone"  # the send is no longer dispatching: nothing written


_RELEASED = {
    ReleaseOutcome.RELEASED: _Wrote.DONE,
    ReleaseOutcome.CONFLICT: _Wrote.CONFLICT,
    ReleaseOutcome.NOT_DISPATCHING: _Wrote.GONE,
}

_Write = Callable[[DebtorRecord, int], Awaitable[_Wrote]]  # a send's end, written on a record at its version


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _began(record: DebtorRecord, send_id: str) -> datetime | None:
    """When the send's attempt in the ledger began (which dispatch of it the record is about)."""
    return next((attempt.at for attempt in record.state.ledger if attempt.id == send_id), None)


class Dispatch:
    """One due send being worked: the context, the send, the clock reading, and what it produced."""

    def __init__(self, ctx: ServiceContext, ref: SendRef, now: datetime) -> None:
        self.ctx, self.ref, self.now = ctx, ref, now
        self.outputs: list[OutputEvent] = []
        self.attempts = 0  # provider attempts so far (transient failures), for the backoff

    def emit(self, data: object, *id_parts: str) -> None:
        self.outputs.append(
            new_output(data, subject=self.ref.debtor_id, time=self.now, id_parts=id_parts, source=self.ctx.source)  # type: ignore[arg-type]
        )

    def off_schedule(self, record: DebtorRecord) -> DebtorRecord:
        """The record with this send taken off the schedule for good (and remembered as such)."""
        return record.finishing({self.ref.send_id}, self.now, self.ctx.finished_window)

    def launching(self, record: DebtorRecord, planned: PlannedSend) -> DebtorRecord:
        """The record with this send off the schedule and in its provider call, where a cancellation
        landing meanwhile finds it (written as the dispatch begins)."""
        return self.off_schedule(record).launching(planned)

    def withdrawn(self, record: DebtorRecord) -> DebtorRecord:
        """The record without this send's attempt (the provider never took it), its provider call over."""
        send_id = self.ref.send_id
        return record.with_state(withdraw_attempt(record.state, send_id)).landing(send_id)

    async def finish(self, partition: int, record: DebtorRecord, version: int, change: Change | None = None) -> None:
        """Close the send (it is final: the outputs say how) and write ``change(record)`` if the state
        is still at ``version``. If it moved on meanwhile (an event for the debtor landed during the
        provider call), the send is closed all the same and ``change`` is applied to the fresh record —
        the provider id, the failure, the send taken off the schedule are never lost to a race. Either
        way the send is no longer in flight (``DebtorRecord.landing``; should this worker stop before
        the fresh record says so, the next dispatch to write it prunes the entry: ``record_of``)."""
        send_id = self.ref.send_id

        def landed(fresh: DebtorRecord) -> DebtorRecord:
            return (change(fresh) if change else fresh).landing(send_id)

        finished = await self.ctx.store.finish_dispatch(
            self.ref.debtor_id, send_id, partition, state=landed(record).to_bytes(), expected_version=version
        )
        if finished.recorded and not finished.state_written:
            await self._apply_to_fresh(landed)

    def record_of(self, loaded: Loaded) -> DebtorRecord:
        """The debtor's record as loaded for dispatch, less the in-flight entries of sends no longer
        pending (``Loaded.pending``): a worker closed them and stopped before its record said so. What
        this worker writes next carries the cleanup, at no cost of its own; its own send is kept."""
        assert loaded.state is not None and loaded.pending is not None  # load_for_dispatch reads both
        return DebtorRecord.from_bytes(loaded.state).pruning_in_flight(loaded.pending | {self.ref.send_id})

    async def _apply_to_fresh(self, change: Change) -> None:
        """``change`` on the debtor's current record, compare-and-set until it holds."""
        ref = self.ref
        for _ in range(MAX_CONFLICT_RETRIES):
            loaded, _ = await self.ctx.store.load_for_dispatch(ref.debtor_id, ref.send_id)
            if loaded.state is None:
                return
            record = change(self.record_of(loaded))
            if (await self.ctx.store.update_state(ref.debtor_id, loaded.version, record.to_bytes())).ok:
                return
        raise RuntimeError(f"send {ref.send_id}: {MAX_CONFLICT_RETRIES} version conflicts in a row")

    async def hand_back(
        self, partition: int, record: DebtorRecord, version: int, planned: PlannedSend, due: datetime
    ) -> Unsent:
        """``dispatching`` → ``scheduled`` at ``due``: the provider never took the send (a transient
        refusal, or a crash before the call), so its attempt leaves the ledger and it goes again
        (``RESCHEDULED``) — unless an event cancelled it during the provider call (``CANCELLED``).

        The release holds only with the record it was decided on (``_unless_cancelled``), so the send is
        never back on the schedule while its record still shows it in flight."""
        ref = self.ref

        async def release(current: DebtorRecord, at: int) -> _Wrote:
            reverted = self.withdrawn(current).adding([planned])
            released = await self.ctx.store.release_dispatch(
                ref.debtor_id, ref.send_id, partition, epoch_ms(due), at, reverted.to_bytes()
            )
            return _RELEASED[released.outcome]

        return await self._unless_cancelled(partition, record, version, planned, release, Unsent.RESCHEDULED)

    async def give_up(
        self, partition: int, record: DebtorRecord, version: int, planned: PlannedSend, change: Change
    ) -> Unsent:
        """Close the send as failed, ``change`` saying what the failure teaches (``FAILED``; the caller
        announces it) — unless an event cancelled it during the provider call (``CANCELLED``): a send
        refused for now and cancelled meanwhile is cancelled, whether or not it had retries left."""
        ref = self.ref

        async def close(current: DebtorRecord, at: int) -> _Wrote:
            failed = change(current).landing(ref.send_id)
            finished = await self.ctx.store.finish_dispatch(
                ref.debtor_id, ref.send_id, partition, failed.to_bytes(), at, only_if_current=True
            )
            if finished.recorded:
                return _Wrote.DONE
            return _Wrote.CONFLICT if finished.version != at else _Wrote.GONE

        return await self._unless_cancelled(partition, record, version, planned, close, Unsent.FAILED)

    async def _unless_cancelled(
        self, partition: int, record: DebtorRecord, version: int, planned: PlannedSend, write: _Write, done: Unsent
    ) -> Unsent:
        """``write`` what became of a send the provider did not take, on ``record`` and only if it is
        still the debtor's (at ``version``) — or, if an event cancelled the send during its provider call
        (its tombstone), close it as cancelled.

        A write refused on its version changes nothing: the send stays ``dispatching`` under this worker's
        claim (its due entry is not brought forward), the fresh record is read and decides again. If the
        send is no longer on this worker's attempt (it outlasted its lease, and another took the send up),
        nothing is written: ``TAKEN``."""
        ref = self.ref
        began = _began(record, ref.send_id)
        for _ in range(MAX_CONFLICT_RETRIES):
            tombstone = record.tombstone(ref.send_id)
            if tombstone is not None:
                await self.close_cancelled(partition, record, version, planned, tombstone)
                return Unsent.CANCELLED
            wrote = await write(record, version)
            if wrote == _Wrote.DONE:
                return done
            if wrote == _Wrote.GONE:
                return Unsent.TAKEN
            loaded, send = await self.ctx.store.load_for_dispatch(ref.debtor_id, ref.send_id)
            if loaded.state is None or send is None or send.status != SendStatus.DISPATCHING:
                return Unsent.TAKEN
            record, version = self.record_of(loaded), loaded.version
            if _began(record, ref.send_id) != began:
                return Unsent.TAKEN
        raise RuntimeError(f"send {ref.send_id}: {MAX_CONFLICT_RETRIES} version conflicts in a row")

    async def publish_now(self) -> None:
        """Publish the outputs so far before the store records what they say (where the caller publishes
        durably: ``ServiceContext.publish``): a stop in between leaves the send pending, to be worked
        again and announced again under the same event ids, which consumers de-duplicate. The other way
        round, a stop would leave a closed send whose announcement is lost."""
        if self.ctx.publish is not None:
            await self.ctx.publish(self.outputs)
            self.outputs.clear()

    async def close_cancelled(
        self, partition: int, record: DebtorRecord, version: int, planned: PlannedSend, tombstone: Tombstone
    ) -> None:
        """Close a send an event cancelled during its provider call, which the provider never took: its
        attempt leaves the ledger, it stays off the schedule, and ``message.cancelled`` says why.

        Announced first, closed second (``publish_now``): the event that cancelled the send held its
        announcement back, so this one is the only one there is. A stop in between leaves the send
        pending with its tombstone, and whoever works it next closes and announces it again."""
        ref = self.ref
        data = MessageCancelled(
            send_id=ref.send_id,
            debtor_id=ref.debtor_id,
            account_ids=planned.account_ids,
            reason=tombstone.reason,
            cause_event_id=tombstone.cause_event_id,
        )
        self.emit(data, ref.send_id)
        await self.publish_now()
        await self.finish(partition, record, version, lambda fresh: self.off_schedule(self.withdrawn(fresh)))

    async def suppress(
        self,
        partition: int,
        record: DebtorRecord,
        version: int,
        planned: PlannedSend,
        channel: str,
        rules: tuple[RuleReason, ...],
    ) -> None:
        """Record the send as suppressed (no longer pending) and say which rules stopped it."""
        ref = self.ref
        await self.finish(partition, record, version, self.off_schedule)
        data = MessageSuppressed(
            send_id=ref.send_id, debtor_id=ref.debtor_id, account_ids=planned.account_ids, channel=channel, rules=rules
        )
        self.emit(data, ref.send_id)
