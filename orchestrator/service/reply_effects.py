"""What a debtor's reply does to their record, before the one commit (``replies.py``): an opt-out and
its one confirmation, a hold with its cancellations, a promise on the account it names (with the
promise cadence; in the account's currency only), a callback request, a HELP answer, a wrong number;
keypad presses on a call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from orchestrator.domain import AccountState, DebtorState, OptOutRecord
from orchestrator.domain.transitions import OPT_IN_KEYWORDS, apply_event, keyword_of
from orchestrator.events import Channel, HoldPlaced, HoldReason, InboundEvent, PromiseCreated, ProviderInbound
from orchestrator.ids import send_id, stable_id
from orchestrator.outbound import PROVIDER_KEYWORD_REPLIES
from orchestrator.outputs import (
    CallbackRequested,
    Output,
    PaymentIntentDetected,
)
from orchestrator.replies import Intent, ReplyClassification, provider_keyword
from orchestrator.replies.accounts import named_account
from orchestrator.replies.currency_signs import written_with
from orchestrator.replies.quoting import own_words
from orchestrator.service.context import ServiceContext
from orchestrator.service.destinations import normalise_destination
from orchestrator.service.planning import cause_facts, plan_event
from orchestrator.service.record import DebtorRecord
from orchestrator.service.sends import PlannedSend
from orchestrator.service.targeting import aimed
from orchestrator.service.zones import primary_zone
from orchestrator.timezones import zone, zones_for_profile

HOLD_INTENTS: dict[Intent, HoldReason] = {
    Intent.CEASE_COMMUNICATION: "cease",
    Intent.ATTORNEY: "attorney",
    Intent.BANKRUPTCY: "bankruptcy",
    Intent.DECEASED: "deceased",
    Intent.DISPUTE: "dispute",
}
# Intents whose handling cancels by purpose (a dispute's hold spares the validation notice, a promise
# supersedes the earlier promise's reminder).
PURPOSE_AWARE_INTENTS = frozenset({*HOLD_INTENTS, Intent.PROMISE_TO_PAY})
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


@dataclass
class ReplyEffects:
    """What acting on one reply produces, gathered before the single commit."""

    record: DebtorRecord
    outputs: list[Output] = field(default_factory=list)
    sends: list[PlannedSend] = field(default_factory=list)
    cancel: dict[str, str] = field(default_factory=dict)  # pending send id → why the reply cancels it
    prior: DebtorState | None = None  # before the reply: a keyword STOP is already applied to ``record``
    intent: str | None = None  # the intent to publish when it is not the classified one
    needs_review: bool = False  # a person should look at the reply whatever its intent
    currency: str | None = None  # of the reply's amount, once a promise tied it to the debtor's accounts
    cues: list[str] = field(default_factory=list)  # what the handling adds to the classifier's cues, for a reviewer


def reply_send(
    event: InboundEvent,
    state: DebtorState,
    template: str,
    channel: Channel,
    to: str,
    accounts: tuple[str, ...] | None = None,
    facts: tuple[tuple[str, str], ...] = (),
) -> PlannedSend:
    return PlannedSend(
        send_id=send_id(event.identity, template),
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


def opted_out(state: DebtorState, channel: Channel, destination: str) -> bool:
    return any(o.channel == channel and o.destination in (None, destination) for o in state.opt_outs)


def provider_answered(ctx: ServiceContext, channel: Channel, text: str) -> bool:
    """True when the provider has already answered this keyword itself (Twilio's STOP reply)."""
    adapter = ctx.channels.get(channel)
    return (
        adapter is not None
        and PROVIDER_KEYWORD_REPLIES in adapter.limits.features
        and provider_keyword(text) is not None
    )


def act(ctx: ServiceContext, event: InboundEvent, reply: ReplyClassification, effects: ReplyEffects) -> None:
    data = event.data
    assert isinstance(data, ProviderInbound)
    channel, sender = data.channel, normalise_destination(data.channel, data.from_)
    state = effects.record.state
    debtor_id = state.debtor_id
    open_accounts = tuple(a.id for a in state.accounts if a.status == "open")
    intent = reply.intent
    if reply.opt_out_requested and channel != "voice":
        if not opted_out(state, channel, sender):  # a keyword STOP is already recorded by apply_event
            state = replace(state, opt_outs=(*state.opt_outs, OptOutRecord(channel, sender, event.time)))
        if not opted_out(effects.prior or state, channel, sender) and not provider_answered(ctx, channel, data.text):
            effects.sends.append(reply_send(event, state, "opt_out_confirmation", channel, sender))
    if intent == Intent.OPT_IN:
        # Only START/UNSTOP by SMS reopens the medium (COMPLIANCE item 5; apply_event did it): any other
        # wording, or a medium still closed, is a request for a person (a consent update), not an opt-in.
        reopened = channel == "sms" and keyword_of(data.text) in OPT_IN_KEYWORDS
        if not reopened or opted_out(state, channel, sender):
            effects.intent, effects.needs_review = OPT_IN_REQUEST, True
    if intent in HOLD_INTENTS:
        hold = InboundEvent(
            id=stable_id("hold", event.identity),
            type="hold.placed",
            source=ctx.source,
            subject=debtor_id,
            time=event.time,
            data=HoldPlaced(account_id=None, reason=HOLD_INTENTS[intent]),
        )
        state = apply_event(state, hold)
        # The hold's cadence cancels what it covers, sparing what the hold permits (a dispute: the
        # validation notice), as the same hold placed upstream would.
        plan = plan_event(hold, effects.record.with_state(state), ctx.cadences, primary_zone(ctx, state))
        effects.cancel.update(dict.fromkeys(plan.cancel, f"reply: {intent.value}"))
        stopped = dict.fromkeys(plan.cancel_in_flight, f"reply: {intent.value}")
        effects.record = effects.record.cancelling_in_flight(stopped, event.id)
    elif intent == Intent.HELP and channel == "sms" and not provider_answered(ctx, channel, data.text):
        effects.sends.append(reply_send(event, state, "help_reply", channel, sender))
    elif intent == Intent.WRONG_NUMBER:
        state = replace(state, bad_destinations=state.bad_destinations | {sender})
    elif intent == Intent.CALLBACK_REQUEST:
        effects.outputs.append(callback(ctx, event, state, reply))
    elif intent == Intent.PROMISE_TO_PAY:
        account = account_named(own_words(data.text, channel, cut=data.text_truncated), state)
        in_question = accounts_in_question(state, account)
        effects.currency = amount_currency(reply, in_question)
        mismatch = currency_mismatch(reply, in_question, account)
        if mismatch is not None:
            effects.cues.append(mismatch)
        effects.needs_review = account is None or mismatch is not None
        effects.outputs.append(
            PaymentIntentDetected(
                debtor_id=debtor_id,
                account_id=account,
                amount=reply.amount,
                currency=effects.currency,
                date=reply.date,
                confidence=reply.confidence,
                source_reply_id=event.id,
                needs_review=effects.needs_review,
            )
        )
        promised = reply.amount is not None and reply.date is not None and mismatch is None
        if channel in ("sms", "email") and promised and account:
            state = record_promise(ctx, event, reply, account, state, effects)
    elif intent == Intent.ALREADY_PAID:
        until = event.time + ctx.already_paid_pause
        for account in open_accounts:
            effects.record = effects.record.pausing(account, until)
    effects.record = effects.record.with_state(state)


def account_named(text: str, state: DebtorState) -> str | None:
    """The account a reply is about: the only open one, or the one ``text`` (the debtor's own words, not
    a quoted message) names; None when unclear."""
    open_accounts = [(a.id, a.creditor) for a in state.accounts if a.status == "open"]
    if len(open_accounts) == 1:
        return open_accounts[0][0]
    return named_account(text, open_accounts)


def accounts_in_question(state: DebtorState, account_id: str | None) -> tuple[AccountState, ...]:
    """The accounts a reply's amount can be about: the one it is tied to; else the open ones (every one
    when none is open)."""
    if account_id is not None:
        return tuple(a for a in state.accounts if a.id == account_id)
    return tuple(a for a in state.accounts if a.status == "open") or state.accounts


def amount_currency(reply: ReplyClassification, accounts: Sequence[AccountState]) -> str | None:
    """The currency of the reply's amount (or of a promise without one): the one the reply names, else the
    one ``accounts`` share; None when they are in several. A bare "$" is the currency of ``accounts`` that
    is written "$" too ("$500" about a peso account is MXN; None when several are), else USD. A named
    currency is kept even when no account is in it: an amount is never relabelled (``currency_mismatch``
    sends it to review)."""
    currencies = {a.currency for a in accounts}
    if reply.currency is not None:
        signed = _written_with_reply_sign(reply, currencies)
        if not signed:
            return reply.currency
        return signed.pop() if len(signed) == 1 else None
    return currencies.pop() if len(currencies) == 1 else None


def currency_mismatch(
    reply: ReplyClassification, accounts: Sequence[AccountState], account_id: str | None
) -> str | None:
    """The review cue for a reply naming a currency none of ``accounts`` is in ("$50" about a euro
    account), e.g. ``currency_mismatch:USD, account A1 in EUR``; None when it names none or theirs (a bare
    "$" is theirs when they write it too: CAD, MXN…)."""
    currencies = sorted({a.currency for a in accounts})
    if reply.currency is None or not currencies or reply.currency in currencies:
        return None
    if _written_with_reply_sign(reply, set(currencies)):
        return None
    whose = f"account {account_id}" if account_id is not None else "accounts"
    return f"currency_mismatch:{reply.currency}, {whose} in {'/'.join(currencies)}"


def _written_with_reply_sign(reply: ReplyClassification, currencies: set[str]) -> set[str]:
    """Those of ``currencies`` written with the bare sign the reply's amount has ("$"); empty without one."""
    sign = reply.currency_sign
    return {code for code in currencies if written_with(sign, code)} if sign is not None else set()


def record_promise(
    ctx: ServiceContext,
    event: InboundEvent,
    reply: ReplyClassification,
    account: str,
    state: DebtorState,
    effects: ReplyEffects,
) -> DebtorState:
    """Record the promise as the upstream system would (``promise.created``) and plan that event's
    cadence: dunning for the account pauses until the date, the reminder the day before is planned
    (unless that moment has passed), and the earlier promise's pending confirmation and reminder are
    cancelled. The reply itself is answered with the confirmation, where the debtor wrote from."""
    data = event.data
    assert isinstance(data, ProviderInbound) and reply.amount is not None and reply.date is not None
    promise = InboundEvent(
        id=stable_id("promise", event.identity),
        type="promise.created",
        source=ctx.source,
        subject=state.debtor_id,
        time=event.time,
        data=PromiseCreated(account_id=account, amount=reply.amount, due_date=reply.date),
    )
    state = apply_event(state, promise)
    sender = normalise_destination(data.channel, data.from_)
    confirmation = reply_send(
        event, state, PROMISE_CONFIRMATION, data.channel, sender, (account,), cause_facts(promise)
    )
    effects.sends.append(confirmation)
    home = primary_zone(ctx, state)
    plan = plan_event(promise, effects.record.with_state(state), ctx.cadences, home)
    effects.cancel.update(plan.cancel)
    effects.record = effects.record.cancelling_in_flight(plan.cancel_in_flight, event.id)
    effects.sends += [
        aimed(state, send, ctx.policy, home, ctx.renderer.channels_of(send.template_id), naive=ctx.naive_policy)
        for send in plan.sends
        if send.template_id != PROMISE_CONFIRMATION  # the reply's own confirmation above
    ]
    return state


def callback(
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


def keypad_press(ctx: ServiceContext, event: InboundEvent, digit: str, effects: ReplyEffects) -> None:
    """A keypad press on a live call: 1 texts the payment link, 2 asks for a call back, 9 stops calls."""
    data = event.data
    assert isinstance(data, ProviderInbound)
    state = effects.record.state
    if digit == "1":
        mobiles = [p.number for p in state.profile.phones if p.type == "mobile"]
        to = data.from_ if data.from_ in mobiles else (mobiles[0] if mobiles else data.from_)
        effects.sends.append(reply_send(event, state, "payment_reminder", "sms", to))
    elif digit == "2":
        effects.outputs.append(callback(ctx, event, state, None))
    elif digit == "9":
        record = OptOutRecord("voice", normalise_destination("voice", data.from_), event.time)
        effects.record = effects.record.with_state(replace(state, opt_outs=(*state.opt_outs, record)))


def classify_keypad(text: str) -> ReplyClassification:
    digit = text.removeprefix(KEYPAD_PREFIX).strip()
    intent = {"1": Intent.PROMISE_TO_PAY, "2": Intent.CALLBACK_REQUEST, "9": Intent.OPT_OUT}.get(digit, Intent.OTHER)
    return ReplyClassification(intent=intent, confidence=1.0, amount=None, date=None, cues=(f"keypad:{digit}",))
