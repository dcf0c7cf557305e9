"""Use case: a provider reports on a send (``provider.status`` from the webhooks).

The status updates the ledger and the response history (delivered, failed, answered by a human,
a conversation, a bad number) and becomes a delivery event for downstream systems.
"""

from __future__ import annotations

from orchestrator.domain import Attempt, DebtorState
from orchestrator.domain.transitions import (
    BAD_DESTINATION_CODES,
    NOT_TEXTABLE_CODES,
    apply_event,
    email_failure,
    record_provider_id,
)
from orchestrator.events import InboundEvent, ProviderStatus
from orchestrator.outputs import (
    CallCompleted,
    MessageClicked,
    MessageDelivered,
    MessageFailed,
    MessageOpened,
    Output,
    OutputEvent,
    new_output,
)
from orchestrator.service.context import ServiceContext
from orchestrator.service.intake import MAX_CONFLICT_RETRIES, ConcurrentUpdates
from orchestrator.service.record import DebtorRecord
from orchestrator.service.replay import decode_replay, encode_replay
from orchestrator.storage import Commit

FAILED_STATUSES = frozenset({"failed", "undelivered", "bounce", "bounced", "dropped", "blocked"})
CALL_END_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# Codes that say the number or address is no good (PROVIDERS.md §4); others may be transient.
BAD_DESTINATION_CODES = BAD_DESTINATION_CODES | NOT_TEXTABLE_CODES


class UnknownProviderMessage(Exception):
    """Raised when a status cannot be tied to a send: it names no debtor (Parley's callbacks always do),
    or a provider message id the debtor's ledger never recorded."""


def _attempt(state: DebtorState, data: ProviderStatus) -> Attempt | None:
    """The attempt a status is about: by provider id, else by the send id the callback carried (a status
    can overtake the record of its own send: the provider answers before Parley has written it)."""
    found = next((a for a in state.ledger if a.provider_message_id == data.provider_message_id), None)
    if found is None and data.send_id:
        found = next((a for a in state.ledger if a.id == data.send_id), None)
    return found


def status_output(data: ProviderStatus, attempt: Attempt, debtor_id: str) -> Output | None:
    """The delivery event a provider status means, or None for in-between statuses (queued, ringing…)."""
    common = {
        "send_id": attempt.id,
        "debtor_id": debtor_id,
        "account_ids": attempt.account_ids,
        "channel": attempt.channel,
        "provider_message_id": data.provider_message_id,
    }
    status = data.status.lower()
    if attempt.channel == "voice":
        if status in CALL_END_STATUSES:
            return CallCompleted(
                **common,
                status=status,
                error_code=data.error_code,
                answered_by=data.answered_by or attempt.answered_by,  # async AMD reports it before `completed`
                duration_s=data.duration_s,
            )
        return None
    if status == "delivered":
        return MessageDelivered(**common)
    if status in FAILED_STATUSES:
        code = data.error_code
        return MessageFailed(**common, error_code=code, reason=f"provider status {status}", retryable=_retryable(data))
    if status == "open":
        return MessageOpened(**common)
    if status == "click":
        return MessageClicked(**common, url=data.url or "")
    return None


def _retryable(data: ProviderStatus) -> bool:
    """Whether sending to the same destination again may work: not to a bad or opted-out one."""
    if data.channel == "email":
        return email_failure(data) == "temporary"
    return data.error_code not in BAD_DESTINATION_CODES


def _output_id_parts(attempt: Attempt, data: ProviderStatus) -> tuple[str, ...]:
    """A click on another link is another event; every other status means one event per send."""
    parts = (attempt.id, data.provider_message_id, data.status)
    return (*parts, data.url) if data.url and data.status.lower() == "click" else parts


async def handle_provider_status(ctx: ServiceContext, event: InboundEvent) -> list[OutputEvent]:
    """Fold the status into the debtor's ledger and publish what it means."""
    assert isinstance(event.data, ProviderStatus)
    data = event.data
    debtor_id = event.subject
    if not debtor_id:  # the callback URL (or SendGrid's custom_args) names the debtor of every send
        raise UnknownProviderMessage(f"status of {data.provider_message_id!r} names no debtor (subject)")
    for _ in range(MAX_CONFLICT_RETRIES):
        loaded = await ctx.store.load(debtor_id, event.identity, event.id)  # an older blob: under the bare id
        if loaded.replay is not None:
            return decode_replay(loaded.replay)[0]
        if loaded.state is None:
            raise UnknownProviderMessage(f"debtor {debtor_id!r} of {data.provider_message_id!r} has no state")
        record = DebtorRecord.from_bytes(loaded.state)
        if record.has_seen(event.identity, event.id):
            return []  # processed and published before
        attempt = _attempt(record.state, data)
        if attempt is None:
            raise UnknownProviderMessage(f"no attempt of {debtor_id!r} has {data.provider_message_id!r}")
        state = record.state
        if attempt.provider_message_id is None:
            state = record_provider_id(state, attempt.id, data.provider_message_id)
        state = apply_event(state, event)
        meaning = status_output(data, attempt, debtor_id)
        if state is record.state and meaning is None:
            return []  # an in-between status that changes nothing (``sent`` after the send recorded it): no write
        record = record.seeing(event.identity, event.time, ctx.dedupe_window, state)
        outputs = (
            [
                new_output(
                    meaning,
                    subject=debtor_id,
                    time=event.time,
                    id_parts=_output_id_parts(attempt, data),
                    source=ctx.source,
                )
            ]
            if meaning
            else []
        )
        commit = Commit(
            debtor_id=debtor_id,
            expected_version=loaded.version,
            state=record.to_bytes(),
            event_id=event.identity,
            replay=encode_replay(outputs, ()),
        )
        if (await ctx.store.commit(commit)).ok:
            return outputs
    raise ConcurrentUpdates(f"debtor {debtor_id!r}: {MAX_CONFLICT_RETRIES} version conflicts in a row")
