"""One due send being worked: the context, the send, the clock reading, and what it produced.

Shared by the dispatch use case (``dispatch.py``) and reconciliation (``reconcile.py``): emitting
outputs, taking the send off the debtor's schedule, and closing it in the store.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from orchestrator.domain.transitions import withdraw_attempt
from orchestrator.outputs import (
    MessageSuppressed,
    OutputEvent,
    RuleReason,
    new_output,
)
from orchestrator.service.context import ServiceContext
from orchestrator.service.record import DebtorRecord
from orchestrator.service.sends import PlannedSend
from orchestrator.storage import SendRef

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

    async def finish(
        self, partition: int, record: DebtorRecord | None = None, version: int = 0, change: Change | None = None
    ) -> None:
        """Close the send (it is final: the outputs say how) and write ``change(record)`` if the state
        is still at ``version``. If it moved on meanwhile (an event for the debtor landed during the
        provider call), the send is closed all the same and ``change`` is applied to the fresh record —
        the provider id, the failure, the send taken off the schedule are never lost to a race."""
        if record is None or change is None:
            await self.ctx.store.finish_dispatch(self.ref.debtor_id, self.ref.send_id, partition)
            return
        finished = await self.ctx.store.finish_dispatch(
            self.ref.debtor_id, self.ref.send_id, partition, state=change(record).to_bytes(), expected_version=version
        )
        if finished.recorded and not finished.state_written:
            await self._apply_to_fresh(change)

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
    ) -> None:
        """``dispatching`` → ``scheduled`` at ``due``: the provider never took the send (a transient
        refusal, or a crash before the call), so its attempt leaves the ledger and it goes again."""
        ref = self.ref

        def reverted(fresh: DebtorRecord) -> DebtorRecord:
            withdrawn = fresh.with_state(withdraw_attempt(fresh.state, ref.send_id))
            return withdrawn.adding([planned])

        released = await self.ctx.store.release_dispatch(
            ref.debtor_id, ref.send_id, partition, epoch_ms(due), version, reverted(record).to_bytes()
        )
        if released.released and not released.state_written:  # an event landed during the provider call
            await self._apply_to_fresh(reverted)

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
