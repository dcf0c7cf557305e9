"""Use case: an account event arrives (``account-events``).

Two store round trips: load the debtor's record (and learn whether this event was already
processed), then commit the new record, the processed-event marker with its replay blob, the new
sends and the cancellations — atomically, only if nobody changed the record in between.
"""

from __future__ import annotations

from collections.abc import Sequence

from orchestrator.domain import DebtorState
from orchestrator.domain.transitions import apply_event
from orchestrator.events import InboundEvent
from orchestrator.outputs import MessageScheduled, OutputEvent
from orchestrator.service.announce import cancelled, schedule_entry, scheduled
from orchestrator.service.context import ServiceContext
from orchestrator.service.planning import plan_event
from orchestrator.service.record import DebtorRecord
from orchestrator.service.replay import decode_replay, encode_replay
from orchestrator.service.zones import primary_zone
from orchestrator.storage import Commit

MAX_CONFLICT_RETRIES = 16


class UnknownDebtor(Exception):
    """Raised when an event names a debtor Parley has never seen placed (it cannot be acted on)."""


class ConcurrentUpdates(Exception):
    """Raised when a debtor's record kept changing under us for every retry (a stuck writer)."""


def destinations_index(state: DebtorState) -> dict[str, str]:
    """Normalised number/address → debtor id, so inbound replies find their debtor."""
    index = {phone.number: state.debtor_id for phone in state.profile.phones}
    index.update({email.address.strip().lower(): state.debtor_id for email in state.profile.emails})
    return index


async def handle_account_event(ctx: ServiceContext, event: InboundEvent) -> list[OutputEvent]:
    """Apply, plan, commit; return the outputs to publish. Re-processing returns the same outputs."""
    debtor_id = event.subject
    if not debtor_id:
        raise UnknownDebtor(f"{event.type} {event.id} has no subject (debtor id)")
    for _ in range(MAX_CONFLICT_RETRIES):
        loaded = await ctx.store.load(debtor_id, event.id)
        if loaded.replay is not None:
            replayed, schedule = decode_replay(loaded.replay)
            await ctx.store.restore_due(debtor_id, schedule)
            return replayed
        record = DebtorRecord.from_bytes(loaded.state) if loaded.state else None
        if record is None and event.type != "account.placed":
            raise UnknownDebtor(f"{event.type} for debtor {debtor_id!r}, who was never placed (no account.placed)")
        state = apply_event(record.state if record else None, event)
        record = record.with_state(state) if record else DebtorRecord(state=state)
        plan = plan_event(event, record, ctx.cadences, primary_zone(ctx, state))
        cancelled_ids = [send for send in plan.cancel if send in record.pending]
        cancelled_accounts = {send: record.pending[send] for send in cancelled_ids}
        record = record.without(set(cancelled_ids)).adding(
            {send.send_id: send.account_ids for send in plan.sends if send.send_id not in record.pending}
        )
        partition = ctx.partition_of(debtor_id)
        schedule = [schedule_entry(send, partition) for send in plan.sends]
        outputs = [
            cancelled(ctx, send, debtor_id, cancelled_accounts[send], plan.cancel_reason, event)
            for send in cancelled_ids
        ]
        outputs += [scheduled(ctx, send, event) for send in plan.sends]
        commit = Commit(
            debtor_id=debtor_id,
            expected_version=loaded.version,
            state=record.to_bytes(),
            event_id=event.id,
            replay=encode_replay(outputs, schedule),
            schedule=schedule,
            cancel=cancelled_ids,
            index=destinations_index(state) if event.type in ("account.placed", "debtor.updated") else {},
        )
        result = await ctx.store.commit(commit)
        if result.ok:
            return outputs
    raise ConcurrentUpdates(f"debtor {debtor_id!r}: {MAX_CONFLICT_RETRIES} version conflicts in a row")


def scheduled_ids(outputs: Sequence[OutputEvent]) -> list[str]:
    """The send ids a batch of outputs scheduled (tests and the embedded runner's bookkeeping)."""
    return [event.data.send_id for event in outputs if isinstance(event.data, MessageScheduled)]
