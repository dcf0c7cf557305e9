"""Use case: the debtor answers (``provider.inbound``: an SMS, an email, a keypad press on a call).

The reply is classified, then acted on at once where the law requires it: an opt-out blocks the
medium and sends one confirmation (none when the provider already answered the keyword itself); a
cease notice, attorney, bankruptcy, death or dispute places the matching hold, cancels pending sends
and flags the reply for a human; a promise about one account becomes a payment intent, a recorded
promise and the promise cadence (confirmation, reminder the day before) — about several accounts, or
naming a currency the account is not in ("$50" about a euro account), it is only a payment intent for a
person to review. Everything lands in one atomic commit with the reply's own outputs.

A number or address several debtors share (a household) is answered as the debtor contacted there
last; its opt-out (or SMS START) holds for every debtor who has it, published as a ``reply.received``
of theirs whose id is the reply's with ``@<debtor id>``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

from orchestrator.domain import OptOutRecord
from orchestrator.domain.transitions import OPT_IN_KEYWORDS, apply_event, keyword_of
from orchestrator.events import Channel, InboundEvent, ProviderInbound
from orchestrator.outputs import (
    OutputEvent,
    ReplyReceived,
    new_output,
)
from orchestrator.replies import ReplyClassification, classify
from orchestrator.service.announce import cancelled, schedule_entry, scheduled
from orchestrator.service.context import ServiceContext
from orchestrator.service.destinations import destinations_of, normalise_destination
from orchestrator.service.intake import MAX_CONFLICT_RETRIES, ConcurrentUpdates, with_purposes
from orchestrator.service.record import DebtorRecord
from orchestrator.service.replay import decode_replay, encode_replay
from orchestrator.service.reply_effects import (
    KEYPAD_PREFIX,
    PURPOSE_AWARE_INTENTS,
    REVIEW_INTENTS,
    ReplyEffects,
    accounts_in_question,
    act,
    amount_currency,
    classify_keypad,
    keypad_press,
    opted_out,
)
from orchestrator.storage import Commit
from orchestrator.timezones import zones_for_profile


async def handle_reply(ctx: ServiceContext, event: InboundEvent) -> list[OutputEvent]:
    """Classify, act, commit; returns reply.received and whatever the reply triggered."""
    assert isinstance(event.data, ProviderInbound)
    data = event.data
    keypad = data.channel == "voice" and data.text.startswith(KEYPAD_PREFIX)
    sender = normalise_destination(data.channel, data.from_)
    if event.subject:  # the webhook knew whose reply it is
        return await _reply_of(ctx, event, event.subject, keypad)
    owners = await ctx.store.debtors_at(sender)
    if len(owners) == 1:
        return await _reply_of(ctx, event, owners[0], keypad, sender)
    # Several debtors share the number or address (a household): the person is answering the message
    # they got last, so the reply is that debtor's; stopping or restarting the medium is about the
    # destination itself, so it holds for every debtor who has it.
    answering = await _last_contacted(ctx, event.identity, owners, data.channel, sender) if owners else None
    if answering is None:
        return [_unattributed(ctx, event, keypad)]
    outputs = await _reply_of(ctx, event, answering, keypad, sender)
    if not keypad:
        reply = _classified(data, event.time, "UTC", keypad=False)
        for other in owners:
            if other != answering:
                outputs += await _destination_choice(ctx, event, other, sender, reply)
    return outputs


async def _last_contacted(
    ctx: ServiceContext, event_id: str, owners: Sequence[str], channel: Channel, destination: str
) -> str | None:
    """Of the debtors sharing ``destination``, the one last contacted there on ``channel`` (the first by
    id when none was); None when none of them has it any more."""
    loaded = await asyncio.gather(*(ctx.store.load(owner, event_id) for owner in owners))
    latest: dict[str, datetime] = {}
    for owner, load in zip(owners, loaded, strict=True):
        if load.state is None:
            continue
        state = DebtorRecord.from_bytes(load.state).state
        if destination not in destinations_of(state):  # an index entry older than the profile
            continue
        times = [a.at for a in state.ledger if a.channel == channel and a.destination.lower() == destination.lower()]
        latest[owner] = max(times, default=datetime.min.replace(tzinfo=UTC))
    return max(sorted(latest), key=lambda owner: latest[owner], default=None)  # the first of equals


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
        loaded = await ctx.store.load(debtor_id, theirs.identity, theirs.id)  # an older blob: under the bare id
        if loaded.replay is not None:
            return decode_replay(loaded.replay)[0]
        if loaded.state is None:
            return []
        record = DebtorRecord.from_bytes(loaded.state)
        if record.has_seen(theirs.identity, theirs.id) or sender not in destinations_of(record.state):
            return []
        state = record.state
        if opt_out and not opted_out(state, channel, sender):
            state = replace(state, opt_outs=(*state.opt_outs, OptOutRecord(channel, sender, event.time)))
        elif opt_in:
            kept = tuple(o for o in state.opt_outs if (o.channel, o.destination) != ("sms", sender))
            state = replace(state, opt_outs=kept)
        currency = amount_currency(reply, accounts_in_question(state, None))
        outputs = [_reply_output(ctx, theirs, debtor_id, reply, (), currency)]
        commit = Commit(
            debtor_id=debtor_id,
            expected_version=loaded.version,
            state=record.seeing(theirs.identity, event.time, ctx.dedupe_window, state).to_bytes(),
            event_id=theirs.identity,
            replay=encode_replay(outputs, []),
        )
        if (await ctx.store.commit(commit)).ok:
            return outputs
    raise ConcurrentUpdates(f"debtor {debtor_id!r}: {MAX_CONFLICT_RETRIES} version conflicts in a row")


def _unattributed(ctx: ServiceContext, event: InboundEvent, keypad: bool) -> OutputEvent:
    """``reply.received`` from a sender Parley cannot tie to a debtor (classified in UTC, for review)."""
    data = event.data
    assert isinstance(data, ProviderInbound)
    reply = _classified(data, event.time, "UTC", keypad)
    return _reply_output(ctx, event, None, reply, (), reply.currency)


def _classified(data: ProviderInbound, at: datetime, zone_name: str, keypad: bool) -> ReplyClassification:
    """The reply read as keypad digits (a call's menu) or as words in ``zone_name`` (its days and times),
    knowing whether its text was cut short."""
    if keypad:
        return classify_keypad(data.text)
    return classify(data.text, data.channel, at, zone_name, cut=data.text_truncated)


async def _reply_of(
    ctx: ServiceContext, event: InboundEvent, debtor_id: str, keypad: bool, sender: str | None = None
) -> list[OutputEvent]:
    """The reply as ``debtor_id``'s: classified in their time zone, acted on, committed. ``sender``,
    when the debtor was found by it, must still be one of theirs: the destination index is written
    beside the record, not with it, so an entry may outlive the profile that made it."""
    data = event.data
    assert isinstance(data, ProviderInbound)
    for _ in range(MAX_CONFLICT_RETRIES):
        loaded = await ctx.store.load(debtor_id, event.identity, event.id)  # an older blob: under the bare id
        if loaded.replay is not None:
            outputs, schedule = decode_replay(loaded.replay)
            await ctx.store.restore_due(debtor_id, schedule)
            return outputs
        if loaded.state is None:
            return [_unattributed(ctx, event, keypad)]
        record = DebtorRecord.from_bytes(loaded.state)
        if sender is not None and sender not in destinations_of(record.state):
            return [_unattributed(ctx, event, keypad)]
        if record.has_seen(event.identity, event.id):
            return []  # processed and published before
        zone_name = zones_for_profile(record.state.profile, ctx.fallback_zones).primary
        reply = _classified(data, event.time, zone_name, keypad)
        if reply.intent in PURPOSE_AWARE_INTENTS:  # what it cancels depends on the pending sends' purposes
            record = await with_purposes(ctx, record)
        effects = ReplyEffects(
            record=record.seeing(event.identity, event.time, ctx.dedupe_window, apply_event(record.state, event)),
            prior=record.state,
        )
        if keypad:
            keypad_press(ctx, event, data.text.removeprefix(KEYPAD_PREFIX).strip(), effects)
        else:
            act(ctx, event, reply, effects)
        effects.sends = [s for s in effects.sends if not effects.record.planned_before(s.send_id)]
        outputs = _outputs(ctx, event, reply, effects)
        record = effects.record.finishing(set(effects.cancel), event.time, ctx.finished_window).adding(effects.sends)
        partition = ctx.partition_of(debtor_id)
        schedule = [schedule_entry(send, partition) for send in effects.sends]
        commit = Commit(
            debtor_id=debtor_id,
            expected_version=loaded.version,
            state=record.to_bytes(),
            event_id=event.identity,
            replay=encode_replay(outputs, schedule),
            schedule=schedule,
            cancel=list(effects.cancel),
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
    currency: str | None,
    intent: str | None = None,
    review: bool = False,
    cues: Sequence[str] = (),
) -> OutputEvent:
    """``reply.received``; ``intent`` replaces the classified intent when the handling says otherwise,
    ``cues`` are the handling's own added to the classifier's, ``currency`` is that of the amount (if any)."""
    data = event.data
    assert isinstance(data, ProviderInbound)
    received = ReplyReceived.model_validate(
        {
            "reply_id": event.id,
            "debtor_id": debtor_id,
            "channel": data.channel,
            "from": data.from_,
            "text": data.text,
            "text_truncated": data.text_truncated,
            "intent": intent or reply.intent.value,
            "confidence": reply.confidence,
            "amount": reply.amount,
            "currency": currency if reply.amount is not None else None,
            "date": reply.date,
            "cues": (*reply.cues, *cues),
            "needs_review": debtor_id is None or reply.intent in REVIEW_INTENTS or review,
            "account_ids": account_ids,
        }
    )
    return new_output(received, subject=debtor_id, time=event.time, id_parts=(event.identity,), source=ctx.source)


def _outputs(
    ctx: ServiceContext, event: InboundEvent, reply: ReplyClassification, effects: ReplyEffects
) -> list[OutputEvent]:
    state = effects.record.state
    debtor_id = state.debtor_id
    accounts = tuple(a.id for a in state.accounts if a.status == "open")
    currency = effects.currency or amount_currency(reply, accounts_in_question(state, None))
    outputs = [
        _reply_output(
            ctx, event, debtor_id, reply, accounts, currency, effects.intent, effects.needs_review, effects.cues
        )
    ]
    for number, data in enumerate(effects.outputs):
        outputs.append(
            new_output(
                data, subject=debtor_id, time=event.time, id_parts=(event.identity, str(number)), source=ctx.source
            )
        )
    outputs += [
        cancelled(ctx, send_id, debtor_id, effects.record.pending.get(send_id, ()), reason, event)
        for send_id, reason in effects.cancel.items()
    ]
    outputs += [scheduled(ctx, send, event) for send in effects.sends]
    return outputs


__all__ = ["handle_reply", "normalise_destination"]
