"""Use case: the debtor answers (``provider.inbound``: an SMS, an email, a keypad press on a call).

The reply is classified, then acted on at once where the law requires it: an opt-out blocks the
medium and sends one confirmation (none when the provider already answered the keyword itself); a
cease notice, attorney, bankruptcy, death or dispute places the matching hold, cancels pending sends
and flags the reply for a human; a promise about one account becomes a payment intent, a recorded
promise and the promise cadence (confirmation, reminder the day before) — about several accounts it
is only a payment intent for a person to review. Everything lands in one atomic commit with the
reply's own outputs.

A number or address several debtors share (a household) is answered as the debtor contacted there
last; its opt-out (or SMS START) holds for every debtor who has it, published as a ``reply.received``
of theirs whose id is the reply's with ``@<debtor id>``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from orchestrator.cadence import step_passed
from orchestrator.domain import DebtorState, OptOutRecord
from orchestrator.domain.transitions import OPT_IN_KEYWORDS, apply_event, keyword_of
from orchestrator.events import Channel, HoldPlaced, HoldReason, InboundEvent, PromiseCreated, ProviderInbound
from orchestrator.ids import send_id, stable_id
from orchestrator.outbound import PROVIDER_KEYWORD_REPLIES
from orchestrator.outputs import (
    CallbackRequested,
    Output,
    OutputEvent,
    PaymentIntentDetected,
    ReplyReceived,
    new_output,
)
from orchestrator.replies import Intent, ReplyClassification, classify, provider_keyword
from orchestrator.replies.accounts import named_account
from orchestrator.service.announce import cancelled, schedule_entry, scheduled
from orchestrator.service.context import ServiceContext
from orchestrator.service.intake import MAX_CONFLICT_RETRIES, ConcurrentUpdates
from orchestrator.service.planning import cause_facts, plan_event
from orchestrator.service.record import DebtorRecord
from orchestrator.service.replay import decode_replay, encode_replay
from orchestrator.service.sends import PlannedSend
from orchestrator.service.targeting import aimed
from orchestrator.storage import Commit
from orchestrator.timezones import zone, zones_for_profile

HOLD_INTENTS: dict[Intent, HoldReason] = {
    Intent.CEASE_COMMUNICATION: "cease",
    Intent.ATTORNEY: "attorney",
    Intent.BANKRUPTCY: "bankruptcy",
    Intent.DECEASED: "deceased",
    Intent.DISPUTE: "dispute",
}
REVIEW_INTENTS = frozenset(
    {
        *HOLD_INTENTS,
        Intent.ALREADY_PAID,
        Intent.HARDSHIP,
        Intent.PAYMENT_PLAN_REQUEST,
        Intent.WRONG_NUMBER,
    }
)
KEYPAD_PREFIX = "keypad:"
PROMISE_CONFIRMATION = "promise_confirmation"  # the template that answers a promise made by reply
# Published instead of ``opt_in`` when an opt-in reply did not reopen the medium: only START/UNSTOP by
# SMS does (COMPLIANCE item 5); "YES", "START please" or "opt me back in" need a consent update.
OPT_IN_REQUEST = "opt_in_request"


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
    intent: str | None = None  # the intent to publish when it is not the classified one
    needs_review: bool = False  # a person should look at the reply whatever its intent


def _reply_send(
    event: InboundEvent,
    state: DebtorState,
    template: str,
    channel: Channel,
    to: str,
    accounts: tuple[str, ...] | None = None,
    facts: tuple[tuple[str, str], ...] = (),
) -> PlannedSend:
    return PlannedSend(
        send_id=send_id(event.id, template),
        debtor_id=state.debtor_id,
        account_ids=tuple(a.id for a in state.accounts if a.status == "open")[:1] if accounts is None else accounts,
        template_id=template,
        channel=channel,
        purpose="opt_out_confirmation" if template == "opt_out_confirmation" else "reply",
        due_at=event.time,
        cause_event_id=event.id,
        cause_time=event.time,
        step_id=template,
        destination=to,
        facts=facts,
    )


def _opted_out(state: DebtorState, channel: Channel, destination: str) -> bool:
    return any(o.channel == channel and o.destination in (None, destination) for o in state.opt_outs)


def _provider_answered(ctx: ServiceContext, channel: Channel, text: str) -> bool:
    """True when the provider has already answered this keyword itself (Twilio's STOP reply)."""
    adapter = ctx.channels.get(channel)
    return (
        adapter is not None
        and PROVIDER_KEYWORD_REPLIES in adapter.limits.features
        and provider_keyword(text) is not None
    )


def _act(ctx: ServiceContext, event: InboundEvent, reply: ReplyClassification, effects: ReplyEffects) -> None:
    data = event.data
    assert isinstance(data, ProviderInbound)
    channel, sender = data.channel, normalise_destination(data.channel, data.from_)
    state = effects.record.state
    debtor_id = state.debtor_id
    open_accounts = tuple(a.id for a in state.accounts if a.status == "open")
    intent = reply.intent
    if reply.opt_out_requested and channel != "voice":
        if not _opted_out(state, channel, sender):  # a keyword STOP is already recorded by apply_event
            state = replace(state, opt_outs=(*state.opt_outs, OptOutRecord(channel, sender, event.time)))
        if not _opted_out(effects.prior or state, channel, sender) and not _provider_answered(ctx, channel, data.text):
            effects.sends.append(_reply_send(event, state, "opt_out_confirmation", channel, sender))
    if intent == Intent.OPT_IN:
        # Only START/UNSTOP by SMS reopens the medium (COMPLIANCE item 5; apply_event did it): any other
        # wording, or a medium still closed, is a request for a person (a consent update), not an opt-in.
        reopened = channel == "sms" and keyword_of(data.text) in OPT_IN_KEYWORDS
        if not reopened or _opted_out(state, channel, sender):
            effects.intent, effects.needs_review = OPT_IN_REQUEST, True
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
    elif intent == Intent.HELP and channel == "sms" and not _provider_answered(ctx, channel, data.text):
        effects.sends.append(_reply_send(event, state, "help_reply", channel, sender))
    elif intent == Intent.WRONG_NUMBER:
        state = replace(state, bad_destinations=state.bad_destinations | {sender})
    elif intent == Intent.CALLBACK_REQUEST:
        effects.outputs.append(_callback(ctx, event, state, reply))
    elif intent == Intent.PROMISE_TO_PAY:
        account = _account_named(data.text, state)
        effects.needs_review = account is None
        effects.outputs.append(
            PaymentIntentDetected(
                debtor_id=debtor_id,
                account_id=account,
                amount=reply.amount,
                date=reply.date,
                confidence=reply.confidence,
                source_reply_id=event.id,
                needs_review=account is None,
            )
        )
        if channel in ("sms", "email") and reply.amount is not None and reply.date is not None and account:
            state = _record_promise(ctx, event, reply, account, state, effects)
    elif intent == Intent.ALREADY_PAID:
        until = event.time + ctx.already_paid_pause
        for account in open_accounts:
            effects.record = effects.record.pausing(account, until)
    effects.record = effects.record.with_state(state)


def _account_named(text: str, state: DebtorState) -> str | None:
    """The account a reply is about: the only open one, or the one it names; None when unclear."""
    open_accounts = [(a.id, a.creditor) for a in state.accounts if a.status == "open"]
    if len(open_accounts) == 1:
        return open_accounts[0][0]
    return named_account(text, open_accounts)


def _record_promise(
    ctx: ServiceContext,
    event: InboundEvent,
    reply: ReplyClassification,
    account: str,
    state: DebtorState,
    effects: ReplyEffects,
) -> DebtorState:
    """Record the promise as the upstream system would (``promise.created``) and plan that event's
    cadence: dunning for the account pauses until the date, the reminder the day before is planned
    (unless that moment has passed). The reply itself is answered with the confirmation, where the
    debtor wrote from. The cadence's cancellations (an earlier promise's pending reminder) are not
    applied here: telling them apart needs the pending sends' purposes, which account intake reads."""
    data = event.data
    assert isinstance(data, ProviderInbound) and reply.amount is not None and reply.date is not None
    promise = InboundEvent(
        id=stable_id("promise", event.id),
        type="promise.created",
        source=ctx.source,
        subject=state.debtor_id,
        time=event.time,
        data=PromiseCreated(account_id=account, amount=reply.amount, due_date=reply.date),
    )
    state = apply_event(state, promise)
    sender = normalise_destination(data.channel, data.from_)
    confirmation = _reply_send(
        event, state, PROMISE_CONFIRMATION, data.channel, sender, (account,), cause_facts(promise)
    )
    effects.sends.append(confirmation)
    home = zone(zones_for_profile(state.profile, ctx.fallback_zones).primary)
    plan = plan_event(promise, effects.record.with_state(state), ctx.cadences, home)
    steps = {step.id: step for step in ctx.cadences.for_event(promise.type).steps} if plan.sends else {}
    effects.sends += [
        aimed(state, send, ctx.policy, home, ctx.renderer.channels_of(send.template_id), naive=ctx.naive_policy)
        for send in plan.sends
        if send.template_id != PROMISE_CONFIRMATION  # the reply's own confirmation above
        and not step_passed(steps[send.step_id], event_time=event.time, data=promise.data, zone=home)
    ]
    return state


def _callback(
    ctx: ServiceContext, event: InboundEvent, state: DebtorState, reply: ReplyClassification | None
) -> CallbackRequested:
    """The callback request, with the day and time the debtor named read in their primary zone.

    A time without a day is the next such time (today if it is still ahead, else tomorrow); a day
    without a time is published as ``date`` alone, never as a made-up hour."""
    zone_name = zones_for_profile(state.profile, ctx.fallback_zones).primary
    home = zone(zone_name)
    day = reply.date if reply else None
    at = reply.time if reply else None
    when = None
    if at is not None:
        if day is None:
            local_now = event.time.astimezone(home)
            day = local_now.date() if at > local_now.time() else local_now.date() + timedelta(days=1)
        when = datetime.combine(day, at, tzinfo=home).astimezone(UTC)
    return CallbackRequested(
        debtor_id=state.debtor_id,
        requested_at=event.time,
        when=when,
        date=day,
        time_zone=zone_name,
        account_ids=tuple(a.id for a in state.accounts if a.status == "open"),
        source=event.id,
    )


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
        effects.outputs.append(_callback(ctx, event, state, None))
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
    owners = (event.subject,) if event.subject else await ctx.store.debtors_at(sender)
    if not owners:
        reply = _classify_keypad(data.text) if keypad else classify(data.text, data.channel, event.time, "UTC")
        return [_reply_output(ctx, event, None, reply, ())]
    if len(owners) == 1:
        return await _reply_of(ctx, event, owners[0], keypad)
    # Several debtors share the number or address (a household): the person is answering the message
    # they got last, so the reply is that debtor's; stopping or restarting the medium is about the
    # destination itself, so it holds for every debtor who has it.
    answering = await _last_contacted(ctx, event.id, owners, data.channel, sender)
    outputs = await _reply_of(ctx, event, answering, keypad)
    if not keypad:
        reply = classify(data.text, data.channel, event.time, "UTC")
        for other in owners:
            if other != answering:
                outputs += await _destination_choice(ctx, event, other, sender, reply)
    return outputs


async def _last_contacted(
    ctx: ServiceContext, event_id: str, owners: Sequence[str], channel: Channel, destination: str
) -> str:
    """Of the debtors sharing ``destination``, the one last contacted there on ``channel`` (the first by
    id when none was)."""
    loaded = await asyncio.gather(*(ctx.store.load(owner, event_id) for owner in owners))
    latest: dict[str, datetime] = {}
    for owner, load in zip(owners, loaded, strict=True):
        if load.state is None:
            continue
        ledger = DebtorRecord.from_bytes(load.state).state.ledger
        times = [a.at for a in ledger if a.channel == channel and a.destination.lower() == destination.lower()]
        if times:
            latest[owner] = max(times)
    never = datetime.min.replace(tzinfo=UTC)
    return max(sorted(owners), key=lambda owner: latest.get(owner, never))  # the first of equals


async def _destination_choice(
    ctx: ServiceContext, event: InboundEvent, debtor_id: str, sender: str, reply: ReplyClassification
) -> list[OutputEvent]:
    """For a debtor sharing the sender's destination who was not the one answered: only what the reply
    does to the destination — an opt-out, or an SMS START — recorded and published as their reply."""
    data = event.data
    assert isinstance(data, ProviderInbound)
    channel = data.channel
    opt_out = reply.opt_out_requested and channel != "voice"
    opt_in = channel == "sms" and keyword_of(data.text) in OPT_IN_KEYWORDS
    if not (opt_out or opt_in):
        return []
    theirs = event.model_copy(update={"id": f"{event.id}@{debtor_id}", "subject": debtor_id})
    for _ in range(MAX_CONFLICT_RETRIES):
        loaded = await ctx.store.load(debtor_id, theirs.id)
        if loaded.replay is not None:
            return decode_replay(loaded.replay)[0]
        if loaded.state is None:
            return []
        record = DebtorRecord.from_bytes(loaded.state)
        if record.has_seen(theirs.id):
            return []
        state = record.state
        if opt_out and not _opted_out(state, channel, sender):
            state = replace(state, opt_outs=(*state.opt_outs, OptOutRecord(channel, sender, event.time)))
        elif opt_in:
            kept = tuple(o for o in state.opt_outs if (o.channel, o.destination) != ("sms", sender))
            state = replace(state, opt_outs=kept)
        outputs = [_reply_output(ctx, theirs, debtor_id, reply, ())]
        commit = Commit(
            debtor_id=debtor_id,
            expected_version=loaded.version,
            state=record.with_state(state).seeing(theirs.id, event.time, ctx.dedupe_window).to_bytes(),
            event_id=theirs.id,
            replay=encode_replay(outputs, []),
        )
        if (await ctx.store.commit(commit)).ok:
            return outputs
    raise ConcurrentUpdates(f"debtor {debtor_id!r}: {MAX_CONFLICT_RETRIES} version conflicts in a row")


async def _reply_of(ctx: ServiceContext, event: InboundEvent, debtor_id: str, keypad: bool) -> list[OutputEvent]:
    """The reply as ``debtor_id``'s: classified in their time zone, acted on, committed."""
    data = event.data
    assert isinstance(data, ProviderInbound)
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
    intent: str | None = None,
    review: bool = False,
) -> OutputEvent:
    """``reply.received``; ``intent`` replaces the classified intent when the handling says otherwise."""
    data = event.data
    assert isinstance(data, ProviderInbound)
    received = ReplyReceived.model_validate(
        {
            "reply_id": event.id,
            "debtor_id": debtor_id,
            "channel": data.channel,
            "from": data.from_,
            "text": data.text,
            "intent": intent or reply.intent.value,
            "confidence": reply.confidence,
            "amount": reply.amount,
            "date": reply.date,
            "cues": reply.cues,
            "needs_review": debtor_id is None or reply.intent in REVIEW_INTENTS or review,
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
    outputs = [_reply_output(ctx, event, debtor_id, reply, accounts, effects.intent, effects.needs_review)]
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
