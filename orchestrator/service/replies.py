"""Use case: the debtor answers (``provider.inbound``: an SMS, an email, a keypad press on a call).

The reply is classified, then acted on at once where the law requires it: an opt-out blocks the
medium and sends one confirmation; a cease notice, attorney, bankruptcy, death or dispute places the
matching hold, cancels pending sends and flags the reply for a human; a promise becomes a payment
intent and a confirmation. Everything lands in one atomic commit with the reply's own outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from orchestrator.domain import DebtorState, OptOutRecord
from orchestrator.domain.transitions import apply_event
from orchestrator.events import Channel, HoldPlaced, HoldReason, InboundEvent, PromiseCreated, ProviderInbound
from orchestrator.ids import send_id, stable_id
from orchestrator.outputs import (
    CallbackRequested,
    Output,
    OutputEvent,
    PaymentIntentDetected,
    ReplyReceived,
    new_output,
)
from orchestrator.replies import Intent, ReplyClassification, classify
from orchestrator.service.announce import cancelled, schedule_entry, scheduled
from orchestrator.service.context import ServiceContext
from orchestrator.service.intake import MAX_CONFLICT_RETRIES, ConcurrentUpdates
from orchestrator.service.record import DebtorRecord
from orchestrator.service.replay import decode_replay, encode_replay
from orchestrator.service.sends import PlannedSend
from orchestrator.storage import Commit
from orchestrator.timezones import zones_for_profile

HOLD_INTENTS: dict[Intent, HoldReason] = {
    Intent.CEASE_COMMUNICATION: "cease",
    Intent.ATTORNEY: "attorney",
    Intent.BANKRUPTCY: "bankruptcy",
    Intent.DECEASED: "deceased",
    Intent.DISPUTE: "dispute",
}
REVIEW_INTENTS = frozenset(
    {*HOLD_INTENTS, Intent.ALREADY_PAID, Intent.HARDSHIP, Intent.PAYMENT_PLAN_REQUEST, Intent.WRONG_NUMBER}
)
KEYPAD_PREFIX = "keypad:"


def normalise_destination(channel: Channel, raw: str) -> str:
    """The form the destination index uses: E.164 as given for phones, lower-case for email."""
    if channel == "email":
        address = raw.strip()
        if "<" in address and address.endswith(">"):
            address = address[address.rindex("<") + 1 : -1]
        return address.lower()
    return raw.strip()


@dataclass
class ReplyEffects:
    """What acting on one reply produces, gathered before the single commit."""

    record: DebtorRecord
    outputs: list[Output] = field(default_factory=list)
    sends: list[PlannedSend] = field(default_factory=list)
    cancel: list[str] = field(default_factory=list)
    prior: DebtorState | None = None  # before the reply: a keyword STOP is already applied to ``record``


def _reply_send(event: InboundEvent, state: DebtorState, template: str, channel: Channel, to: str) -> PlannedSend:
    return PlannedSend(
        send_id=send_id(event.id, template),
        debtor_id=state.debtor_id,
        account_ids=tuple(a.id for a in state.accounts if a.status == "open")[:1],
        template_id=template,
        channel=channel,
        purpose="opt_out_confirmation" if template == "opt_out_confirmation" else "reply",
        due_at=event.time,
        cause_event_id=event.id,
        cause_time=event.time,
        step_id=template,
        destination=to,
    )


def _opted_out(state: DebtorState, channel: Channel, destination: str) -> bool:
    return any(o.channel == channel and o.destination in (None, destination) for o in state.opt_outs)


def _act(ctx: ServiceContext, event: InboundEvent, reply: ReplyClassification, effects: ReplyEffects) -> None:
    data = event.data
    assert isinstance(data, ProviderInbound)
    channel, sender = data.channel, normalise_destination(data.channel, data.from_)
    state = effects.record.state
    debtor_id = state.debtor_id
    open_accounts = tuple(a.id for a in state.accounts if a.status == "open")
    intent = reply.intent
    if reply.opt_out_requested and channel != "voice":
        was_out = _opted_out(effects.prior or state, channel, sender)
        if not was_out:
            state = replace(state, opt_outs=(*state.opt_outs, OptOutRecord(channel, sender, event.time)))
            effects.sends.append(_reply_send(event, state, "opt_out_confirmation", channel, sender))
    if intent in HOLD_INTENTS:
        hold = InboundEvent(
            id=stable_id("hold", event.id),
            type="hold.placed",
            source=ctx.source,
            subject=debtor_id,
            time=event.time,
            data=HoldPlaced(account_id=None, reason=HOLD_INTENTS[intent]),
        )
        state = apply_event(state, hold)
        effects.cancel = effects.record.sends_for(None)
    elif intent == Intent.HELP and channel == "sms":
        effects.sends.append(_reply_send(event, state, "help_reply", channel, sender))
    elif intent == Intent.WRONG_NUMBER:
        state = replace(state, bad_destinations=state.bad_destinations | {sender})
    elif intent == Intent.CALLBACK_REQUEST:
        when = datetime.combine(reply.date, datetime.min.time(), tzinfo=event.time.tzinfo) if reply.date else None
        effects.outputs.append(
            CallbackRequested(debtor_id=debtor_id, requested_at=event.time, when=when, source=event.id)
        )
    elif intent == Intent.PROMISE_TO_PAY:
        effects.outputs.append(
            PaymentIntentDetected(
                debtor_id=debtor_id,
                account_id=open_accounts[0] if len(open_accounts) == 1 else None,
                amount=reply.amount,
                date=reply.date,
                confidence=reply.confidence,
                source_reply_id=event.id,
            )
        )
        if channel in ("sms", "email") and reply.amount is not None and reply.date is not None and open_accounts:
            # Recorded as the upstream system would (promise.created): dunning pauses until the date.
            promise = InboundEvent(
                id=stable_id("promise", event.id),
                type="promise.created",
                source=ctx.source,
                subject=debtor_id,
                time=event.time,
                data=PromiseCreated(account_id=open_accounts[0], amount=reply.amount, due_date=reply.date),
            )
            state = apply_event(state, promise)
            effects.sends.append(_reply_send(event, state, "promise_confirmation", channel, sender))
    elif intent == Intent.ALREADY_PAID:
        until = event.time + ctx.already_paid_pause
        for account in open_accounts:
            effects.record = effects.record.pausing(account, until)
    effects.record = effects.record.with_state(state)


def _keypad(ctx: ServiceContext, event: InboundEvent, digit: str, effects: ReplyEffects) -> None:
    """A keypad press on a live call: 1 texts the payment link, 2 asks for a call back, 9 stops calls."""
    data = event.data
    assert isinstance(data, ProviderInbound)
    state = effects.record.state
    if digit == "1":
        mobiles = [p.number for p in state.profile.phones if p.type == "mobile"]
        to = data.from_ if data.from_ in mobiles else (mobiles[0] if mobiles else data.from_)
        effects.sends.append(_reply_send(event, state, "payment_reminder", "sms", to))
    elif digit == "2":
        effects.outputs.append(
            CallbackRequested(debtor_id=state.debtor_id, requested_at=event.time, when=None, source=event.id)
        )
    elif digit == "9":
        record = OptOutRecord("voice", normalise_destination("voice", data.from_), event.time)
        effects.record = effects.record.with_state(replace(state, opt_outs=(*state.opt_outs, record)))


def _classify_keypad(text: str) -> ReplyClassification:
    digit = text.removeprefix(KEYPAD_PREFIX).strip()
    intent = {"1": Intent.PROMISE_TO_PAY, "2": Intent.CALLBACK_REQUEST, "9": Intent.OPT_OUT}.get(digit, Intent.OTHER)
    return ReplyClassification(intent=intent, confidence=1.0, amount=None, date=None, cues=(f"keypad:{digit}",))


async def handle_reply(ctx: ServiceContext, event: InboundEvent) -> list[OutputEvent]:
    """Classify, act, commit; returns reply.received and whatever the reply triggered."""
    assert isinstance(event.data, ProviderInbound)
    data = event.data
    keypad = data.channel == "voice" and data.text.startswith(KEYPAD_PREFIX)
    sender = normalise_destination(data.channel, data.from_)
    debtor_id = event.subject or await ctx.store.lookup_destination(sender)
    if debtor_id is None:
        reply = _classify_keypad(data.text) if keypad else classify(data.text, data.channel, event.time, "UTC")
        return [_reply_output(ctx, event, None, reply, ())]
    for _ in range(MAX_CONFLICT_RETRIES):
        loaded = await ctx.store.load(debtor_id, event.id)
        if loaded.replay is not None:
            outputs, schedule = decode_replay(loaded.replay)
            await ctx.store.restore_due(debtor_id, schedule)
            return outputs
        if loaded.state is None:
            reply = _classify_keypad(data.text) if keypad else classify(data.text, data.channel, event.time, "UTC")
            return [_reply_output(ctx, event, None, reply, ())]
        record = DebtorRecord.from_bytes(loaded.state)
        if record.has_seen(event.id):
            return []  # processed and published before
        zone_name = zones_for_profile(record.state.profile, ctx.fallback_zones).primary
        reply = _classify_keypad(data.text) if keypad else classify(data.text, data.channel, event.time, zone_name)
        effects = ReplyEffects(
            record=record.with_state(apply_event(record.state, event)).seeing(event.id, event.time, ctx.dedupe_window),
            prior=record.state,
        )
        if keypad:
            _keypad(ctx, event, data.text.removeprefix(KEYPAD_PREFIX).strip(), effects)
        else:
            _act(ctx, event, reply, effects)
        effects.sends = [s for s in effects.sends if not effects.record.planned_before(s.send_id)]
        outputs = _outputs(ctx, event, reply, effects)
        record = effects.record.finishing(set(effects.cancel), event.time, ctx.finished_window).adding(
            {s.send_id: s.account_ids for s in effects.sends}
        )
        partition = ctx.partition_of(debtor_id)
        schedule = [schedule_entry(send, partition) for send in effects.sends]
        commit = Commit(
            debtor_id=debtor_id,
            expected_version=loaded.version,
            state=record.to_bytes(),
            event_id=event.id,
            replay=encode_replay(outputs, schedule),
            schedule=schedule,
            cancel=effects.cancel,
        )
        if (await ctx.store.commit(commit)).ok:
            return outputs
    raise ConcurrentUpdates(f"debtor {debtor_id!r}: {MAX_CONFLICT_RETRIES} version conflicts in a row")


def _reply_output(
    ctx: ServiceContext,
    event: InboundEvent,
    debtor_id: str | None,
    reply: ReplyClassification,
    account_ids: tuple[str, ...],
) -> OutputEvent:
    data = event.data
    assert isinstance(data, ProviderInbound)
    received = ReplyReceived.model_validate(
        {
            "reply_id": event.id,
            "debtor_id": debtor_id,
            "channel": data.channel,
            "from": data.from_,
            "text": data.text,
            "intent": reply.intent.value,
            "confidence": reply.confidence,
            "amount": reply.amount,
            "date": reply.date,
            "cues": reply.cues,
            "needs_review": debtor_id is None or reply.intent in REVIEW_INTENTS,
            "account_ids": account_ids,
        }
    )
    return new_output(received, subject=debtor_id, time=event.time, id_parts=(event.id,), source=ctx.source)


def _outputs(
    ctx: ServiceContext, event: InboundEvent, reply: ReplyClassification, effects: ReplyEffects
) -> list[OutputEvent]:
    state = effects.record.state
    debtor_id = state.debtor_id
    accounts = tuple(a.id for a in state.accounts if a.status == "open")
    outputs = [_reply_output(ctx, event, debtor_id, reply, accounts)]
    for number, data in enumerate(effects.outputs):
        outputs.append(
            new_output(data, subject=debtor_id, time=event.time, id_parts=(event.id, str(number)), source=ctx.source)
        )
    reason = f"reply: {reply.intent.value}"
    outputs += [
        cancelled(ctx, send_id, debtor_id, effects.record.pending.get(send_id, ()), reason, event)
        for send_id in effects.cancel
    ]
    outputs += [scheduled(ctx, send, event) for send in effects.sends]
    return outputs


__all__ = ["handle_reply", "normalise_destination"]
