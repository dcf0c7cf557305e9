"""A send found ``dispatching``: did the provider get it? Ask the provider rather than guess.

A worker stopped between marking a send ``dispatching`` and recording its outcome. Once the lease has
run out since the attempt began, the provider's own records decide (``Channel.find_sent``); when they
cannot, the send is closed as ``message.outcome_unknown`` for an operator — never sent blindly again.
"""

from __future__ import annotations

from datetime import timedelta

from orchestrator.domain.transitions import record_provider_id
from orchestrator.outputs import (
    MessageDispatched,
    MessageOutcomeUnknown,
    MessageRescheduled,
    RuleReason,
)
from orchestrator.service.dispatch_work import Dispatch, epoch_ms
from orchestrator.service.record import DebtorRecord
from orchestrator.service.sends import PlannedSend

RECONCILE_SLACK = timedelta(minutes=2)  # provider clocks and second-resolution timestamps


async def reconcile(work: Dispatch, record: DebtorRecord, version: int, planned: PlannedSend, partition: int) -> bool:
    """A send left ``dispatching``: did the provider get it? Ask the provider rather than guess.

    Until the lease has run out since the attempt began, another worker may still be in its provider
    call: leave it. After that, the provider's own records decide: one message to the destination since
    the attempt began (and not another attempt's) → it was sent, record it; none → it never left, so it
    goes back to the schedule and is sent once; more than one, or a provider that cannot tell (SendGrid)
    → ``outcome_unknown``, for an operator to reconcile. Never a blind retry.
    """
    ctx, ref, now = work.ctx, work.ref, work.now
    attempt = next((a for a in record.state.ledger if a.id == ref.send_id), None)
    if attempt is not None and now - attempt.at < ctx.lease:
        return True
    found = None
    if attempt is not None:
        known = {a.provider_message_id for a in record.state.ledger if a.id != ref.send_id}
        sent = await ctx.channels[attempt.channel].find_sent(attempt.destination, attempt.at - RECONCILE_SLACK, now)
        found = None if sent is None else [r for r in sent if r.provider_message_id not in known]
    if attempt is not None and found is not None and len(found) == 1:
        pmid = found[0].provider_message_id
        work.emit(
            MessageDispatched(
                send_id=ref.send_id,
                debtor_id=ref.debtor_id,
                account_ids=planned.account_ids,
                channel=attempt.channel,
                to=attempt.destination,
                template_id=planned.template_id,
                template_version="",
                provider_message_id=pmid,
                locale=record.state.profile.language,
            ),
            ref.send_id,
        )
        if ctx.publish is not None:
            await ctx.publish(work.outputs)
            work.outputs.clear()
        await work.finish(
            partition, record, version, lambda r: r.with_state(record_provider_id(r.state, ref.send_id, pmid))
        )
        return True
    if attempt is not None and found == []:
        await work.hand_back(partition, record, version, planned, now)
        rules = (RuleReason(rule_id="reconciled", reason="interrupted before the provider received it; sent again"),)
        work.emit(
            MessageRescheduled.model_validate({"send_id": ref.send_id, "from": now, "to": now, "rules": rules}),
            ref.send_id,
            str(epoch_ms(now)),
        )
        return True
    await work.finish(partition, record, version, work.off_schedule)
    reason = (
        "interrupted between the provider call and its record; the provider cannot tell whether it got it"
        if found is None
        else f"interrupted; the provider holds {len(found)} candidate messages"
    )
    work.emit(MessageOutcomeUnknown(send_id=ref.send_id, reason=reason), ref.send_id)
    return True
