"""A worker's batch of account events for different debtors shares its store round trips, and gives
what handling each event alone gives: the same outputs, an unknown debtor dead-lettered on its own, a
debtor whose record changed under the batch retried alone. Real redis-server, sandbox channels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from orchestrator.events import Account, AccountPlaced, DebtorProfile, InboundEvent, Name, PaymentMissed, Phone
from orchestrator.outputs import MessageDispatched, OutputEvent
from orchestrator.service.api import handle_event, handle_events, run_due
from orchestrator.service.intake import UnknownDebtor, scheduled_ids
from orchestrator.storage import Commit, CommitResult
from parley.bootstrap import Runtime

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York


def placed(debtor_id: str) -> InboundEvent:
    debtor = DebtorProfile(
        id=debtor_id,
        name=Name(first="Ana"),
        timezone="America/New_York",
        phones=(Phone(number=f"+1212555{abs(hash(debtor_id)) % 10_000:04d}", sms_consent=True, call_consent=True),),
    )
    data = AccountPlaced(debtor=debtor, account=Account(id="A", creditor="Acme", balance=Decimal("90.00")))
    return InboundEvent(
        id=f"placed-{debtor_id}", type="account.placed", source="test", subject=debtor_id, time=NOW, data=data
    )


def missed(debtor_id: str) -> InboundEvent:
    data = PaymentMissed(account_id="A", amount_due=Decimal("10.00"), due_date=NOW.date())
    return InboundEvent(
        id=f"missed-{debtor_id}", type="payment.missed", source="test", subject=debtor_id, time=NOW, data=data
    )


def ids(outputs: Sequence[OutputEvent]) -> list[str]:
    return [output.id for output in outputs]


async def test_a_batch_of_debtors_takes_two_round_trips_and_records_what_each_event_alone_would(
    runtime: Runtime,
) -> None:
    events = [placed(f"d-{n}") for n in range(5)]
    runtime.connection.round_trips.reset()
    results = await handle_events(runtime.ctx, events)
    assert runtime.connection.round_trips.count == 2
    for event, result in zip(events, results, strict=True):
        assert isinstance(result, list) and result
        assert ids(await handle_event(runtime.ctx, event)) == ids(result)  # a re-run replays the record


async def test_an_event_for_a_debtor_never_placed_gets_its_own_reason_and_the_others_go_on(runtime: Runtime) -> None:
    results = await handle_events(runtime.ctx, [placed("d-known"), missed("d-stranger")])
    assert isinstance(results[0], list) and results[0]
    assert isinstance(results[1], UnknownDebtor)


class ChangedUnderTheBatch:
    """The real store, except that one debtor's record changes just before the batch commits."""

    def __init__(self, inner: Any, debtor_id: str) -> None:
        self.inner, self.debtor_id, self.changed = inner, debtor_id, False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def commit_many(self, commits: Sequence[Commit]) -> list[CommitResult]:
        if not self.changed:
            self.changed = True
            loaded = await self.inner.load(self.debtor_id, "-")
            await self.inner.update_state(self.debtor_id, loaded.version, loaded.state)
        result: list[CommitResult] = await self.inner.commit_many(commits)
        return result


async def test_a_debtor_changed_under_the_batch_is_retried_alone_and_the_others_commit_once(runtime: Runtime) -> None:
    await handle_events(runtime.ctx, [placed("d-a"), placed("d-b")])
    store = ChangedUnderTheBatch(runtime.ctx.store, "d-b")
    ctx = replace(runtime.ctx, store=store)
    results = await handle_events(ctx, [missed("d-a"), missed("d-b")])
    assert store.changed
    for debtor_id in ("d-a", "d-b"):  # both events recorded as processed: the refused one by its retry
        assert (await runtime.ctx.store.load(debtor_id, missed(debtor_id).identity)).replay is not None
    assert all(isinstance(result, list) and result for result in results)
    for event, result in zip([missed("d-a"), missed("d-b")], results, strict=True):
        assert isinstance(result, list)
        assert ids(await handle_event(runtime.ctx, event)) == ids(result)


async def test_a_redelivered_event_replays_until_published_then_is_recognised_from_the_record(
    runtime: Runtime,
) -> None:
    ctx = runtime.ctx
    event = placed("debtor-redelivered")
    first = await handle_event(ctx, event)
    assert first  # message.scheduled for the cadence's steps
    # Not yet known published (a crash before the publish): the same outputs again.
    assert ids(await handle_event(ctx, event)) == ids(first)
    # Published: the blob goes; the record alone says the event was processed, so nothing happens again.
    await ctx.store.forget_replays([("debtor-redelivered", event.identity)])
    version = (await ctx.store.load("debtor-redelivered", event.identity)).version
    assert await handle_event(ctx, event) == []
    again = await handle_events(ctx, [event])
    assert again == [[]]
    after = await ctx.store.load("debtor-redelivered", event.identity)
    assert (after.version, after.replay) == (version, None)


async def test_an_event_delivered_again_after_the_window_does_not_schedule_its_finished_sends_twice(
    runtime: Runtime,
) -> None:
    ctx, debtor = runtime.ctx, "debtor-late-redelivery"
    event = placed(debtor)
    planned = scheduled_ids(await handle_event(ctx, event))
    worked = await run_due(ctx, 0, NOW + timedelta(hours=1), 100)
    finished = {o.data.send_id for o in worked if isinstance(o.data, MessageDispatched)}
    assert finished and finished < set(planned)  # the first notices went; the later steps wait
    # Eight days on, the placement's id is past the 7-day de-duplication window; its blob is gone.
    await handle_event(ctx, missed(debtor).model_copy(update={"time": NOW + timedelta(days=8)}))
    await ctx.store.forget_replays([(debtor, event.identity)])

    again = scheduled_ids(await handle_event(ctx, event))
    assert again  # processed anew: the cadence planned its steps again (same ids for the same steps)...
    assert not finished & set(again)  # ...but the sends that already went are not scheduled twice
    assert not finished & {record.send_id for record in await ctx.store.pending_sends(debtor)}
