"""A send found ``dispatching``: did the provider get it? Ask the provider rather than guess.

A worker stopped between marking a send ``dispatching`` and recording its outcome. Once the lease has
run out since the attempt began, the provider's own records decide (``Channel.find_sent``); when they
cannot, the send is closed as ``message.outcome_unknown`` for an operator — never sent blindly again.

A destination several debtors share (a household's phone) needs care: what the provider holds for it
may be a housemate's message. Their ledgers are read (only here, on this rare path, and only when the
provider lists a message no attempt of the debtor owns): their messages are left out, and while one of
their attempts to the destination is itself in doubt, a message may be either's, so it is credited to
neither.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from orchestrator.domain import Attempt
from orchestrator.domain.transitions import record_provider_id
from orchestrator.outbound import ProviderError, SendResult
from orchestrator.outputs import (
    MessageDispatched,
    MessageOutcomeUnknown,
    MessageRescheduled,
    RuleReason,
)
from orchestrator.service.destinations import normalise_destination
from orchestrator.service.dispatch_work import Dispatch, Unsent, epoch_ms
from orchestrator.service.record import DebtorRecord
from orchestrator.service.sends import PlannedSend

RECONCILE_SLACK = timedelta(minutes=2)  # provider clocks and second-resolution timestamps


async def reconcile(work: Dispatch, record: DebtorRecord, version: int, planned: PlannedSend, partition: int) -> bool:
    """A send left ``dispatching``: did the provider get it? Ask the provider rather than guess.

    Until the lease has run out since the attempt began, another worker may still be in its provider
    call: leave it. After that, the provider's own records decide, less the messages other attempts own
    (the debtor's, and those of the debtors sharing the destination): none left → it never left, so it
    goes back to the schedule and is sent once (or, if an event cancelled it meanwhile, is closed as
    cancelled); exactly one → it was sent, record it. More than one, a provider that cannot tell
    (SendGrid), or another attempt to the destination in doubt too → ``outcome_unknown``, for an
    operator to reconcile. While that other attempt may still be in its provider call (its record will
    name its message), or while the provider's list API fails, the outcome cannot be told *now*: the
    send is left claimed, and its lease brings it back. Never a blind retry.
    """
    ctx, ref, now = work.ctx, work.ref, work.now
    attempt = next((a for a in record.state.ledger if a.id == ref.send_id), None)
    if attempt is None:
        return await _unknown(work, record, version, partition, "the provider cannot tell whether it got it")
    if now - attempt.at < ctx.lease:
        return True
    try:
        found = await _unowned_messages(work, record, attempt)
    except ProviderError:
        return True  # the provider cannot answer now (its list API failed): the lease brings the send back
    if found is None:
        return await _unknown(work, record, version, partition, "the provider cannot tell whether it got it")
    if not found:
        return await _send_again(work, record, version, planned, partition)
    others = await _housemates_ledgers(work, attempt)
    theirs = _provider_ids(others)
    found = [r for r in found if r.provider_message_id not in theirs]
    if not found:
        return await _send_again(work, record, version, planned, partition)
    since = attempt.at - RECONCILE_SLACK - ctx.lease  # a provider call ends within a lease of its start
    doubtful = _in_doubt([_ledger_without(record, ref.send_id), *others], attempt, since, now)
    if any(now - other.at < ctx.lease for other in doubtful):
        return True  # that send may still be in its provider call: its record will tell, by the next lease
    if doubtful:
        reason = "another send to the same destination is in doubt too; the provider's message may be either's"
        return await _unknown(work, record, version, partition, reason)
    if len(found) > 1:
        return await _unknown(work, record, version, partition, f"the provider holds {len(found)} candidate messages")
    return await _sent(work, record, version, planned, partition, attempt, found[0].provider_message_id)


async def _unowned_messages(work: Dispatch, record: DebtorRecord, attempt: Attempt) -> list[SendResult] | None:
    """What the provider accepted for the destination since the attempt began, less what the debtor's
    other attempts own; None when the provider cannot tell."""
    channel = work.ctx.channels[attempt.channel]
    sent = await channel.find_sent(attempt.destination, attempt.at - RECONCILE_SLACK, work.now)
    if sent is None:
        return None
    known = _provider_ids([_ledger_without(record, work.ref.send_id)])
    return [result for result in sent if result.provider_message_id not in known]


async def _housemates_ledgers(work: Dispatch, attempt: Attempt) -> list[tuple[Attempt, ...]]:
    """The ledgers of the other debtors the destination belongs to (two round trips: the destination
    index, then their records)."""
    ctx, ref = work.ctx, work.ref
    owners = await ctx.store.debtors_at(normalise_destination(attempt.channel, attempt.destination))
    others = [owner for owner in owners if owner != ref.debtor_id]
    if not others:
        return []
    loaded = await ctx.store.load_many([(owner, ref.send_id) for owner in others])  # no event has a send's id
    return [DebtorRecord.from_bytes(load.state).state.ledger for load in loaded if load.state is not None]


def _ledger_without(record: DebtorRecord, attempt_id: str) -> tuple[Attempt, ...]:
    return tuple(a for a in record.state.ledger if a.id != attempt_id)


def _provider_ids(ledgers: Iterable[Sequence[Attempt]]) -> set[str]:
    return {a.provider_message_id for ledger in ledgers for a in ledger if a.provider_message_id}


def _in_doubt(
    ledgers: Iterable[Sequence[Attempt]], attempt: Attempt, since: datetime, until: datetime
) -> list[Attempt]:
    """The attempts to the attempt's destination and channel begun between ``since`` and ``until`` whose
    outcome is in doubt too: not failed, and no provider id recorded (yet, or ever)."""
    destination = normalise_destination(attempt.channel, attempt.destination)
    return [
        other
        for ledger in ledgers
        for other in ledger
        if other.channel == attempt.channel
        and normalise_destination(other.channel, other.destination) == destination
        and not other.provider_message_id
        and other.outcome != "failed"
        and since <= other.at <= until
    ]


async def _sent(
    work: Dispatch,
    record: DebtorRecord,
    version: int,
    planned: PlannedSend,
    partition: int,
    attempt: Attempt,
    provider_id: str,
) -> bool:
    """The provider has it: announce it (before the record, as a dispatch does) and close it."""
    ref = work.ref
    work.emit(
        MessageDispatched(
            send_id=ref.send_id,
            debtor_id=ref.debtor_id,
            account_ids=planned.account_ids,
            channel=attempt.channel,
            to=attempt.destination,
            template_id=planned.template_id,
            template_version="",
            provider_message_id=provider_id,
            locale=record.state.profile.language,
        ),
        ref.send_id,
    )
    await work.publish_now()
    await work.finish(
        partition, record, version, lambda r: r.with_state(record_provider_id(r.state, ref.send_id, provider_id))
    )
    return True


async def _send_again(work: Dispatch, record: DebtorRecord, version: int, planned: PlannedSend, partition: int) -> bool:
    """It never left: back to the schedule, due now, to be sent once (closed as cancelled instead when
    an event cancelled it while it was in doubt)."""
    now = work.now
    if await work.hand_back(partition, record, version, planned, now) != Unsent.RESCHEDULED:
        return True  # cancelled meanwhile (closed and announced), or another worker's now
    rules = (RuleReason(rule_id="reconciled", reason="interrupted before the provider received it; sent again"),)
    work.emit(
        MessageRescheduled.model_validate({"send_id": work.ref.send_id, "from": now, "to": now, "rules": rules}),
        work.ref.send_id,
        str(epoch_ms(now)),
    )
    return True


async def _unknown(work: Dispatch, record: DebtorRecord, version: int, partition: int, why: str) -> bool:
    """Nobody can tell: close the send as ``outcome_unknown`` for an operator."""
    await work.finish(partition, record, version, work.off_schedule)
    reason = f"interrupted between the provider call and its record; {why}"
    work.emit(MessageOutcomeUnknown(send_id=work.ref.send_id, reason=reason), work.ref.send_id)
    return True
