"""One due send being worked: the context, the send, the clock reading, and what it produced.

Shared by the dispatch use case (``dispatch.py``) and reconciliation (``reconcile.py``): emitting
outputs, taking the send off the debtor's schedule (into flight), closing it in the store, handing it
back to the schedule — or, when an event cancelled it during its provider call, closing it as cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

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
from orchestrator.storage import SendRef, SendStatus

MAX_CONFLICT_RETRIES = 16

Change = Callable[[DebtorRecord], DebtorRecord]  # what finishing a send does to the debtor's record


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


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
        way the send is no longer in flight (``DebtorRecord.landing``)."""
        send_id = self.ref.send_id

        def landed(fresh: DebtorRecord) -> DebtorRecord:
            return (change(fresh) if change else fresh).landing(send_id)

        finished = await self.ctx.store.finish_dispatch(
            self.ref.debtor_id, send_id, partition, state=landed(record).to_bytes(), expected_version=version
        )
        if finished.recorded and not finished.state_written:
            await self._apply_to_fresh(landed)

    async def _apply_to_fresh(self, change: Change) -> None:
        """``change`` on the debtor's current record, compare-and-set until it holds."""
        ref = self.ref
        for _ in range(MAX_CONFLICT_RETRIES):
            loaded, _ = await self.ctx.store.load_for_dispatch(ref.debtor_id, ref.send_id)
            if loaded.state is None:
                return
            record = change(DebtorRecord.from_bytes(loaded.state))
            if (await self.ctx.store.update_state(ref.debtor_id, loaded.version, record.to_bytes())).ok:
                return
        raise RuntimeError(f"send {ref.send_id}: {MAX_CONFLICT_RETRIES} version conflicts in a row")

    async def hand_back(
        self, partition: int, record: DebtorRecord, version: int, planned: PlannedSend, due: datetime
    ) -> bool:
        """``dispatching`` → ``scheduled`` at ``due``: the provider never took the send (a transient
        refusal, or a crash before the call), so its attempt leaves the ledger and it goes again; True.

        Unless an event cancelled it during the provider call (its tombstone in the record): then it is
        closed instead and ``message.cancelled`` says why and names that event; False."""
        tombstone = record.tombstone(self.ref.send_id)
        if tombstone is not None:
            await self.close_cancelled(partition, record, version, planned, tombstone)
            return False

        def reverted(fresh: DebtorRecord) -> DebtorRecord:
            return self.withdrawn(fresh).adding([planned])

        ref = self.ref
        released = await self.ctx.store.release_dispatch(
            ref.debtor_id, ref.send_id, partition, epoch_ms(due), version, reverted(record).to_bytes()
        )
        if not released.released or released.state_written:
            return True
        # An event landed during the provider call, and the send is back on the schedule: fold the
        # hand-back into the fresh record, or close the send if that event cancelled it.
        for _ in range(MAX_CONFLICT_RETRIES):
            loaded, send = await self.ctx.store.load_for_dispatch(ref.debtor_id, ref.send_id)
            if loaded.state is None or send is None or send.status != SendStatus.SCHEDULED:
                return True  # another worker took it up since: the record is theirs to write
            fresh = DebtorRecord.from_bytes(loaded.state)
            tombstone = fresh.tombstone(ref.send_id)
            if tombstone is not None:
                # No worker begins a send its record has a tombstone for (``dispatch``), so closing the
                # scheduled send cannot cut under another's provider call.
                await self.close_cancelled(partition, fresh, loaded.version, planned, tombstone)
                return False
            if (await self.ctx.store.update_state(ref.debtor_id, loaded.version, reverted(fresh).to_bytes())).ok:
                return True
        raise RuntimeError(f"send {ref.send_id}: {MAX_CONFLICT_RETRIES} version conflicts in a row")

    async def close_cancelled(
        self, partition: int, record: DebtorRecord, version: int, planned: PlannedSend, tombstone: Tombstone
    ) -> None:
        """Close a send an event cancelled during its provider call, which the provider never took: its
        attempt leaves the ledger, it stays off the schedule, and ``message.cancelled`` goes out now."""
        ref = self.ref
        await self.finish(partition, record, version, lambda fresh: self.off_schedule(self.withdrawn(fresh)))
        data = MessageCancelled(
            send_id=ref.send_id,
            debtor_id=ref.debtor_id,
            account_ids=planned.account_ids,
            reason=tombstone.reason,
            cause_event_id=tombstone.cause_event_id,
        )
        self.emit(data, ref.send_id)

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
