"""An e-mail reply quoting the message it answers is acted on for the debtor's own words: the quoted
"Reply STOP to opt out" does not close the address. Real redis-server, sandbox channels, the service
entry point (``handle_event``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from orchestrator.domain import DebtorState
from orchestrator.events import Account, AccountPlaced, Address, DebtorProfile, Email, InboundEvent, Name
from orchestrator.outputs import OutputEvent, PaymentIntentDetected, ReplyReceived
from orchestrator.service.api import handle_event
from orchestrator.service.record import DebtorRecord
from parley.bootstrap import Runtime

DEBTOR, ADDRESS = "d-reply-email", "ana@example.com"
PLACED_AT = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
SATURDAY = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)
QUOTE = (
    "\n\nOn Tue, Mar 3, 2026 at 10:00 AM Acme Collections <billing@acme.example> wrote:\n"
    "> Your balance of $420.00 is due 3/15.\n> Reply STOP to opt out."
)


async def place(runtime: Runtime, *accounts: tuple[str, str]) -> None:
    """The debtor with one open account per (id, creditor); by default A1 with Acme Bank."""
    debtor = DebtorProfile(
        id=DEBTOR,
        name=Name(first="Ana"),
        address=Address(city="New York", state="NY", postal_code="10014"),
        emails=(Email(address=ADDRESS, consent=True),),
    )
    for account_id, creditor in accounts or (("A1", "Acme Bank"),):
        account = Account(id=account_id, creditor=creditor, balance=Decimal("420"))
        await handle_event(
            runtime.ctx,
            InboundEvent(
                id=f"placed-{account_id}",
                type="account.placed",
                source="test",
                subject=DEBTOR,
                time=PLACED_AT,
                data=AccountPlaced(debtor=debtor, account=account),
            ),
        )


async def reply(runtime: Runtime, text: str) -> list[OutputEvent]:
    data: dict[str, Any] = {"channel": "email", "from": ADDRESS, "to": "billing@acme.example", "text": text}
    event = InboundEvent.model_validate(
        {"id": "in-1", "type": "provider.inbound", "source": "test", "subject": DEBTOR, "time": SATURDAY, "data": data}
    )
    return await handle_event(runtime.ctx, event)


async def state_of(runtime: Runtime) -> DebtorState:
    loaded = await runtime.store.load(DEBTOR, "probe")
    assert loaded.state is not None
    return DebtorRecord.from_bytes(loaded.state).state


def received(outputs: list[OutputEvent]) -> ReplyReceived:
    (reply_received,) = [o.data for o in outputs if isinstance(o.data, ReplyReceived)]
    return reply_received


async def test_a_promise_quoting_a_stop_footer_is_recorded_and_does_not_opt_the_address_out(runtime: Runtime) -> None:
    await place(runtime)
    outputs = await reply(runtime, "I'll pay $50 Friday" + QUOTE)

    published = received(outputs)
    assert (published.intent, published.amount, published.date) == (
        "promise_to_pay",
        Decimal("50.00"),
        date(2026, 3, 13),
    )
    assert published.text == "I'll pay $50 Friday" + QUOTE  # published as received, quote and all
    state = await state_of(runtime)
    assert state.opt_outs == ()
    assert state.accounts[0].promise is not None
    assert "opt_out_confirmation" not in {o.data.template_id for o in outputs if o.type == "message.scheduled"}  # type: ignore[union-attr]


async def test_a_stop_above_the_quote_opts_the_address_out(runtime: Runtime) -> None:
    await place(runtime)
    outputs = await reply(runtime, "STOP" + QUOTE)

    assert received(outputs).intent == "opt_out"
    assert [(o.channel, o.destination) for o in (await state_of(runtime)).opt_outs] == [("email", ADDRESS)]


async def test_a_creditor_named_only_in_the_quote_does_not_pick_the_account(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank"), ("A2", "Globex Card"))
    quote = (
        "\n\nOn Tue, Mar 3, 2026 at 10:00 AM Parley <billing@parley.example> wrote:\n> About your Globex Card account."
    )

    outputs = await reply(runtime, "I'll pay $50 Friday" + quote)

    (intent,) = [o.data for o in outputs if isinstance(o.data, PaymentIntentDetected)]
    assert (intent.account_id, intent.needs_review) == (None, True)
    assert [account.promise for account in (await state_of(runtime)).accounts] == [None, None]


async def test_a_creditor_named_above_the_quote_picks_its_account(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank"), ("A2", "Globex Card"))
    quote = "\n\nOn Tue, Mar 3, 2026 at 10:00 AM Parley <billing@acme.example> wrote:\n> About your Acme Bank account."

    outputs = await reply(runtime, "I'll pay $50 on the Globex card Friday" + quote)

    (intent,) = [o.data for o in outputs if isinstance(o.data, PaymentIntentDetected)]
    assert (intent.account_id, intent.needs_review) == ("A2", False)
