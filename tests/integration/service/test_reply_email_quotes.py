"""An e-mail reply quoting the message it answers is acted on for the debtor's own words: the quoted
"Reply STOP to opt out" does not close the address. Real redis-server, sandbox channels, the service
entry point (``handle_event``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from reply_support import place_accounts, reply_from
from reply_support import state_of as stored_state

from orchestrator.domain import DebtorState
from orchestrator.events import Account, Address, DebtorProfile, Email, Name
from orchestrator.limits import REPLY_TEXT_LENGTH
from orchestrator.outputs import CallbackRequested, OutputEvent, PaymentIntentDetected, ReplyReceived
from parley.bootstrap import Runtime

DEBTOR, ADDRESS = "d-reply-email", "ana@example.com"
QUOTE = (
    "\n\nOn Tue, Mar 3, 2026 at 10:00 AM Acme Collections <billing@acme.example> wrote:\n"
    "> Your balance of $420.00 is due 3/15.\n> Reply STOP to opt out."
)
DEBTOR_PROFILE = DebtorProfile(
    id=DEBTOR,
    name=Name(first="Ana"),
    address=Address(city="New York", state="NY", postal_code="10014"),
    emails=(Email(address=ADDRESS, consent=True),),
)


async def place(runtime: Runtime, *accounts: tuple[str, str]) -> None:
    """The debtor with one open account per (id, creditor); by default A1 with Acme Bank."""
    await place_accounts(
        runtime,
        DEBTOR_PROFILE,
        (
            Account(id=i, creditor=creditor, balance=Decimal("420"))
            for i, creditor in accounts or (("A1", "Acme Bank"),)
        ),
    )


async def reply(runtime: Runtime, text: str) -> list[OutputEvent]:
    data = {"channel": "email", "from": ADDRESS, "to": "billing@acme.example", "text": text}
    return await reply_from(runtime, DEBTOR, data)


async def state_of(runtime: Runtime) -> DebtorState:
    return await stored_state(runtime, DEBTOR)


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


async def test_a_callback_request_too_long_to_keep_whole_takes_no_time_from_the_header_it_was_cut_in(
    runtime: Runtime,
) -> None:
    """Parley keeps a reply's first 2,000 characters; here the cut falls inside the quote's header, whose
    "10:00 AM" (no longer followed by "wrote:") must not become the time the debtor asked to be called."""
    await place(runtime)
    header_kept = 45  # "On Tue, Mar 3, 2026 at 10:00 AM Acme Collect|ions <billing@acme.example> wrote:"
    start = "Please call me back, I want to sort this out.\n\n"
    own = (start + "My hours at work keep changing this month. " * 60)[: REPLY_TEXT_LENGTH - 2 - header_kept]
    text = own + QUOTE + "\n> More of the message I was sent." * 20
    assert "10:00 AM" in text[:REPLY_TEXT_LENGTH] and "wrote:" not in text[:REPLY_TEXT_LENGTH]

    outputs = await reply(runtime, text)
    assert received(outputs).text_truncated
    (callback,) = [o.data for o in outputs if isinstance(o.data, CallbackRequested)]
    assert (callback.when, callback.date) == (None, None)
