"""A promise by reply says which currency its amount is in: the account's, never a silent relabel of the
currency the debtor named. Real redis-server, sandbox channels, the service entry point (``handle_event``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from reply_support import place_accounts, reply_from
from reply_support import state_of as stored_state

from orchestrator.domain import DebtorState
from orchestrator.events import Account, Address, DebtorProfile, Name, Phone
from orchestrator.outputs import OutputEvent, PaymentIntentDetected, ReplyReceived
from parley.bootstrap import Runtime

DEBTOR, MOBILE = "d-reply-currency", "+12125550148"
FRIDAY = date(2026, 3, 13)
DEBTOR_PROFILE = DebtorProfile(
    id=DEBTOR,
    name=Name(first="Ana"),
    address=Address(city="New York", state="NY", postal_code="10014"),
    phones=(Phone(number=MOBILE, type="mobile", sms_consent=True, call_consent=True),),
)


async def place(runtime: Runtime, *accounts: tuple[str, str, str]) -> None:
    """The debtor with one open account per (id, creditor, currency)."""
    await place_accounts(
        runtime,
        DEBTOR_PROFILE,
        (Account(id=i, creditor=creditor, balance=Decimal("420.00"), currency=c) for i, creditor, c in accounts),
    )


async def reply(runtime: Runtime, text: str) -> list[OutputEvent]:
    return await reply_from(runtime, DEBTOR, {"channel": "sms", "from": MOBILE, "to": "+18005550100", "text": text})


async def state_of(runtime: Runtime) -> DebtorState:
    return await stored_state(runtime, DEBTOR)


def published(outputs: list[OutputEvent]) -> tuple[PaymentIntentDetected, ReplyReceived]:
    (intent,) = [o.data for o in outputs if isinstance(o.data, PaymentIntentDetected)]
    (received,) = [o.data for o in outputs if isinstance(o.data, ReplyReceived)]
    return intent, received


def scheduled_templates(outputs: list[OutputEvent]) -> set[str]:
    return {o.data.template_id for o in outputs if o.type == "message.scheduled"}  # type: ignore[union-attr]


async def test_a_promise_in_euros_on_a_euro_account_is_a_payment_intent_in_eur_and_is_recorded(
    runtime: Runtime,
) -> None:
    await place(runtime, ("A1", "Acme Bank", "EUR"))
    outputs = await reply(runtime, "te pago 50 euros el viernes")

    intent, received = published(outputs)
    assert (intent.account_id, intent.amount, intent.currency, intent.date, intent.needs_review) == (
        "A1",
        Decimal("50.00"),
        "EUR",
        FRIDAY,
        False,
    )
    assert (received.amount, received.currency, received.needs_review) == (Decimal("50.00"), "EUR", False)
    promise = (await state_of(runtime)).accounts[0].promise
    assert promise is not None and promise.due == FRIDAY
    assert "promise_confirmation" in scheduled_templates(outputs)


async def test_an_amount_without_a_currency_is_read_in_the_account_s_currency(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank", "EUR"))
    outputs = await reply(runtime, "I can pay 50 Friday")

    intent, received = published(outputs)
    assert (intent.amount, intent.currency, intent.needs_review) == (Decimal("50.00"), "EUR", False)
    assert received.currency == "EUR"


async def test_a_dollar_promise_on_a_euro_account_goes_to_review_unconverted_and_unrecorded(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank", "EUR"))
    outputs = await reply(runtime, "I can pay $50 Friday")

    intent, received = published(outputs)
    # The amount keeps the currency the debtor named: "$50" is never published as €50.
    assert (intent.account_id, intent.amount, intent.currency, intent.needs_review) == (
        "A1",
        Decimal("50.00"),
        "USD",
        True,
    )
    assert (received.currency, received.needs_review) == ("USD", True)
    assert "currency_mismatch:USD, account A1 in EUR" in received.cues
    assert (await state_of(runtime)).accounts[0].promise is None
    assert not {"promise_confirmation", "promise_reminder"} & scheduled_templates(outputs)


async def test_a_promise_on_a_dollar_account_is_in_usd(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank", "USD"))
    outputs = await reply(runtime, "I can pay $50 Friday")

    intent, received = published(outputs)
    assert (intent.currency, intent.needs_review, received.currency) == ("USD", False, "USD")
    assert (await state_of(runtime)).accounts[0].promise is not None


async def test_a_promise_tied_to_no_account_has_the_currency_the_debtor_s_accounts_share(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank", "EUR"), ("A2", "Globex Card", "EUR"))
    outputs = await reply(runtime, "I can pay 50 Friday")

    intent, _ = published(outputs)
    assert (intent.account_id, intent.currency, intent.needs_review) == (None, "EUR", True)


async def test_a_promise_tied_to_no_account_among_accounts_in_several_currencies_has_no_currency(
    runtime: Runtime,
) -> None:
    await place(runtime, ("A1", "Acme Bank", "EUR"), ("A2", "Globex Card", "USD"))
    outputs = await reply(runtime, "I can pay 50 Friday")

    intent, received = published(outputs)
    assert (intent.account_id, intent.currency, intent.needs_review) == (None, None, True)
    assert received.currency is None


async def test_a_pound_promise_naming_a_euro_account_goes_to_review(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank", "USD"), ("A2", "Globex Card", "EUR"))
    outputs = await reply(runtime, "I can pay £50 on the Globex card Friday")

    intent, _ = published(outputs)
    assert (intent.account_id, intent.currency, intent.needs_review) == ("A2", "GBP", True)
    assert [account.promise for account in (await state_of(runtime)).accounts] == [None, None]


async def test_a_dollar_sign_promise_on_a_peso_account_is_in_pesos_and_is_recorded(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank", "MXN"))
    outputs = await reply(runtime, "le pago $500 el viernes")

    intent, received = published(outputs)
    assert (intent.account_id, intent.amount, intent.currency, intent.needs_review) == (
        "A1",
        Decimal("500.00"),
        "MXN",
        False,
    )
    assert (received.currency, received.needs_review) == ("MXN", False)
    assert not [cue for cue in received.cues if cue.startswith("currency_mismatch")]
    promise = (await state_of(runtime)).accounts[0].promise
    assert promise is not None and promise.due == FRIDAY
    assert "promise_confirmation" in scheduled_templates(outputs)


async def test_a_dollar_sign_promise_on_a_canadian_dollar_account_is_in_cad(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank", "CAD"))
    outputs = await reply(runtime, "I can pay $50 Friday")

    intent, received = published(outputs)
    assert (intent.currency, intent.needs_review, received.currency) == ("CAD", False, "CAD")
    assert (await state_of(runtime)).accounts[0].promise is not None


async def test_a_dollar_sign_promise_on_a_real_account_still_goes_to_review(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank", "BRL"))  # written R$, not a bare $
    outputs = await reply(runtime, "I can pay $50 Friday")

    intent, received = published(outputs)
    assert (intent.currency, intent.needs_review) == ("USD", True)
    assert "currency_mismatch:USD, account A1 in BRL" in received.cues


@pytest.mark.parametrize(
    ("currency", "text"),
    [("CAD", "I can pay 50 dollars Friday"), ("CAD", "I can pay $50 usd Friday"),
     ("MXN", "te pago US$100 el viernes"), ("MXN", "te pago 100 dólares el viernes")],
)  # fmt: skip
async def test_a_dollar_word_on_another_dollar_sign_account_is_still_usd_and_goes_to_review(
    runtime: Runtime, currency: str, text: str
) -> None:
    await place(runtime, ("A1", "Acme Bank", currency))
    outputs = await reply(runtime, text)

    intent, received = published(outputs)
    assert (intent.currency, intent.needs_review) == ("USD", True)
    assert f"currency_mismatch:USD, account A1 in {currency}" in received.cues
    assert (await state_of(runtime)).accounts[0].promise is None


async def test_a_dollar_sign_among_accounts_in_two_dollar_sign_currencies_names_neither(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank", "USD"), ("A2", "Globex Card", "CAD"))
    outputs = await reply(runtime, "I can pay $50 Friday")

    intent, received = published(outputs)
    assert (intent.account_id, intent.currency, intent.needs_review) == (None, None, True)
    assert received.currency is None
    assert not [cue for cue in received.cues if cue.startswith("currency_mismatch")]


async def test_a_dollar_sign_promise_naming_the_canadian_account_is_in_cad(runtime: Runtime) -> None:
    await place(runtime, ("A1", "Acme Bank", "USD"), ("A2", "Globex Card", "CAD"))
    outputs = await reply(runtime, "I can pay $50 on the Globex card Friday")

    intent, _ = published(outputs)
    assert (intent.account_id, intent.currency, intent.needs_review) == ("A2", "CAD", False)
    assert [account.promise is not None for account in (await state_of(runtime)).accounts] == [False, True]


@pytest.mark.parametrize("currency", ["USD", "GBP"])
async def test_a_weight_in_pounds_does_not_replace_the_amount_promised(runtime: Runtime, currency: str) -> None:
    await place(runtime, ("A1", "Acme Bank", currency))
    outputs = await reply(runtime, "I can pay 50 on friday. I lost 20 pounds worrying about this")

    intent, received = published(outputs)
    assert (intent.amount, intent.currency, intent.needs_review) == (Decimal("50.00"), currency, False)
    assert not [cue for cue in received.cues if cue.startswith("currency_mismatch")]
    promise = (await state_of(runtime)).accounts[0].promise
    assert promise is not None and promise.amount == Decimal("50.00")
