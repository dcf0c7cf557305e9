"""Replay blobs written before events were identified by source and id: the version before kept an
event's blob under its bare id and the bare id's fingerprint in the record. An event whose outputs that
version committed but never published (its worker killed in between), delivered again to this version,
has its outputs published and its sends put back on the schedule — it is not taken for done. Real
redis-server, sandbox channels, the service entry points as the worker calls them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from orchestrator.events import Account, AccountPlaced, Address, DebtorProfile, InboundEvent, Name, Phone
from orchestrator.ids import fingerprint
from orchestrator.outputs import MessageDispatched, OutputEvent
from orchestrator.service.api import handle_event, handle_events, run_due
from orchestrator.service.record import DebtorRecord
from orchestrator.service.replay import decode_replay, replay_ref
from orchestrator.storage import ScheduledSend
from parley.bootstrap import Runtime
from parley.store.keys import send_member

MONDAY = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 in New York
DEBTOR, MOBILE, HOUSEHOLD = "d-upgrade", "+12125550166", "+12125550199"


def placed(debtor_id: str = DEBTOR, number: str = MOBILE, at: datetime = MONDAY) -> InboundEvent:
    profile = DebtorProfile(
        id=debtor_id,
        name=Name(first="Jordan"),
        address=Address(city="New York", state="NY", postal_code="10014"),
        phones=(Phone(number=number, type="mobile", sms_consent=True, call_consent=True),),
    )
    data = AccountPlaced(debtor=profile, account=Account(id=f"{debtor_id}-1", creditor="Acme", balance=Decimal("90")))
    return InboundEvent(
        id=f"placed-{debtor_id}", type="account.placed", source="urn:crm", subject=debtor_id, time=at, data=data
    )


def missed(at: datetime = MONDAY + timedelta(days=1)) -> InboundEvent:
    return InboundEvent.model_validate(
        {
            "id": "missed-1",
            "type": "payment.missed",
            "source": "urn:billing",
            "subject": DEBTOR,
            "time": at,
            "data": {"account_id": f"{DEBTOR}-1", "amount_due": "10.00", "due_date": at.date().isoformat()},
        }
    )


def text(body: str, reply_id: str, at: datetime, *, subject: str | None = DEBTOR, sender: str = MOBILE) -> InboundEvent:
    data: dict[str, Any] = {"channel": "sms", "from": sender, "to": "+18005550100", "text": body}
    return InboundEvent.model_validate(
        {
            "id": reply_id,
            "type": "provider.inbound",
            "source": "urn:twilio",
            "subject": subject,
            "time": at,
            "data": data,
        }
    )


async def as_written_before_identities(
    runtime: Runtime, debtor_id: str, event: InboundEvent
) -> tuple[list[OutputEvent], list[ScheduledSend]]:
    """Turn what processing ``event`` left in Redis into what the version before identities left: the
    replay blob under the bare id, and the bare id's fingerprint in the record's ``seen``. Returns what
    the blob holds."""
    keys, client = runtime.store.keys, runtime.connection.client
    blob = await client.get(keys.event(debtor_id, event.identity))
    assert blob is not None, "the event's outputs are not yet known published: its blob is kept"
    await client.rename(keys.event(debtor_id, event.identity), keys.event(debtor_id, event.id))
    loaded = await runtime.store.load(debtor_id, "probe")
    assert loaded.state is not None
    record = DebtorRecord.from_bytes(loaded.state)
    seen = dict(record.seen)  # a copy: records read are shared
    seen[fingerprint(event.id)] = seen.pop(fingerprint(event.identity))
    before = replace(record, seen=seen).to_bytes()
    assert (await runtime.store.update_state(debtor_id, loaded.version, before)).ok
    return decode_replay(blob)


async def unscheduled(runtime: Runtime, debtor_id: str, schedule: list[ScheduledSend]) -> None:
    """Take the blob's sends off the due set, so putting them back (``restore_due``) shows."""
    for send in schedule:
        await runtime.connection.client.zrem(
            runtime.store.keys.due(send.partition), send_member(debtor_id, send.send_id)
        )


async def due_sends(runtime: Runtime, debtor_id: str) -> set[str]:
    members = await runtime.connection.client.zrange(runtime.store.keys.due(0), 0, -1)
    return {send for debtor, _, send in (m.decode().partition("|") for m in members) if debtor == debtor_id}


def ids(outputs: list[OutputEvent]) -> list[str]:
    return sorted(output.id for output in outputs)


@pytest.fixture
async def debtor(runtime: Runtime) -> Runtime:
    """The debtor placed on Monday morning, the first text sent."""
    event = placed()
    await handle_event(runtime.ctx, event)
    assert [o for o in await run_due(runtime.ctx, 0, MONDAY) if isinstance(o.data, MessageDispatched)]
    await runtime.store.forget_replays([(DEBTOR, event.identity)])  # published long ago
    return runtime


async def test_an_account_event_committed_but_not_published_before_the_upgrade_is_published_after_it(
    debtor: Runtime,
) -> None:
    event = missed()
    await handle_event(debtor.ctx, event)
    outputs, schedule = await as_written_before_identities(debtor, DEBTOR, event)
    assert outputs and schedule
    await unscheduled(debtor, DEBTOR, schedule)

    assert ids(await handle_event(debtor.ctx, event)) == ids(outputs)
    assert {send.send_id for send in schedule} <= await due_sends(debtor, DEBTOR)


async def test_an_account_event_of_a_batch_committed_but_not_published_before_the_upgrade_is_published_after_it(
    debtor: Runtime,
) -> None:
    event = missed()
    await handle_event(debtor.ctx, event)
    outputs, schedule = await as_written_before_identities(debtor, DEBTOR, event)
    await unscheduled(debtor, DEBTOR, schedule)

    (again,) = await handle_events(debtor.ctx, [event])
    assert isinstance(again, list) and ids(again) == ids(outputs)
    assert {send.send_id for send in schedule} <= await due_sends(debtor, DEBTOR)


async def test_a_provider_status_committed_but_not_published_before_the_upgrade_is_published_after_it(
    runtime: Runtime,
) -> None:
    await handle_event(runtime.ctx, placed())
    (sent,) = [o.data for o in await run_due(runtime.ctx, 0, MONDAY) if isinstance(o.data, MessageDispatched)]
    data = {"channel": "sms", "provider_message_id": sent.provider_message_id, "send_id": sent.send_id}
    status = InboundEvent.model_validate(
        {
            "id": "status-1",
            "type": "provider.status",
            "source": "urn:twilio",
            "subject": DEBTOR,
            "time": MONDAY + timedelta(minutes=1),
            "data": data | {"status": "delivered"},
        }
    )
    await handle_event(runtime.ctx, status)
    outputs, _ = await as_written_before_identities(runtime, DEBTOR, status)
    assert [o.type for o in outputs] == ["message.delivered"]

    assert ids(await handle_event(runtime.ctx, status)) == ids(outputs)


async def test_a_reply_for_review_committed_but_not_published_before_the_upgrade_is_published_after_it(
    debtor: Runtime,
) -> None:
    reply = text("my lawyer is handling this, talk to him", "in-lawyer", MONDAY + timedelta(hours=2))
    await handle_event(debtor.ctx, reply)
    outputs, _ = await as_written_before_identities(debtor, DEBTOR, reply)
    (received,) = [o.data for o in outputs if o.type == "reply.received"]
    assert received.needs_review and [o for o in outputs if o.type == "message.cancelled"]

    assert ids(await handle_event(debtor.ctx, reply)) == ids(outputs)


async def test_a_promise_by_reply_committed_before_the_upgrade_has_its_sends_put_back_on_the_schedule(
    debtor: Runtime,
) -> None:
    reply = text("I can pay $50 Friday", "in-promise", MONDAY + timedelta(hours=2))
    await handle_event(debtor.ctx, reply)
    outputs, schedule = await as_written_before_identities(debtor, DEBTOR, reply)
    assert schedule, "the promise's confirmation and reminder"
    await unscheduled(debtor, DEBTOR, schedule)

    assert ids(await handle_event(debtor.ctx, reply)) == ids(outputs)
    assert {send.send_id for send in schedule} <= await due_sends(debtor, DEBTOR)


async def test_a_household_stop_committed_before_the_upgrade_is_published_for_every_debtor_after_it(
    runtime: Runtime,
) -> None:
    for n, debtor_id in enumerate(("d-ana", "d-bo")):
        await handle_event(runtime.ctx, placed(debtor_id, HOUSEHOLD, MONDAY + timedelta(hours=n)))
        await run_due(runtime.ctx, 0, MONDAY + timedelta(hours=n))
    stop = text("STOP", "in-stop", MONDAY + timedelta(hours=2), subject=None, sender=HOUSEHOLD)
    first = await handle_event(runtime.ctx, stop)
    assert {o.subject for o in first if o.type == "reply.received"} == {"d-ana", "d-bo"}
    theirs = stop.model_copy(update={"id": f"{stop.id}@d-ana", "subject": "d-ana"})
    outputs, _ = await as_written_before_identities(runtime, "d-bo", stop)  # the debtor texted last answers
    copy, _ = await as_written_before_identities(runtime, "d-ana", theirs)

    assert ids(await handle_event(runtime.ctx, stop)) == ids(outputs + copy)


async def test_a_replay_blob_found_under_the_bare_id_goes_once_the_outputs_are_published(debtor: Runtime) -> None:
    event = missed()
    await handle_event(debtor.ctx, event)
    await as_written_before_identities(debtor, DEBTOR, event)
    outputs = await handle_event(debtor.ctx, event)

    published = replay_ref(event, outputs)
    assert published is not None
    await debtor.store.forget_replays([published])  # as the worker does once the broker has the outputs
    keys = debtor.store.keys
    assert await debtor.connection.client.exists(keys.event(DEBTOR, event.id), keys.event(DEBTOR, event.identity)) == 0
    assert await handle_event(debtor.ctx, event) == []  # the record alone recognises it now
