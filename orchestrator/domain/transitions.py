"""State transitions: pure functions from (state, event) to the next state.

Nothing here reads a clock: every instant comes from the event or the attempt, so replaying the
same events from nothing rebuilds the same state. Ledger entries, conversations and inbound contacts
older than ``LEDGER_RETENTION`` are pruned on every transition: no rule looks back further than 7
calendar days (plus a zone offset), and aggregated response history outlives them. Keeping the
ledger short is what keeps a debtor's blob near 1 KiB. The decisions topic, not this ledger, is the
contact record kept for years.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal

from orchestrator.domain.model import (
    AccountState,
    Attempt,
    Conversation,
    DebtorState,
    Hold,
    InboundContact,
    OptOutRecord,
    Outcome,
    Promise,
    ResponseStat,
)
from orchestrator.events import (
    DEFAULT_CURRENCY,
    AccountClosed,
    AccountPlaced,
    AccountUpdated,
    Channel,
    ConversationLogged,
    DebtorPatch,
    DebtorProfile,
    DebtorUpdated,
    HoldPlaced,
    HoldReleased,
    InboundEvent,
    Name,
    PaymentReceived,
    PromiseBroken,
    PromiseCreated,
    ProviderInbound,
    ProviderStatus,
)
from orchestrator.policy.channel_choice import band_of
from orchestrator.timezones import zone, zones_for_profile

LEDGER_RETENTION = timedelta(days=10)
CONVERSATION_MIN_SECONDS = 30
# A reply within this long after an attempt counts as a response to it (response history).
RESPONSE_ATTRIBUTION = timedelta(hours=72)

OPT_OUT_KEYWORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout", "alto"})
OPT_IN_KEYWORDS = frozenset({"start", "unstop"})
# Provider error codes meaning the destination is no good at all (unknown handset, invalid number),
# and those meaning only that it cannot take texts (a landline, not a mobile): it may still be called.
BAD_DESTINATION_CODES = frozenset({"30005", "21211"})
NOT_TEXTABLE_CODES = frozenset({"30006", "21614", "21635"})
SMS_OPT_OUT_CODE = "21610"
# SendGrid events in which the consumer asks for no more email to that address (Reg F §1006.6(e)):
# an opt-out of the address, as an UNSUBSCRIBE reply is. A resubscribe is no opt-in (COMPLIANCE.md item 5).
EMAIL_OPT_OUT_STATUSES = frozenset({"unsubscribe", "group_unsubscribe", "spamreport"})
# SendGrid failures (PROVIDERS.md §4). A hard ``bounce`` (the address is on SendGrid's Bounces list) and
# a ``dropped`` for these reasons mean the address is no good; a drop because the address unsubscribed
# or reported spam is an opt-out of it. A ``blocked`` bounce (policy, reputation) says more about the
# sender than the address: a temporary failure.
EMAIL_HARD_BOUNCE_STATUSES = frozenset({"bounce", "bounced"})
EMAIL_BAD_DROP_REASONS = frozenset({"bounced address", "invalid"})
EMAIL_OPT_OUT_DROP_REASONS = frozenset({"unsubscribed address", "spam reporting address"})
# How channels/webhooks/normalize.py publishes Twilio's async AMD callback: the only voice status
# carrying the AMD answer, and it may arrive before or after the call's ``completed``.
AMD_STATUS = "answered"

_FINAL_OUTCOMES = frozenset({"delivered", "failed", "human", "machine", "conversation", "not_connected"})
_COMMUNICATED = frozenset({"delivered", "human", "conversation"})
_NOT_LETTERS = re.compile(r"[^a-z]+")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def keyword_of(text: str) -> str:
    """A message reduced to one lowercase word: case, spaces, punctuation and emoji removed."""
    return _NOT_LETTERS.sub("", text.lower())


def blank_state(debtor_id: str) -> DebtorState:
    """The state of a debtor Parley has no profile for yet (events arrived before account.placed)."""
    return DebtorState(profile=DebtorProfile(id=debtor_id or "unknown", name=Name(first="")))


# --- profile ----------------------------------------------------------------------------------


def _regranted(old: DebtorProfile, new: DebtorProfile) -> set[tuple[Channel, str]]:
    """Destinations whose consent went from absent/False to True: a consent update re-opts them in."""
    old_sms = {p.number for p in old.phones if p.sms_consent}
    old_call = {p.number for p in old.phones if p.call_consent}
    old_email = {e.address.lower() for e in old.emails if e.consent}
    granted: set[tuple[Channel, str]] = set()
    for phone in new.phones:
        if phone.sms_consent and phone.number not in old_sms:
            granted.add(("sms", phone.number))
        if phone.call_consent and phone.number not in old_call:
            granted.add(("voice", phone.number))
    for email in new.emails:
        if email.consent and email.address.lower() not in old_email:
            granted.add(("email", email.address.lower()))
    return granted


def _with_profile(state: DebtorState, profile: DebtorProfile) -> DebtorState:
    granted = _regranted(state.profile, profile)
    opt_outs = tuple(
        o for o in state.opt_outs if o.destination is None or (o.channel, o.destination.lower()) not in granted
    )
    return replace(state, profile=profile, opt_outs=opt_outs)


def _patched(profile: DebtorProfile, patch: DebtorPatch) -> DebtorProfile:
    updates = {
        name: getattr(patch, name)
        for name in patch.model_fields_set
        if name != "id" and (getattr(patch, name) is not None or name in ("timezone", "address"))
    }
    return profile.model_copy(update=updates)


# --- accounts ---------------------------------------------------------------------------------


def _update_account(state: DebtorState, account_id: str, **changes: object) -> DebtorState:
    accounts = tuple(replace(a, **changes) if a.id == account_id else a for a in state.accounts)  # type: ignore[arg-type]
    return replace(state, accounts=accounts)


def _placed(state: DebtorState | None, data: AccountPlaced) -> DebtorState:
    base = _with_profile(state, data.debtor) if state else DebtorState(profile=data.debtor)
    incoming = data.account
    existing = base.account(incoming.id)
    if existing:
        return _update_account(
            base,
            incoming.id,
            creditor=incoming.creditor,
            balance=incoming.balance,
            currency=incoming.currency,
            status="open",
        )
    account = AccountState(
        id=incoming.id, creditor=incoming.creditor, balance=incoming.balance, currency=incoming.currency
    )
    return replace(base, accounts=(*base.accounts, account))


def _account_updated(state: DebtorState, data: AccountUpdated) -> DebtorState:
    patch = data.account
    existing = state.account(patch.id)
    if existing is None:
        created = AccountState(
            id=patch.id,
            creditor=patch.creditor or "",
            balance=patch.balance if patch.balance is not None else Decimal(0),
            currency=patch.currency or DEFAULT_CURRENCY,
        )
        return replace(state, accounts=(*state.accounts, created))
    changes: dict[str, object] = {}
    if patch.creditor is not None:
        changes["creditor"] = patch.creditor
    if patch.balance is not None:
        changes["balance"] = patch.balance
    if patch.currency is not None:  # a new currency is taken as stated: the balance is not converted
        changes["currency"] = patch.currency
    return _update_account(state, patch.id, **changes)


def _payment(state: DebtorState, data: PaymentReceived) -> DebtorState:
    account = state.account(data.account_id)
    if account is None:
        return state
    balance = account.balance - data.amount
    status = "paid" if balance <= 0 and account.status == "open" else account.status
    return _update_account(state, account.id, balance=balance, status=status, promise=None)


# --- holds, conversations -----------------------------------------------------------------------


def _hold_placed(state: DebtorState, data: HoldPlaced, at: datetime) -> DebtorState:
    if any(h.account_id == data.account_id and h.reason == data.reason for h in state.holds):
        return state
    return replace(state, holds=(*state.holds, Hold(data.account_id, data.reason, at)))


def _hold_released(state: DebtorState, data: HoldReleased) -> DebtorState:
    holds = tuple(h for h in state.holds if not (h.account_id == data.account_id and h.reason == data.reason))
    return replace(state, holds=holds)


def _add_conversation(state: DebtorState, at: datetime, account_ids: tuple[str, ...]) -> DebtorState:
    conversation = Conversation(_utc(at), account_ids)
    if conversation in state.conversations:
        return state
    return replace(state, conversations=(*state.conversations, conversation))


# --- response history -------------------------------------------------------------------------


def _band(state: DebtorState, at: datetime) -> str | None:
    return band_of(at.astimezone(zone(zones_for_profile(state.profile).primary)))


def _count_response(state: DebtorState, channel: Channel, band: str | None, success: int, trial: int) -> DebtorState:
    if band is None:
        return state
    stats = list(state.responses)
    for index, stat in enumerate(stats):
        if stat.channel == channel and stat.band == band:
            stats[index] = replace(stat, successes=stat.successes + success, trials=stat.trials + trial)
            break
    else:
        stats.append(ResponseStat(channel, band, success, trial))
    return replace(state, responses=tuple(stats))


def _mark_responded(state: DebtorState, attempt: Attempt) -> DebtorState:
    if attempt.responded:
        return state
    ledger = tuple(replace(a, responded=True) if a.id == attempt.id else a for a in state.ledger)
    return _count_response(replace(state, ledger=ledger), attempt.channel, _band(state, attempt.at), 1, 0)


# --- opt-outs -------------------------------------------------------------------------------


def _opt_out(state: DebtorState, channel: Channel, destination: str, at: datetime) -> DebtorState:
    if any(o.channel == channel and o.destination == destination for o in state.opt_outs):
        return state
    return replace(state, opt_outs=(*state.opt_outs, OptOutRecord(channel, destination, at)))


def _opt_in(state: DebtorState, channel: Channel, destination: str) -> DebtorState:
    opt_outs = tuple(o for o in state.opt_outs if not (o.channel == channel and o.destination == destination))
    return replace(state, opt_outs=opt_outs)


# --- provider events ----------------------------------------------------------------------------


def is_machine(answered_by: str | None) -> bool:
    """Whether an AMD answer says a machine (or a fax) picked up: never a conversation, nor a contact."""
    answered = (answered_by or "").lower()
    return answered.startswith("machine") or answered == "fax"


def _voice_outcome(data: ProviderStatus, answered_by: str | None) -> Outcome | None:
    """``answered_by``: the AMD answer the attempt holds (async AMD sends it apart from ``completed``)."""
    status = data.status.lower().replace("_", "-")
    if status == "completed":
        if is_machine(answered_by):
            return "machine"
        person = (answered_by or "").lower() in ("human", "", "unknown")
        if person and (data.duration_s or 0) >= CONVERSATION_MIN_SECONDS:
            return "conversation"  # no AMD answer (yet): assume a person (the conservative reading)
        return "human"
    if status in ("busy", "canceled"):
        return "not_connected"
    if status == "failed":
        return "failed"
    if status == "no-answer":
        return "placed"  # it rang: counted
    return None


def _message_outcome(status: str) -> Outcome | None:
    status = status.lower()
    if status == "delivered":
        return "delivered"
    if status in ("sent", "accepted", "queued", "sending", "processed"):
        return "sent"
    if status in ("failed", "undelivered", "bounce", "bounced", "dropped", "blocked"):
        return "failed"
    return None


EmailFailure = Literal["bad_address", "opted_out", "temporary"]


def email_failure(data: ProviderStatus) -> EmailFailure | None:
    """What a SendGrid event says against the address (PROVIDERS.md §4): no good, opted out (an
    unsubscribe, a spam report, a drop for either), a temporary failure — or None."""
    status = data.status.lower()
    reason = (data.error_code or "").strip().lower()
    if status in EMAIL_OPT_OUT_STATUSES:
        return "opted_out"
    if status in EMAIL_HARD_BOUNCE_STATUSES:
        return "bad_address"
    if status == "dropped":
        if reason in EMAIL_BAD_DROP_REASONS:
            return "bad_address"
        if reason in EMAIL_OPT_OUT_DROP_REASONS:
            return "opted_out"
        return "temporary"
    if status in ("blocked", "failed", "undelivered"):
        return "temporary"
    return None


def not_textable(number: str) -> str:
    """The ``bad_destinations`` entry that bars texts to ``number`` but not calls."""
    return f"sms:{number}"


def _with_attempt(state: DebtorState, attempt: Attempt) -> DebtorState:
    return replace(state, ledger=tuple(attempt if a.id == attempt.id else a for a in state.ledger))


def _record_answer(state: DebtorState, attempt: Attempt, answered_by: str) -> tuple[DebtorState, Attempt]:
    """Keep a call's AMD answer on its attempt; a definite answer is not replaced by ``unknown``."""
    if attempt.answered_by == answered_by or (answered_by.lower() == "unknown" and attempt.answered_by):
        return state, attempt
    updated = replace(attempt, answered_by=answered_by)
    return _with_attempt(state, updated), updated


def _unanswered_by_a_person(state: DebtorState, attempt: Attempt) -> DebtorState:
    """A call classified as answered by a person (``completed`` came before the AMD callback) that AMD
    then reports as a machine: it becomes a machine answer, and what the person's answer added goes —
    the conversation (and its 7-day call block), the first contact it set, its response count."""
    machine = replace(attempt, outcome="machine", responded=False)
    state = _with_attempt(state, machine)
    if attempt.outcome == "conversation":
        conversation = Conversation(attempt.at, attempt.account_ids)
        state = replace(state, conversations=tuple(c for c in state.conversations if c != conversation))
    if attempt.responded:
        state = _count_response(state, attempt.channel, _band(state, attempt.at), -1, 0)

    def first_contact(account_id: str) -> datetime | None:
        others = [
            a.at
            for a in state.ledger
            if a.id != attempt.id and a.outcome in _COMMUNICATED and account_id in a.account_ids
        ]
        return min(others, default=None)

    accounts = tuple(
        replace(a, first_contact_at=first_contact(a.id))
        if a.id in attempt.account_ids and a.first_contact_at == attempt.at
        else a
        for a in state.accounts
    )
    return replace(state, accounts=accounts)


def _provider_status(state: DebtorState, data: ProviderStatus, at: datetime) -> DebtorState:
    attempt = next((a for a in state.ledger if a.provider_message_id == data.provider_message_id), None)
    if attempt is None:
        return state
    if data.error_code in BAD_DESTINATION_CODES:
        state = replace(state, bad_destinations=state.bad_destinations | {attempt.destination})
    elif data.error_code in NOT_TEXTABLE_CODES:
        state = replace(state, bad_destinations=state.bad_destinations | {not_textable(attempt.destination)})
    if data.error_code == SMS_OPT_OUT_CODE:
        state = _opt_out(state, "sms", attempt.destination, at)
    elif attempt.channel == "email":
        failure = email_failure(data)
        if failure == "opted_out":
            state = _opt_out(state, "email", attempt.destination.lower(), at)
        elif failure == "bad_address":
            state = replace(state, bad_destinations=state.bad_destinations | {attempt.destination.lower()})
    if data.channel != "voice" and data.status.lower() in ("open", "opened", "click", "clicked"):
        return _mark_responded(state, attempt)
    if attempt.channel == "voice":
        if data.answered_by:
            state, attempt = _record_answer(state, attempt, data.answered_by)
        if data.status.lower() == AMD_STATUS:
            if is_machine(attempt.answered_by) and attempt.outcome in ("human", "conversation"):
                return _unanswered_by_a_person(state, attempt)  # the AMD callback came after ``completed``
            return state
    outcome = _voice_outcome(data, attempt.answered_by) if attempt.channel == "voice" else _message_outcome(data.status)
    if (
        outcome is None
        or outcome == attempt.outcome
        or (attempt.outcome in _FINAL_OUTCOMES and outcome in ("placed", "sent"))
    ):
        return state  # the same state object: nothing to record (``sent`` after dispatch, a repeated status)
    updated = replace(attempt, outcome=outcome)
    state = _with_attempt(state, updated)
    if outcome in _COMMUNICATED:
        accounts = tuple(
            replace(a, first_contact_at=attempt.at) if a.id in attempt.account_ids and a.first_contact_at is None else a
            for a in state.accounts
        )
        state = replace(state, accounts=accounts)
    if outcome == "conversation":
        state = _add_conversation(state, attempt.at, attempt.account_ids)
    if outcome in ("human", "conversation"):
        state = _mark_responded(state, updated)
    return state


def _provider_inbound(state: DebtorState, data: ProviderInbound, at: datetime) -> DebtorState:
    source = data.from_ if data.channel == "sms" else data.from_.lower()
    word = keyword_of(data.text)
    if word in OPT_OUT_KEYWORDS:
        state = _opt_out(state, data.channel, source, at)
    elif word in OPT_IN_KEYWORDS and data.channel == "sms":
        state = _opt_in(state, "sms", source)
    inbound = tuple(i for i in state.inbound if i.channel != data.channel)
    state = replace(state, inbound=(*inbound, InboundContact(data.channel, source, at)))
    answered = [
        a
        for a in state.ledger
        if a.channel == data.channel
        and a.destination.lower() == source.lower()
        and a.at <= at < a.at + RESPONSE_ATTRIBUTION
    ]
    return _mark_responded(state, answered[-1]) if answered else state


# --- public -----------------------------------------------------------------------------------


def prune(state: DebtorState, now: datetime) -> DebtorState:
    """Drop ledger entries, conversations and inbound contacts older than LEDGER_RETENTION."""
    horizon = now - LEDGER_RETENTION
    stale = (
        any(a.at < horizon for a in state.ledger)
        or any(c.at < horizon for c in state.conversations)
        or any(i.at < horizon for i in state.inbound)
    )
    if not stale:
        return state
    return replace(
        state,
        ledger=tuple(a for a in state.ledger if a.at >= horizon),
        conversations=tuple(c for c in state.conversations if c.at >= horizon),
        inbound=tuple(i for i in state.inbound if i.at >= horizon),
    )


def apply_event(state: DebtorState | None, event: InboundEvent) -> DebtorState:
    """The state after one inbound event; unknown accounts and unmatched provider ids change nothing."""
    data = event.data
    at = _utc(event.time)
    if isinstance(data, AccountPlaced):
        return prune(_placed(state, data), at)
    current = state or blank_state(event.subject or "")
    if isinstance(data, DebtorUpdated):
        new = _with_profile(current, _patched(current.profile, data.debtor))
    elif isinstance(data, AccountUpdated):
        new = _account_updated(current, data)
    elif isinstance(data, HoldPlaced):
        new = _hold_placed(current, data, at)
    elif isinstance(data, HoldReleased):
        new = _hold_released(current, data)
    elif isinstance(data, ConversationLogged):
        new = _add_conversation(current, data.at, data.account_ids)
    elif isinstance(data, PaymentReceived):
        new = _payment(current, data)
    elif isinstance(data, AccountClosed):
        new = _update_account(current, data.account_id, status="closed", promise=None)
    elif isinstance(data, PromiseCreated):
        new = _update_account(current, data.account_id, promise=Promise(data.amount, data.due_date))
    elif isinstance(data, PromiseBroken):
        new = _update_account(current, data.account_id, promise=None)
    elif isinstance(data, ProviderStatus):
        new = _provider_status(current, data, at)
    elif isinstance(data, ProviderInbound):
        new = _provider_inbound(current, data, at)
    else:  # payment.missed: a cadence trigger, no state of its own
        new = current
    return prune(new, at)


def record_attempt(state: DebtorState, attempt: Attempt) -> DebtorState:
    """The state after dispatching ``attempt``: one ledger entry per attempt id, so a send that goes
    again (handed back after the provider refused it) replaces its earlier entry — its channel, time
    and destination are the ones that count. Recording the same attempt twice changes nothing."""
    attempt = replace(attempt, at=_utc(attempt.at))
    state = withdraw_attempt(state, attempt.id)
    state = replace(state, ledger=(*state.ledger, attempt))
    state = _count_response(state, attempt.channel, _band(state, attempt.at), 0, 1)
    return prune(state, attempt.at)


def withdraw_attempt(state: DebtorState, attempt_id: str) -> DebtorState:
    """The state without the attempt (the provider never took it): its ledger entry goes, and so does
    what it added to the response history."""
    earlier = next((a for a in state.ledger if a.id == attempt_id), None)
    if earlier is None:
        return state
    state = replace(state, ledger=tuple(a for a in state.ledger if a.id != attempt_id))
    return _count_response(state, earlier.channel, _band(state, earlier.at), -int(earlier.responded), -1)


def record_provider_id(state: DebtorState, attempt_id: str, provider_message_id: str) -> DebtorState:
    """Attach the provider's message id to an attempt, so later provider statuses find it."""
    ledger = tuple(
        replace(a, provider_message_id=provider_message_id) if a.id == attempt_id else a for a in state.ledger
    )
    return replace(state, ledger=ledger)


def record_outcome(state: DebtorState, attempt_id: str, outcome: Outcome) -> DebtorState:
    """Set an attempt's outcome directly (e.g. the provider refused the send synchronously)."""
    ledger = tuple(replace(a, outcome=outcome) if a.id == attempt_id else a for a in state.ledger)
    return replace(state, ledger=ledger)
