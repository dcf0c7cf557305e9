"""Use case: a planned send falls due.

The at-most-once protocol (docs/architecture.md): load the record and the send (one round trip);
re-check compliance now — a payment, STOP or hold may have arrived since planning — and move or
suppress the send if it may not go; render; write the attempt into the ledger and mark the send
``dispatching`` in one atomic step (so two workers can never both take the last allowed call);
call the provider; record the outcome. A send found ``dispatching`` was interrupted between the
provider call and its record: the provider's own records decide (``reconcile``), and when they cannot,
it is closed as ``message.outcome_unknown``, never sent again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from orchestrator.compliance import ProposedContact, allows
from orchestrator.domain import Attempt
from orchestrator.domain.transitions import record_attempt, record_outcome, record_provider_id
from orchestrator.outbound import FIND_SENT, Disposition, OutboundMessage, ProviderError
from orchestrator.outputs import (
    MessageCancelled,
    MessageDispatched,
    MessageFailed,
    MessageOutcomeUnknown,
    MessageRescheduled,
    OutputEvent,
    RuleReason,
)
from orchestrator.service.audit import decision_output, rule_reasons
from orchestrator.service.context import ServiceContext
from orchestrator.service.dispatch_work import MAX_CONFLICT_RETRIES, Dispatch, Unsent, epoch_ms
from orchestrator.service.reconcile import reconcile
from orchestrator.service.record import DebtorRecord
from orchestrator.service.rendering import render_for
from orchestrator.service.sends import PlannedSend
from orchestrator.service.settle import settle_failure
from orchestrator.service.skip import skip_reason
from orchestrator.service.targeting import choose_target
from orchestrator.service.zones import primary_zone
from orchestrator.storage import BeginOutcome, SendRef, SendStatus
from orchestrator.templating.errors import TemplateError
from orchestrator.templating.model import RenderedMessage


async def dispatch_due(ctx: ServiceContext, ref: SendRef, now: datetime) -> list[OutputEvent]:
    """Work one claimed send to its end (or move it); return the outputs to publish."""
    work = Dispatch(ctx, ref, _reading(ctx, now))
    for _ in range(MAX_CONFLICT_RETRIES):
        if await _attempt(work):
            return work.outputs
        work.outputs.clear()
        work.now = _reading(ctx, work.now)  # start over: decide at the time it is now
    raise RuntimeError(f"send {ref.send_id}: {MAX_CONFLICT_RETRIES} version conflicts in a row")


async def _attempt(work: Dispatch) -> bool:
    """One pass; False on a version conflict (the caller starts over)."""
    ctx, ref, now = work.ctx, work.ref, work.now
    loaded, send = await ctx.store.load_for_dispatch(ref.debtor_id, ref.send_id)
    if send is None or send.payload is None or loaded.state is None:
        partition = send.partition if send else ctx.partition_of(ref.debtor_id)
        await ctx.store.drop_due(partition, ref)
        return True
    record = work.record_of(loaded)
    planned = PlannedSend.from_bytes(send.payload)
    if send.status == SendStatus.DISPATCHING:
        return await reconcile(work, record, loaded.version, planned, send.partition)
    tombstone = record.tombstone(ref.send_id)
    if tombstone is not None:  # scheduled with a tombstone: handed back by a release that did not wait for the record
        await work.close_cancelled(send.partition, record, loaded.version, planned, tombstone)
        return True
    if send.due_ms > int(now.timestamp() * 1000):  # an early hint (a lease ran out, or the send moved)
        await ctx.store.reschedule(ref.debtor_id, ref.send_id, send.partition, send.due_ms)
        return True
    state = record.state
    skipped = skip_reason(record, planned, now)
    if skipped is not None:
        await work.finish(send.partition, record, loaded.version, work.off_schedule)
        work.emit(
            MessageCancelled(
                send_id=ref.send_id,
                debtor_id=ref.debtor_id,
                account_ids=planned.account_ids,
                reason=skipped,
                cause_event_id=planned.cause_event_id,
            ),
            ref.send_id,
        )
        return True
    zone = primary_zone(ctx, state)
    template_channels = ctx.renderer.channels_of(planned.template_id)
    channel, chosen, why = choose_target(
        state, planned, now, ctx.policy, zone, template_channels, naive=ctx.naive_policy
    )
    if chosen.decision is not None and channel is not None:
        work.emit(decision_output(ref, channel, now, chosen.decision), ref.send_id, str(epoch_ms(now)))
    if chosen.contact is None or chosen.send_at is None:
        rules = (
            rule_reasons(chosen.decision)
            if chosen.decision
            else (
                RuleReason(
                    rule_id="no_destination", reason=f"the debtor has no number or address for {planned.channel}"
                ),
            )
        )
        await work.suppress(send.partition, record, loaded.version, planned, channel or planned.channel, rules)
        return True
    assert channel is not None
    if not chosen.ready(now):
        moved = await ctx.store.reschedule(ref.debtor_id, ref.send_id, send.partition, epoch_ms(chosen.send_at))
        if moved:
            rules = (
                rule_reasons(chosen.decision)
                if chosen.decision and not chosen.decision.allowed
                else (RuleReason(rule_id="send_time_policy", reason=f"moved by the send-time policy ({why})"),)
            )
            work.emit(
                MessageRescheduled.model_validate(
                    {"send_id": ref.send_id, "from": now, "to": chosen.send_at, "rules": rules}
                ),
                ref.send_id,
                str(epoch_ms(now)),
            )
        return True
    work.attempts = send.attempts
    return await _send(work, record, loaded.version, planned, chosen.contact, send.partition)


async def _send(
    work: Dispatch,
    record: DebtorRecord,
    version: int,
    planned: PlannedSend,
    contact: ProposedContact,
    partition: int,
) -> bool:
    ctx, ref, now = work.ctx, work.ref, work.now
    channel, destination = contact.channel, contact.destination
    state = record.state
    try:
        rendered = render_for(ctx, state, planned, channel, now)
    except TemplateError as error:
        rules = (RuleReason(rule_id="template", reason=str(error)),)
        await work.suppress(partition, record, version, planned, channel, rules)
        return True
    async with ctx.lane.hold(confirmable=FIND_SENT in ctx.channels[channel].limits.features):
        # Stamped when it begins, not when it was decided: waiting for the lane takes time, and a
        # reconciler leaves a send alone for the lease counted from this moment. If the wait carried it
        # past what the rules allow (21:00, a cap's window), start over and decide again at that time.
        began = _reading(ctx, now)
        if began > now and not allows(state, contact, began, ctx.policy):
            return False
        attempt = Attempt(
            id=ref.send_id,
            channel=channel,
            destination=destination,
            account_ids=planned.account_ids,
            at=began,
            outcome="placed" if channel == "voice" else "sent",
            purpose=contact.ledger_purpose,
        )
        dispatching = work.launching(record.with_state(record_attempt(state, attempt)), planned)
        return await _begin_send_finish(work, dispatching, version, planned, rendered, contact, partition)


async def _begin_send_finish(
    work: Dispatch,
    dispatching: DebtorRecord,
    version: int,
    planned: PlannedSend,
    rendered: RenderedMessage,
    contact: ProposedContact,
    partition: int,
) -> bool:
    """The in-doubt window, inside the dispatch lane: mark the send dispatching with its ledger entry
    (atomic), call the provider, publish the outputs, record the outcome."""
    ctx, ref = work.ctx, work.ref
    channel, destination = contact.channel, contact.destination
    # Plain: the provider call's outcome replaces this record in moments (``work.finish``).
    begun = await ctx.store.begin_dispatch(ref.debtor_id, ref.send_id, version, dispatching.to_bytes(compressed=False))
    if begun.outcome == BeginOutcome.CONFLICT:
        return False
    if begun.outcome == BeginOutcome.NOT_PENDING:
        await ctx.store.drop_due(partition, ref)
        return True
    if begun.outcome == BeginOutcome.IN_DOUBT:  # another worker took it since we loaded: theirs to finish
        return True
    message = OutboundMessage(
        send_id=ref.send_id,
        channel=channel,
        to=destination,
        body=rendered.body,
        debtor_id=ref.debtor_id,
        account_ids=planned.account_ids,
        template_id=rendered.template_id,
        template_version=rendered.template_version,
        locale=rendered.locale,
        subject=rendered.subject or "",
        html=rendered.html or "",
        voicemail=rendered.voicemail or "",
    )
    try:
        result = await ctx.channels[channel].send(message)
    except ProviderError as error:
        await _provider_refused(work, dispatching, begun.version, planned, message, partition, error)
        return True
    work.emit(
        MessageDispatched(
            send_id=ref.send_id,
            debtor_id=ref.debtor_id,
            account_ids=planned.account_ids,
            channel=channel,
            to=destination,
            template_id=rendered.template_id,
            template_version=rendered.template_version,
            provider_message_id=result.provider_message_id,
            locale=rendered.locale,
        ),
        ref.send_id,
    )
    # Outputs first, record second: a crash in between leaves the send ``dispatching``, which the next
    # claimer reconciles with the provider and announces again (same event ids: consumers de-duplicate).
    await work.publish_now()
    provider_id = result.provider_message_id
    await work.finish(
        partition,
        dispatching,
        begun.version,
        lambda r: r.with_state(record_provider_id(r.state, ref.send_id, provider_id)),
    )
    return True


def _reading(ctx: ServiceContext, now: datetime) -> datetime:
    """The clock now (never before ``now``): each send is decided, and its attempt stamped, at the time
    it is worked — not at its batch's start, which would hide one send of a debtor from the rules that
    judge the debtor's next send in the same batch. Virtual time (no clock): ``now`` itself."""
    return max(now, ctx.clock()) if ctx.clock else now


async def _provider_refused(
    work: Dispatch,
    record: DebtorRecord,
    version: int,
    planned: PlannedSend,
    message: OutboundMessage,
    partition: int,
    error: ProviderError,
) -> None:
    """Retry a transient failure later (with backoff), give up on a permanent one (or after the last
    retry), never guess. A send an event cancelled during the call and the provider refused for now
    (a transient failure) is closed as cancelled instead, retries left or not."""
    ctx, ref, now = work.ctx, work.ref, work.now
    channel = message.channel
    if error.outcome_unknown:
        await work.finish(partition, record, version)  # the ledger has the attempt since it began
        work.emit(MessageOutcomeUnknown(send_id=ref.send_id, reason=str(error)), ref.send_id)
        return
    if error.retryable:
        retry_after = getattr(error, "retry_after", None)
        attempts = work.attempts
        if attempts < ctx.max_provider_retries:
            backoff = ctx.retry_backoff * (2 ** min(attempts, 6))
            if retry_after:
                backoff = max(backoff, timedelta(seconds=float(retry_after)))
            if await work.hand_back(partition, record, version, planned, now + backoff) != Unsent.RESCHEDULED:
                return  # cancelled during the call (closed and announced), or another worker's now
            work.emit(
                MessageRescheduled.model_validate(
                    {
                        "send_id": ref.send_id,
                        "from": now,
                        "to": now + backoff,
                        "rules": (RuleReason(rule_id="provider_retry", reason=str(error)),),
                    }
                ),
                ref.send_id,
                str(epoch_ms(now)),
            )
            return

    def settled(fresh: DebtorRecord) -> DebtorRecord:
        failed = record_outcome(fresh.state, ref.send_id, "failed")
        return fresh.with_state(settle_failure(failed, channel, message.to, error, now))

    if not error.retryable:
        await work.finish(partition, record, version, settled)
    elif await work.give_up(partition, record, version, planned, settled) != Unsent.FAILED:
        return  # out of retries, but cancelled during the call (closed and announced), or another's now
    work.emit(
        MessageFailed(
            send_id=ref.send_id,
            debtor_id=ref.debtor_id,
            account_ids=planned.account_ids,
            channel=channel,
            provider_message_id="",
            error_code=error.code,
            reason=str(error),
            retryable=error.retryable and error.disposition != Disposition.BAD_DESTINATION,
        ),
        ref.send_id,
    )
