"""Use case: an account event arrives (``account-events``).

Two store round trips: load the debtor's record (and learn whether this event was already
processed), then commit the new record, the processed-event marker with its replay blob, the new
sends and the cancellations — atomically, only if nobody changed the record in between. A batch of
different debtors' events shares the two round trips (``handle_account_events``).

The record knows what each pending send is for, so a cancellation that depends on it (a hold that
permits some purposes, a cadence's ``cancel_purposes``) costs nothing more. Only sends scheduled before
records kept purposes are read from their payloads: one more round trip, once per such record. It knows
the sends in their provider call too: one the event would cancel cannot be called back, so the record
marks it (its tombstone) and no ``message.cancelled`` goes out yet; if the provider then refuses it, the
dispatch closes it as cancelled instead of handing it back to the schedule (``dispatch_work.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, replace

from orchestrator.domain import DebtorState
from orchestrator.domain.model import Promise
from orchestrator.domain.transitions import apply_event
from orchestrator.events import AccountPlaced, InboundEvent, PromiseCreated
from orchestrator.limits import MAX_ACCOUNTS_PER_DEBTOR
from orchestrator.outputs import MessageScheduled, OutputEvent
from orchestrator.reasons import quoted
from orchestrator.service.announce import cancelled, schedule_entry, scheduled
from orchestrator.service.context import ServiceContext
from orchestrator.service.destinations import destinations_of
from orchestrator.service.planning import Plan, plan_event, purposes_matter
from orchestrator.service.record import DebtorRecord
from orchestrator.service.replay import decode_replay, encode_replay
from orchestrator.service.sends import PlannedSend
from orchestrator.service.targeting import aimed
from orchestrator.service.zones import primary_zone
from orchestrator.storage import Commit, Loaded

MAX_CONFLICT_RETRIES = 16


class CannotAct(Exception):
    """Raised for an account event the core understood but cannot act on (it is dead-lettered with the
    reason)."""


class UnknownDebtor(CannotAct):
    """Raised when an event names a debtor Parley has never seen placed."""


class TooManyAccounts(CannotAct):
    """Raised when an ``account.placed`` would give a debtor more than ``MAX_ACCOUNTS_PER_DEBTOR`` accounts:
    every output about the debtor lists their open accounts, and their record holds all of them."""


class ConcurrentUpdates(Exception):
    """Raised when a debtor's record kept changing under us for every retry (a stuck writer)."""


async def handle_account_event(ctx: ServiceContext, event: InboundEvent) -> list[OutputEvent]:
    """Apply, plan, commit; return the outputs to publish. Re-processing returns the same outputs."""
    debtor_id = _debtor_of(event)
    for _ in range(MAX_CONFLICT_RETRIES):
        loaded = await ctx.store.load(debtor_id, event.identity, event.id)  # an older blob: under the bare id
        if loaded.replay is not None:
            return await _replayed(ctx, debtor_id, loaded.replay)
        record = _record_of(loaded)
        if record is not None and record.has_seen(event.identity, event.id):
            return []  # processed and published before
        planned = await _plan(ctx, event, loaded.version, record)
        result = await ctx.store.commit(planned.commit)
        if result.ok:
            return planned.outputs
    raise ConcurrentUpdates(f"debtor {debtor_id!r}: {MAX_CONFLICT_RETRIES} version conflicts in a row")


async def handle_account_events(
    ctx: ServiceContext, events: Sequence[InboundEvent]
) -> list[list[OutputEvent] | CannotAct]:
    """``handle_account_event`` for events of different debtors at once: one load and one commit round
    trip for all of them; an event whose commit met a version conflict is retried alone. Results are in
    the order of ``events``; an event that cannot be acted on gets its ``CannotAct``."""
    subjects = [event.subject for event in events if event.subject]
    if len(set(subjects)) != len(subjects):
        raise ValueError("a batch holds at most one event per debtor (a debtor's events go in order)")
    results: list[list[OutputEvent] | CannotAct] = [[] for _ in events]
    planned: list[tuple[int, Planned]] = []
    loadable: list[int] = []
    for n, event in enumerate(events):
        try:
            _debtor_of(event)
        except UnknownDebtor as error:
            results[n] = error
        else:
            loadable.append(n)
    loaded = await ctx.store.load_many([(events[n].subject or "", events[n].identity, events[n].id) for n in loadable])
    fresh: list[tuple[int, int, DebtorRecord | None]] = []
    for n, state in zip(loadable, loaded, strict=True):
        if state.replay is not None:
            results[n] = await _replayed(ctx, events[n].subject or "", state.replay)
            continue
        record = _record_of(state)
        if record is not None and record.has_seen(events[n].identity, events[n].id):
            continue  # processed and published before: nothing to do again
        fresh.append((n, state.version, record))
    # Planned together, so the pending-send reads some cancellations need share one round trip.
    plans = await asyncio.gather(
        *(_plan_or_cannot_act(ctx, events[n], version, record) for n, version, record in fresh)
    )
    for (n, _, _), outcome in zip(fresh, plans, strict=True):
        if isinstance(outcome, CannotAct):
            results[n] = outcome
        else:
            planned.append((n, outcome))
    committed = await ctx.store.commit_many([plan.commit for _, plan in planned])
    for (n, plan), result in zip(planned, committed, strict=True):
        results[n] = plan.outputs if result.ok else await handle_account_event(ctx, events[n])
    return results


@dataclass(frozen=True, slots=True)
class Planned:
    """What an event does to a debtor loaded at one version: the commit, and the outputs once it holds."""

    commit: Commit
    outputs: list[OutputEvent]


def _debtor_of(event: InboundEvent) -> str:
    if not event.subject:
        raise UnknownDebtor(f"{event.type} {event.id} has no subject (debtor id)")
    return event.subject


def _record_of(loaded: Loaded) -> DebtorRecord | None:
    return DebtorRecord.from_bytes(loaded.state) if loaded.state else None


async def _replayed(ctx: ServiceContext, debtor_id: str, replay: bytes) -> list[OutputEvent]:
    """An event processed before and not yet known published: its recorded outputs again, and its due
    entries back in place."""
    replayed, schedule = decode_replay(replay)
    await ctx.store.restore_due(debtor_id, schedule)
    return replayed


def _check_account_limit(state: DebtorState | None, event: InboundEvent) -> None:
    data = event.data
    if state is None or not isinstance(data, AccountPlaced) or state.account(data.account.id) is not None:
        return
    if len(state.accounts) >= MAX_ACCOUNTS_PER_DEBTOR:
        raise TooManyAccounts(
            f"debtor {quoted(state.debtor_id)} has {len(state.accounts)} accounts already, the most one "
            f"debtor may have: account {quoted(data.account.id)} is not placed"
        )


async def _plan_or_cannot_act(
    ctx: ServiceContext, event: InboundEvent, version: int, record: DebtorRecord | None
) -> Planned | CannotAct:
    try:
        return await _plan(ctx, event, version, record)
    except CannotAct as error:
        return error


async def _plan(ctx: ServiceContext, event: InboundEvent, version: int, record: DebtorRecord | None) -> Planned:
    debtor_id = _debtor_of(event)
    if record is None and event.type != "account.placed":
        raise UnknownDebtor(f"{event.type} for debtor {debtor_id!r}, who was never placed (no account.placed)")
    prior = record.state if record else None
    _check_account_limit(prior, event)
    state = apply_event(prior, event)
    profile_changed = event.type in ("account.placed", "debtor.updated")
    record = (record or DebtorRecord(state=state)).seeing(event.identity, event.time, ctx.dedupe_window, state)
    if purposes_matter(event, ctx.cadences):
        record = await with_purposes(ctx, record)
    zone = primary_zone(ctx, state)
    plan = Plan() if _repeats_promise(prior, event) else plan_event(event, record, ctx.cadences, zone)
    sends = [
        aimed(state, send, ctx.policy, zone, ctx.renderer.channels_of(send.template_id), naive=ctx.naive_policy)
        for send in plan.sends
        if not record.planned_before(send.send_id)  # the event came again after the de-duplication window
    ]
    reasons = plan.cancel
    cancelled_ids = list(reasons)
    cancelled_accounts = {send: record.pending[send] for send in cancelled_ids}
    record = (
        record.finishing(set(cancelled_ids), event.time, ctx.finished_window)
        .adding(send for send in sends if send.send_id not in record.pending)
        .cancelling_in_flight(plan.cancel_in_flight, event.id)
    )
    partition = ctx.partition_of(debtor_id)
    schedule = [schedule_entry(send, partition) for send in sends]
    outputs = [
        cancelled(ctx, send, debtor_id, cancelled_accounts[send], reasons[send], event) for send in cancelled_ids
    ]
    outputs += [scheduled(ctx, send, event) for send in sends]
    commit = Commit(
        debtor_id=debtor_id,
        expected_version=version,
        state=record.to_bytes(),
        event_id=event.identity,
        replay=encode_replay(outputs, schedule),
        schedule=schedule,
        cancel=cancelled_ids,
        index=destinations_of(state) - destinations_of(prior) if profile_changed else (),
        unindex=destinations_of(prior) - destinations_of(state) if profile_changed else (),
    )
    return Planned(commit, outputs)


def _repeats_promise(prior: DebtorState | None, event: InboundEvent) -> bool:
    """A ``promise.created`` for the promise the account already holds (the same amount and date: the
    creditor's system echoing a promise Parley recorded from the debtor's reply) changes nothing, so it
    plans nothing — no second confirmation, no second reminder."""
    data = event.data
    if prior is None or not isinstance(data, PromiseCreated):
        return False
    account = next((a for a in prior.accounts if a.id == data.account_id), None)
    return account is not None and account.promise == Promise(data.amount, data.due_date)


async def with_purposes(ctx: ServiceContext, record: DebtorRecord) -> DebtorRecord:
    """``record`` knowing the purposes of its pending sends: those scheduled before records kept them
    are read from their payloads (asked at once: the store pipelines them). A send that left the
    schedule meanwhile stays unknown (the store cancels only what is still scheduled)."""
    unknown = [send for send in record.pending if send not in record.purposes]
    if not unknown:
        return record
    debtor_id = record.state.debtor_id
    found = await asyncio.gather(*(ctx.store.get_send(debtor_id, send) for send in unknown))
    read = {
        send.send_id: PlannedSend.from_bytes(send.payload).purpose
        for send in found
        if send is not None and send.payload is not None
    }
    return replace(record, purposes={**record.purposes, **read})


def scheduled_ids(outputs: Sequence[OutputEvent]) -> list[str]:
    """The send ids a batch of outputs scheduled (tests and the embedded runner's bookkeeping)."""
    return [event.data.send_id for event in outputs if isinstance(event.data, MessageScheduled)]
