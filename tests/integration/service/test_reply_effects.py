"""What a debtor's reply does to their record and what Parley publishes about it: which account a
promise lands on, when a callback is wanted, and who confirms a STOP. Real redis-server, sandbox
channels, the service entry point (``handle_event``) as the worker calls it.

Replies carry the debtor id as ``subject`` (as a webhook does once it knows the debtor), so these
tests do not depend on how a sender's number is looked up."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from reply_support import SATURDAY, place_accounts, reply_from
from reply_support import state_of as stored_state

from orchestrator.domain import DebtorState
from orchestrator.events import Account, Address, DebtorProfile, Name, Phone
from orchestrator.outbound import PROVIDER_KEYWORD_REPLIES, ChannelLimits
from orchestrator.outputs import OutputEvent
from parley.bootstrap import Runtime

DEBTOR, MOBILE = "d-reply", "+12125550147"


def twilio_keywords(runtime: Runtime) -> None:
    """The SMS provider answers STOP/START/HELP itself, as Twilio does by default."""
    sms = runtime.ctx.channels["sms"]
    sms.limits = ChannelLimits(
        sms.limits.rate_per_s, sms.limits.max_body, sms.limits.features | {PROVIDER_KEYWORD_REPLIES}
    )


async def place(runtime: Runtime, *accounts: tuple[str, str]) -> None:
    """The debtor (New York by postal code, no stated zone) with one open account per (id, creditor)."""
    debtor = DebtorProfile(
        id=DEBTOR,
        name=Name(first="Jordan"),
        address=Address(city="New York", state="NY", postal_code="10014"),
        phones=(Phone(number=MOBILE, type="mobile", sms_consent=True, call_consent=True),),
    )
    await place_accounts(
        runtime, debtor, (Account(id=i, creditor=creditor, balance=Decimal("420.00")) for i, creditor in accounts)
    )


async def reply(runtime: Runtime, text: str, at: datetime = SATURDAY, reply_id: str = "in-1") -> list[OutputEvent]:
    data = {"channel": "sms", "from": MOBILE, "to": "+18005550100", "text": text}
    return await reply_from(runtime, DEBTOR, data, at, reply_id)


async def state_of(runtime: Runtime) -> DebtorState:
    return await stored_state(runtime, DEBTOR)


def of_type(outputs: list[OutputEvent], event_type: str) -> list[Any]:
    return [output.data for output in outputs if output.type == event_type]


def scheduled_templates(outputs: list[OutputEvent]) -> list[str]:
    return [data.template_id for data in of_type(outputs, "message.scheduled")]


# --- a promise by reply ---------------------------------------------------------------------------


async def test_a_promise_from_a_debtor_with_two_accounts_is_left_for_review_and_recorded_on_neither(
    runtime: Runtime,
) -> None:
    await place(runtime, ("A1", "Acme Bank"), ("A2", "Globex Card"))
    outputs = await reply(runtime, "I can pay $50 Friday")

    (intent,) = of_type(outputs, "payment_intent.detected")
    assert (intent.account_id, intent.amount, intent.date, intent.needs_review) == (
        None,
        Decimal("50.00"),
        date(2026, 3, 13),
        True,
    )
    (received,) = of_type(outputs, "reply.received")
    assert received.intent == "promise_to_pay" and received.needs_review is True
    assert [account.promise for account in (await state_of(runtime)).accounts] == [None, None]
    assert not {"promise_confirmation", "promise_reminder"} & set(scheduled_templates(outputs))


async def test_a_promise_naming_the_creditor_is_recorded_on_that_account_only(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank"), ("A2", "Globex Card"))
    outputs = await reply(runtime, "I can pay $50 on the Globex card Friday")

    (intent,) = of_type(outputs, "payment_intent.detected")
    assert (intent.account_id, intent.needs_review) == ("A2", False)
    promises = {account.id: account.promise for account in (await state_of(runtime)).accounts}
    assert promises["A1"] is None
    assert promises["A2"] is not None and promises["A2"].due == date(2026, 3, 13)
    confirmations = [s for s in of_type(outputs, "message.scheduled") if s.template_id == "promise_confirmation"]
    assert [c.account_ids for c in confirmations] == [("A2",)]


async def test_a_promise_by_reply_plans_the_reminder_the_day_before_as_promise_created_does(
    runtime: Runtime,
) -> None:
    await place(runtime, ("A1", "Acme Bank"))
    outputs = await reply(runtime, "I can pay $50 Friday")

    assert (await state_of(runtime)).accounts[0].promise is not None
    scheduled = {data.step_id: data for data in of_type(outputs, "message.scheduled")}
    assert scheduled["promise_confirmation"].channel == "sms"  # the reply is answered where it came from
    reminder = scheduled["promise_reminder"]
    assert reminder.account_ids == ("A1",) and reminder.template_id == "promise_reminder"
    # The day before (Thursday), from 10:00 in New York: the channel is ``best``, so the send-time policy
    # may move it to a later hour band of that day (sampled, seeded by the send id).
    local = reminder.due_at.astimezone(ZoneInfo("America/New_York"))
    assert local.date() == date(2026, 3, 12) and time(10, 0) <= local.time() < time(21, 0)
    assert sorted(scheduled_templates(outputs)).count("promise_confirmation") == 1
    assert of_type(outputs, "message.cancelled") == []  # dunning skips while the promise holds; it is not cancelled


async def test_a_promise_by_reply_for_tomorrow_made_after_ten_plans_no_reminder(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank"))
    outputs = await reply(runtime, "I can pay $50 tomorrow", at=datetime(2026, 3, 4, 16, 0, tzinfo=UTC))  # 11:00

    assert "promise_confirmation" in scheduled_templates(outputs)
    assert "promise_reminder" not in scheduled_templates(outputs)


# --- a callback request ---------------------------------------------------------------------------


async def test_call_me_tomorrow_at_3pm_is_3pm_in_the_debtors_zone(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank"), ("A2", "Globex Card"))
    outputs = await reply(runtime, "call me tomorrow at 3pm")

    (callback,) = of_type(outputs, "callback.requested")
    assert callback.when == datetime(2026, 3, 8, 19, 0, tzinfo=UTC)  # 15:00 EDT, the day clocks go forward
    assert (callback.date, callback.time_zone) == (date(2026, 3, 8), "America/New_York")
    assert callback.account_ids == ("A1", "A2")


async def test_a_callback_day_without_a_time_is_published_as_a_date_alone(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank"))
    # Sunday 8 March 02:00 UTC is still Saturday evening in New York: "tomorrow" is Sunday there.
    outputs = await reply(runtime, "call me tomorrow", at=datetime(2026, 3, 8, 2, 0, tzinfo=UTC))

    (callback,) = of_type(outputs, "callback.requested")
    assert (callback.when, callback.date, callback.time_zone) == (None, date(2026, 3, 8), "America/New_York")


async def test_a_callback_time_already_past_today_means_tomorrow(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank"))
    outputs = await reply(runtime, "please call me after 9am")  # received at 10:00 local

    (callback,) = of_type(outputs, "callback.requested")
    assert callback.when == datetime(2026, 3, 8, 13, 0, tzinfo=UTC) and callback.date == date(2026, 3, 8)


# --- STOP, and opting back in -------------------------------------------------------------------------


async def test_a_stop_the_provider_answered_itself_gets_no_second_confirmation(runtime: Runtime) -> None:
    twilio_keywords(runtime)
    await place(runtime, ("A1", "Acme Bank"))
    outputs = await reply(runtime, "STOP")

    assert of_type(outputs, "reply.received")[0].intent == "opt_out"
    assert "opt_out_confirmation" not in scheduled_templates(outputs)
    assert [(o.channel, o.destination) for o in (await state_of(runtime)).opt_outs] == [("sms", MOBILE)]


@pytest.mark.parametrize("text", ["please stop texting me", "Stop please", "ALTO"])
async def test_an_opt_out_the_provider_does_not_catch_gets_one_confirmation(runtime: Runtime, text: str) -> None:
    twilio_keywords(runtime)
    await place(runtime, ("A1", "Acme Bank"))
    outputs = await reply(runtime, text)

    assert scheduled_templates(outputs).count("opt_out_confirmation") == 1
    assert [(o.channel, o.destination) for o in (await state_of(runtime)).opt_outs] == [("sms", MOBILE)]


async def test_a_stop_on_a_provider_without_keyword_handling_is_confirmed_once_and_stored_once(
    runtime: Runtime,
) -> None:
    await place(runtime, ("A1", "Acme Bank"))
    outputs = await reply(runtime, "STOP")

    assert scheduled_templates(outputs).count("opt_out_confirmation") == 1
    assert len((await state_of(runtime)).opt_outs) == 1


@pytest.mark.parametrize(
    ("text", "published", "review", "opted_out"),
    [
        ("START", "opt_in", False, False),
        ("YES", "opt_in_request", True, True),
        ("START please", "opt_in_request", True, True),
        ("opt me back in", "opt_in_request", True, True),
    ],
)
async def test_an_opt_in_is_published_only_when_it_reopened_the_number(
    runtime: Runtime, text: str, published: str, review: bool, opted_out: bool
) -> None:
    await place(runtime, ("A1", "Acme Bank"))
    await reply(runtime, "STOP", reply_id="in-stop")
    outputs = await reply(runtime, text, at=SATURDAY.replace(hour=16), reply_id="in-again")

    (received,) = of_type(outputs, "reply.received")
    assert (received.intent, received.needs_review) == (published, review)
    assert bool((await state_of(runtime)).opt_outs) is opted_out
