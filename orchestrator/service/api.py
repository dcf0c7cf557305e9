"""The two entry points every transport calls: an inbound event, and a scheduler tick."""

from __future__ import annotations

from datetime import datetime

from orchestrator.events import InboundEvent
from orchestrator.outputs import OutputEvent
from orchestrator.service.context import ServiceContext
from orchestrator.service.dispatch import dispatch_due
from orchestrator.service.feedback import UnknownProviderMessage, handle_provider_status
from orchestrator.service.intake import ConcurrentUpdates, UnknownDebtor, handle_account_event
from orchestrator.service.replies import handle_reply

# Events the core understood but cannot act on: the transport dead-letters them with the reason.
NOT_ACTIONABLE: tuple[type[Exception], ...] = (UnknownDebtor, UnknownProviderMessage)

__all__ = ["NOT_ACTIONABLE", "ConcurrentUpdates", "handle_event", "run_due"]


async def handle_event(ctx: ServiceContext, event: InboundEvent) -> list[OutputEvent]:
    """Process one decoded inbound event; returns the outputs to publish (same ones on a re-run)."""
    if event.type == "provider.status":
        return await handle_provider_status(ctx, event)
    if event.type == "provider.inbound":
        return await handle_reply(ctx, event)
    return await handle_account_event(ctx, event)


async def run_due(ctx: ServiceContext, partition: int, now: datetime, limit: int = 500) -> list[OutputEvent]:
    """Claim the partition's due sends (under a lease) and work each one; returns their outputs."""
    lease_ms = int(ctx.lease.total_seconds() * 1000)
    refs = await ctx.store.claim_due(partition, int(now.timestamp() * 1000), lease_ms, limit)
    outputs: list[OutputEvent] = []
    for ref in refs:
        outputs += await dispatch_due(ctx, ref, now)
    return outputs
