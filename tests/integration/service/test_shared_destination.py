"""A number two debtors share (a household's phone): a reply is the reply of the debtor last contacted
there, and an opt-out of the number holds for both. Real redis-server, sandbox channels, replies
without a subject (found by the sender's number, as from the inbound webhook)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from reply_support import reply_from, state_of

from orchestrator.events import Account, AccountPlaced, Address, DebtorProfile, InboundEvent, Name, Phone
from orchestrator.outputs import MessageDispatched, OutputEvent
from orchestrator.service.api import handle_event, run_due
from orchestrator.storage import Commit
from parley.bootstrap import Runtime

HOUSEHOLD = "+12125550188"
MONDAY = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 in New York


async def place_and_text(runtime: Runtime, debtor_id: str, at: datetime) -> None:
    """Place the debtor (sharing the household number) and send what falls due at once (the first SMS)."""
    profile = DebtorProfile(
        id=debtor_id,
        name=Name(first=debtor_id),
        address=Address(city="New York", state="NY", postal_code="10014"),
        phones=(Phone(number=HOUSEHOLD, type="mobile", sms_consent=True),),
    )
    placed = InboundEvent(
        id=f"placed-{debtor_id}",
        type="account.placed",
        source="test",
        subject=debtor_id,
        time=at,
        data=AccountPlaced(
            debtor=profile, account=Account(id=f"{debtor_id}-1", creditor="Acme", balance=Decimal("90"))
        ),
    )
    await handle_event(runtime.ctx, placed)
    sent = [o for o in await run_due(runtime.ctx, 0, at) if isinstance(o.data, MessageDispatched)]
    assert [o.subject for o in sent if o.data.channel == "sms"] == [debtor_id]


async def text_from_household(runtime: Runtime, text: str, reply_id: str, at: datetime) -> list[OutputEvent]:
    data: dict[str, Any] = {"channel": "sms", "from": HOUSEHOLD, "to": "+18005550100", "text": text}
    return await reply_from(runtime, None, data, at, reply_id)


@pytest.fixture
async def household(runtime: Runtime) -> Runtime:
    """d-ana texted at 09:00, d-bo at 10:00: d-bo was contacted last."""
    await place_and_text(runtime, "d-ana", MONDAY)
    await place_and_text(runtime, "d-bo", MONDAY + timedelta(hours=1))
    assert await runtime.store.debtors_at(HOUSEHOLD) == ("d-ana", "d-bo")
    return runtime


async def test_a_stop_from_a_shared_number_opts_it_out_for_every_debtor_who_has_it(household: Runtime) -> None:
    outputs = await text_from_household(household, "STOP", "in-stop", MONDAY + timedelta(hours=2))

    received = {(o.id, o.subject, o.data.intent) for o in outputs if o.type == "reply.received"}
    assert {(subject, intent) for _, subject, intent in received} == {("d-ana", "opt_out"), ("d-bo", "opt_out")}
    assert len({event_id for event_id, _, _ in received}) == 2  # each debtor's reply has an id of its own
    for debtor_id in ("d-ana", "d-bo"):
        opt_outs = (await state_of(household, debtor_id)).opt_outs
        assert [(o.channel, o.destination) for o in opt_outs] == [("sms", HOUSEHOLD)], debtor_id

    again = await text_from_household(household, "STOP", "in-stop", MONDAY + timedelta(hours=2))
    assert sorted(o.id for o in again) == sorted(o.id for o in outputs)  # a re-delivery changes nothing
    assert len((await state_of(household, "d-ana")).opt_outs) == 1


async def test_any_other_reply_from_a_shared_number_is_the_last_contacted_debtors_only(household: Runtime) -> None:
    outputs = await text_from_household(
        household, "my lawyer is handling this, talk to him", "in-lawyer", MONDAY + timedelta(hours=2)
    )

    assert {o.subject for o in outputs if o.type == "reply.received"} == {"d-bo"}
    assert [h.reason for h in (await state_of(household, "d-bo")).holds] == ["attorney"]
    assert (await state_of(household, "d-ana")).holds == ()


async def test_a_number_a_debtor_no_longer_has_stops_finding_them(household: Runtime) -> None:
    moved = InboundEvent.model_validate(
        {
            "id": "updated-bo",
            "type": "debtor.updated",
            "source": "test",
            "subject": "d-bo",
            "time": MONDAY + timedelta(hours=3),
            "data": {"debtor": {"phones": [{"number": "+12125550199", "sms_consent": True}]}},
        }
    )
    await handle_event(household.ctx, moved)
    assert await household.store.debtors_at(HOUSEHOLD) == ("d-ana",)  # d-bo's is gone, d-ana's stays
    assert await household.store.debtors_at("+12125550199") == ("d-bo",)


async def stale_index_entry(runtime: Runtime, debtor_id: str, destination: str) -> None:
    """An index entry the debtor's profile no longer backs: a commit refused on its version still wrote
    its index changes (an old owner's stale event during a rebalance)."""
    loaded = await runtime.store.load(debtor_id, "probe")
    assert loaded.state is not None
    refused = Commit(
        debtor_id=debtor_id,
        expected_version=loaded.version - 1,
        state=loaded.state,
        event_id="stale-update",
        replay=b"",
        index=(destination,),
    )
    assert not (await runtime.store.commit(refused)).ok


async def test_a_reply_from_a_number_the_debtor_no_longer_has_is_nobodys(runtime: Runtime) -> None:
    await place_and_text(runtime, "d-ana", MONDAY)
    stranger = "+12125550199"
    await stale_index_entry(runtime, "d-ana", stranger)

    outputs = await handle_event(runtime.ctx, reply_event("STOP", "in-x", stranger, MONDAY + timedelta(hours=1)))
    assert [(o.subject, o.data.debtor_id, o.data.needs_review) for o in outputs] == [(None, None, True)]
    assert (await state_of(runtime, "d-ana")).opt_outs == ()


async def test_a_shared_number_reply_skips_a_debtor_the_index_names_but_who_no_longer_has_it(
    household: Runtime,
) -> None:
    stranger = "+12125550199"
    await place_and_text(household, "d-cy", MONDAY + timedelta(hours=2))
    await stale_index_entry(household, "d-ana", stranger)
    await stale_index_entry(household, "d-bo", stranger)
    assert await household.store.debtors_at(stranger) == ("d-ana", "d-bo")

    outputs = await handle_event(household.ctx, reply_event("STOP", "in-y", stranger, MONDAY + timedelta(hours=3)))
    assert [o.data.debtor_id for o in outputs if o.type == "reply.received"] == [None]
    for debtor_id in ("d-ana", "d-bo"):
        assert (await state_of(household, debtor_id)).opt_outs == (), debtor_id


def reply_event(text: str, reply_id: str, sender: str, at: datetime) -> InboundEvent:
    data: dict[str, Any] = {"channel": "sms", "from": sender, "to": "+18005550100", "text": text}
    return InboundEvent.model_validate(
        {"id": reply_id, "type": "provider.inbound", "source": "test", "subject": None, "time": at, "data": data}
    )
