"""The two entry points every transport calls: an inbound event, and a scheduler tick."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from orchestrator.events import InboundEvent
from orchestrator.outputs import OutputEvent
from orchestrator.service.context import ServiceContext
from orchestrator.service.dispatch import dispatch_due
from orchestrator.service.feedback import UnknownProviderMessage, handle_provider_status
from orchestrator.service.intake import (
    CannotAct,
    ConcurrentUpdates,
    handle_account_event,
    handle_account_events,
)
from orchestrator.service.replies import handle_reply
from orchestrator.storage import SendRef

log = logging.getLogger("parley.dispatch")


class EventFromTheFuture(Exception):
    """Raised for an event stamped later than the worker's clock allows: its time would move the debtor's
    windows forward (pruning the ledger that the call limits count), so it is not acted on."""


# Events the core understood but cannot act on: the transport dead-letters them with the reason.
NOT_ACTIONABLE: tuple[type[Exception], ...] = (CannotAct, UnknownProviderMessage, EventFromTheFuture)

__all__ = [
    "NOT_ACTIONABLE",
    "ConcurrentUpdates",
    "EventFromTheFuture",
    "FailedSend",
    "WorkedClaim",
    "by_key",
    "handle_event",
    "handle_events",
    "log_failed_send",
    "run_due",
    "run_groups",
    "work_due",
]

PROVIDER_TYPES = ("provider.status", "provider.inbound")

Item = TypeVar("Item")
Result = TypeVar("Result")


async def handle_event(ctx: ServiceContext, event: InboundEvent) -> list[OutputEvent]:
    """Process one decoded inbound event; returns the outputs to publish (same ones on a re-run)."""
    _check_time(ctx, event)
    if event.type in PROVIDER_TYPES:
        return await _handle_provider_event(ctx, event)
    return await handle_account_event(ctx, event)


async def _handle_provider_event(ctx: ServiceContext, event: InboundEvent) -> list[OutputEvent]:
    if event.type == "provider.status":
        return await handle_provider_status(ctx, event)
    return await handle_reply(ctx, event)


async def handle_events(
    ctx: ServiceContext, events: Sequence[InboundEvent], concurrency: int | asyncio.Semaphore = 1
) -> list[list[OutputEvent] | Exception]:
    """``handle_event`` for events of different debtors (at most one each) at once; results in order.

    Account events share one load and one commit round trip; provider events run concurrently (up to
    ``concurrency``). An event the core cannot act on gets its ``NOT_ACTIONABLE`` exception as result;
    any other failure propagates.
    """
    results: list[list[OutputEvent] | Exception] = [[] for _ in events]
    for n, event in enumerate(events):
        try:
            _check_time(ctx, event)
        except EventFromTheFuture as error:
            results[n] = error
    timely = [n for n, result in enumerate(results) if not isinstance(result, Exception)]
    account = [n for n in timely if events[n].type not in PROVIDER_TYPES]
    provider = [n for n in timely if events[n].type in PROVIDER_TYPES]
    for n, result in zip(account, await handle_account_events(ctx, [events[n] for n in account]), strict=True):
        results[n] = result

    async def one(group: Sequence[int]) -> list[OutputEvent] | Exception:
        try:
            return await _handle_provider_event(ctx, events[group[0]])  # its time was checked above
        except NOT_ACTIONABLE as error:
            return error

    outcomes = await run_groups([[n] for n in provider], one, concurrency)
    for n, outcome in zip(provider, outcomes, strict=True):
        results[n] = outcome
    return results


def _check_time(ctx: ServiceContext, event: InboundEvent) -> None:
    """Raises ``EventFromTheFuture`` when the event's time is more than ``ctx.max_event_lead`` ahead of
    the wall clock (virtual time has no clock to be ahead of)."""
    if ctx.clock is None:
        return
    now = ctx.clock()
    if event.time > now + ctx.max_event_lead:
        raise EventFromTheFuture(
            f"event time {event.time.isoformat()} is more than {ctx.max_event_lead} ahead of the worker's clock "
            f"({now.isoformat()}); check the producer's clock"
        )


@dataclass(frozen=True, slots=True)
class FailedSend:
    """A claimed send whose work raised: it stays claimed, and is worked again once its lease ends."""

    ref: SendRef
    error: Exception


@dataclass(frozen=True, slots=True)
class WorkedClaim:
    """One claim of due sends worked: how many sends it claimed, their outputs, and the sends that failed."""

    claimed: int
    outputs: list[OutputEvent]
    failed: list[FailedSend]


async def run_due(
    ctx: ServiceContext, partition: int, now: datetime, limit: int = 500, concurrency: int | asyncio.Semaphore = 1
) -> list[OutputEvent]:
    """Claim the partition's due sends (under a lease) and work them; returns their outputs.

    ``work_due`` without its counts: a send that fails is logged (its id and the error's type; the
    entrypoints mask personal data in every log record) and is worked again after its lease, and the
    outputs of the other sends are returned all the same.
    """
    worked = await work_due(ctx, partition, now, limit, concurrency)
    for failure in worked.failed:
        log_failed_send(failure, type(failure.error).__name__)
    return worked.outputs


def log_failed_send(failure: FailedSend, error: str) -> None:
    """One error line for a claimed send whose work raised (``error``: how to show what it raised)."""
    log.error(
        "due send %s of debtor %s failed (%s); it stays claimed and is worked again after its lease",
        failure.ref.send_id,
        failure.ref.debtor_id,
        error,
        exc_info=failure.error,
    )


async def work_due(
    ctx: ServiceContext, partition: int, now: datetime, limit: int = 500, concurrency: int | asyncio.Semaphore = 1
) -> WorkedClaim:
    """Claim up to ``limit`` of the partition's due sends (under a lease) and work each to its end.

    Sends of different debtors are worked concurrently (up to ``concurrency`` debtors at once), the
    sends of one debtor one after another in claim order; outputs come grouped by debtor, in the order
    each debtor first appears among the claims (so ``concurrency=1`` keeps runs deterministic). A
    semaphore as ``concurrency`` shares one bound between callers (e.g. the store's connection pool).

    Each send stands alone: one that raises is reported in ``failed`` (it stays claimed, so its lease
    brings it back: nothing is lost) and the others' outputs are returned, for their effects are in the
    store already. Only what stops the worker itself (a ``BaseException``: cancellation) propagates.
    """
    lease_ms = int(ctx.lease.total_seconds() * 1000)
    refs = await ctx.store.claim_due(partition, int(now.timestamp() * 1000), lease_ms, limit)
    failed: list[FailedSend] = []

    async def work(sends: Sequence[SendRef]) -> list[OutputEvent]:
        outputs: list[OutputEvent] = []
        for ref in sends:
            try:
                outputs += await dispatch_due(ctx, ref, now)
            except Exception as error:  # noqa: BLE001 - reported in ``failed``; the lease brings the send back
                failed.append(FailedSend(ref, error))
        return outputs

    results = await run_groups(by_key(refs, lambda ref: ref.debtor_id), work, concurrency)
    return WorkedClaim(len(refs), [output for outputs in results for output in outputs], failed)


def by_key(items: Iterable[Item], key: Callable[[Item], Hashable]) -> list[list[Item]]:
    """Items grouped by ``key``, each group in arrival order, groups in order of first appearance."""
    groups: dict[Hashable, list[Item]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return list(groups.values())


async def run_groups(
    groups: Sequence[Sequence[Item]],
    work: Callable[[Sequence[Item]], Awaitable[Result]],
    concurrency: int | asyncio.Semaphore,
) -> list[Result]:
    """``work`` on every group, at most ``concurrency`` at once (an int, or a semaphore shared with other
    callers); results in the order of ``groups``.

    The first failure propagates once every started group has finished (none is left half-done in the
    background)."""
    if isinstance(concurrency, int):
        if concurrency <= 1 or len(groups) <= 1:
            return [await work(group) for group in groups]
        concurrency = asyncio.Semaphore(concurrency)
    gate = concurrency

    async def gated(group: Sequence[Item]) -> Result:
        async with gate:
            return await work(group)

    settled = await asyncio.gather(*(gated(group) for group in groups), return_exceptions=True)
    for outcome in settled:
        if isinstance(outcome, BaseException):
            raise outcome
    return settled  # type: ignore[return-value]
