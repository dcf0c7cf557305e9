"""The delivery events that announce schedule changes, built the same way by every use case."""

from __future__ import annotations

from orchestrator.events import InboundEvent
from orchestrator.outputs import MessageCancelled, MessageScheduled, OutputEvent, new_output
from orchestrator.service.context import ServiceContext
from orchestrator.service.sends import PlannedSend
from orchestrator.storage import ScheduledSend


def scheduled(ctx: ServiceContext, send: PlannedSend, cause: InboundEvent) -> OutputEvent:
    """``message.scheduled`` for a send the cause event planned."""
    data = MessageScheduled(
        send_id=send.send_id,
        debtor_id=send.debtor_id,
        account_ids=send.account_ids,
        channel=send.channel,
        template_id=send.template_id,
        purpose=send.purpose,
        due_at=send.due_at,
        cause_event_id=cause.id,
        step_id=send.step_id,
    )
    return new_output(data, subject=send.debtor_id, time=cause.time, id_parts=(send.send_id,), source=ctx.source)


def cancelled(
    ctx: ServiceContext, send_id: str, debtor_id: str, account_ids: tuple[str, ...], reason: str, cause: InboundEvent
) -> OutputEvent:
    """``message.cancelled`` for a pending send the cause event made moot."""
    data = MessageCancelled(
        send_id=send_id, debtor_id=debtor_id, account_ids=account_ids, reason=reason, cause_event_id=cause.id
    )
    return new_output(data, subject=debtor_id, time=cause.time, id_parts=(send_id,), source=ctx.source)


def schedule_entry(send: PlannedSend, partition: int) -> ScheduledSend:
    """The store's record of a planned send: due time in ms, payload for the dispatcher."""
    return ScheduledSend(
        send_id=send.send_id, partition=partition, due_ms=int(send.due_at.timestamp() * 1000), payload=send.to_bytes()
    )
