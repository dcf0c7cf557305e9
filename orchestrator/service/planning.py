"""Cadence planning: an account event becomes cancellations and planned sends.

Pure: the event, the debtor's record and the cadences in; a :class:`Plan` out. Send ids derive from
the cause event and the step, so planning the same event twice plans the same sends.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from orchestrator.cadence import Cadences, step_due_at, step_passed
from orchestrator.compliance.rules import DISPUTE_PERMITTED
from orchestrator.events import Contract, HoldPlaced, InboundEvent
from orchestrator.ids import send_id
from orchestrator.service.record import DebtorRecord
from orchestrator.service.sends import PlannedSend

_NO_ACCOUNT = object()

# What a hold leaves pending: the purposes its compliance rule lets through while it lasts (COMPLIANCE
# item 6: a dispute allows the validation/verification notice). Any other hold cancels all it covers.
HOLD_SPARES: Mapping[str, frozenset[str]] = {"dispute": DISPUTE_PERMITTED}


@dataclass(frozen=True, slots=True)
class Plan:
    """What one event does to the debtor's schedule: the sends it plans, the pending sends it cancels
    (each with why), and the sends in their provider call it would cancel by the same rules — those
    cannot be called back, so the record marks them (``DebtorRecord.cancelling_in_flight``) and they are
    cancelled only if the provider then never takes them."""

    sends: tuple[PlannedSend, ...] = ()
    cancel: Mapping[str, str] = field(default_factory=dict)
    cancel_in_flight: Mapping[str, str] = field(default_factory=dict)


def event_account_ids(data: Contract) -> tuple[str, ...] | None:
    """The accounts an event is about; None when it names none (debtor-wide)."""
    account_id = getattr(data, "account_id", _NO_ACCOUNT)
    if account_id is not _NO_ACCOUNT:
        return None if account_id is None else (str(account_id),)
    account = getattr(data, "account", None)
    if account is not None:
        return (str(account.id),)
    account_ids = getattr(data, "account_ids", None)
    if account_ids:
        return tuple(str(a) for a in account_ids)
    return None


# Fields of a cause event a message about it may quote, under the names the templates use.
CAUSE_FACTS: dict[str, dict[str, str]] = {
    "payment.received": {"amount": "payment_amount", "paid_at": "payment_date"},
    "payment.missed": {"amount_due": "amount_due", "due_date": "due_date"},
    "promise.created": {"amount": "promise_amount", "due_date": "promise_date"},
}


def cause_facts(event: InboundEvent) -> tuple[tuple[str, str], ...]:
    """The quotable facts of ``event``: amounts as decimal strings, dates as ISO dates."""
    facts = []
    for field_name, variable in CAUSE_FACTS.get(event.type, {}).items():
        value = getattr(event.data, field_name, None)
        if value is None:
            continue
        text = value.date().isoformat() if isinstance(value, datetime) else str(value)
        facts.append((variable, text))
    return tuple(sorted(facts))


def plan_event(event: InboundEvent, record: DebtorRecord, cadences: Cadences, zone: ZoneInfo) -> Plan:
    """Cancel what the event's cadence cancels, then plan its steps (due times before send-time policy)."""
    if event.type not in cadences.events:
        return Plan()
    cadence = cadences.for_event(event.type)
    accounts = event_account_ids(event.data)
    cancel: list[str] = []
    if cadence.cancel == "all":
        cancel = record.sends_for(None)
    elif cadence.cancel == "account":
        if accounts is None:
            cancel = record.sends_for(None)
        else:
            cancel = sorted({send for account in accounts for send in record.sends_for(account)})
    reached = _really_cancelled(event, cancel, record, cadence.cancel_purposes)
    cancelled = {send: why for send, why in reached.items() if send in record.pending}
    in_flight = {send: why for send, why in reached.items() if send not in record.pending}
    if not accounts or not cadence.steps:
        return Plan(cancel=cancelled, cancel_in_flight=in_flight)
    event_time = event.time.astimezone(UTC)
    facts = cause_facts(event)
    sends = tuple(
        PlannedSend(
            send_id=send_id(event.identity, step.id),
            debtor_id=record.state.debtor_id,
            account_ids=accounts,
            template_id=step.template,
            channel=step.channel,
            purpose=step.purpose,
            due_at=not_before(step_due_at(step, event_time=event_time, data=event.data, zone=zone), event_time),
            cause_event_id=event.id,
            cause_time=event_time,
            step_id=step.id,
            skip_when=tuple(step.skip_when),
            facts=facts,
        )
        for step in cadence.steps
        # A step anchored on the event's data whose moment came before the event is not planned: not
        # sent at once, nor pushed onto the very day it was to come before.
        if not step_passed(step, event_time=event_time, data=event.data, zone=zone)
    )
    return Plan(sends=sends, cancel=cancelled, cancel_in_flight=in_flight)


def purposes_matter(event: InboundEvent, cadences: Cadences) -> bool:
    """True when what ``event`` cancels depends on the pending sends' purposes: its cadence cancels only
    some purposes (a new promise supersedes the earlier promise's confirmation and reminder), or it is
    a hold that spares some (``HOLD_SPARES``)."""
    if event.type in cadences.events and cadences.for_event(event.type).cancel_purposes:
        return True
    return isinstance(event.data, HoldPlaced) and event.data.reason in HOLD_SPARES


def _really_cancelled(
    event: InboundEvent, scope: list[str], record: DebtorRecord, only: Sequence[str]
) -> dict[str, str]:
    """The sends in the cadence's cancel ``scope`` (pending, or in their provider call) that ``event``
    cancels, each with why.

    ``only`` (the cadence's ``cancel_purposes``) keeps only the sends of those purposes; a hold spares
    the purposes it permits. A send whose purpose the record does not know (scheduled before records
    kept purposes; intake reads those first) is cancelled by a hold and left alone by ``only``: in
    doubt, no contact."""
    if only:
        purposes = {send: record.purpose_of(send) for send in scope}
        return {
            send: f"{event.type}: supersedes the pending {purpose}"
            for send, purpose in purposes.items()
            if purpose in only
        }
    reason = getattr(event.data, "reason", None)
    why = f"{event.type}: {reason}" if reason else event.type
    spared = HOLD_SPARES.get(event.data.reason, frozenset()) if isinstance(event.data, HoldPlaced) else frozenset()
    return {send: why for send in scope if record.purpose_of(send) not in spared}


def not_before(moment: datetime, floor: datetime) -> datetime:
    """``moment`` (in UTC) moved up to ``floor`` if it is earlier (a step due in the past goes out now)."""
    return max(moment, floor).astimezone(UTC)
