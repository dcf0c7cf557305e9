"""Amounts: money is extracted to cents; dates, times, phone and reference numbers are not money."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orchestrator.replies import Intent, classify
from orchestrator.replies.amounts import extract_amount
from orchestrator.replies.normalize import normalize_reply

RECEIVED = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


def amount_in(text: str) -> Decimal | None:
    match = extract_amount(normalize_reply(text).entity_text)
    return match.amount if match else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("I can pay $50 Friday", "50.00"), ("i can do 200 dollars monday", "200.00"),
     ("puedo pagar 50 dólares el viernes", "50.00"), ("I can pay 1,250 to settle this", "1250.00"),
     ("I can pay 75.50 on the 15th", "75.50"), ("I'll pay the $1,250.00 on 4/1", "1250.00"),
     ("I can pay 25 bucks", "25.00"), ("le puedo abonar 90 dlls", "90.00"), ("Le pago 80 el 20", "80.00"),
     ("I can make a 200 payment on friday", "200.00"), ("$ 40 tomorrow", "40.00")],
)  # fmt: skip
def test_stated_amounts_are_extracted_with_two_decimal_places(text: str, expected: str) -> None:
    amount = amount_in(text)
    assert amount == Decimal(expected)
    assert amount is not None and amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "text",
    ["I'll pay on 4/1", "I'll pay on the 15th", "le pago el 15", "call me after 5", "call me at 3pm",
     "Contact my attorney at 555-201-3344", "confirmation #88231", "case no. 26-10422", "I can pay in 2 weeks",
     "I have 3 kids", "account 48213377"],
)  # fmt: skip
def test_numbers_that_are_not_money_are_not_amounts(text: str) -> None:
    assert amount_in(text) is None


def test_classify_reports_the_amount_and_the_text_it_came_from() -> None:
    result = classify("I can pay $50 Friday", "sms", RECEIVED, "America/New_York")
    assert result.amount == Decimal("50.00")
    assert "amount:$50" in result.cues


@pytest.mark.parametrize(
    ("text", "expected", "currency"),
    [("I can pay €50 Friday", "50.00", "EUR"), ("te pago 50 euros el viernes", "50.00", "EUR"),
     ("€ 40 tomorrow", "40.00", "EUR"), ("100 euros el lunes", "100.00", "EUR"),
     ("puedo pagar 20 euro", "20.00", "EUR"),
     ("I'll have 60€ for you Friday", "60.00", "EUR"), ("I can pay £75.50 tomorrow", "75.50", "GBP"),
     ("£ 40 tomorrow", "40.00", "GBP"), ("I can pay 30 pounds by Friday", "30.00", "GBP"),
     ("le mando 45 libras el viernes", "45.00", "GBP"), ("I can pay €1,250.00 on 4/1", "1250.00", "EUR"),
     ("I can pay 25 EUR friday", "25.00", "EUR")],
)  # fmt: skip
def test_euro_and_pound_signs_and_words_name_the_amount_s_currency(text: str, expected: str, currency: str) -> None:
    match = extract_amount(normalize_reply(text).entity_text)
    assert match is not None
    assert (match.amount, match.currency) == (Decimal(expected), currency)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("€ 40 tomorrow", "40.00"), ("100 euros el lunes", "100.00"), ("£ 40 tomorrow", "40.00"),
     ("I'll have 30 GBP by Friday", "30.00"), ("I'll have €60 by Friday", "60.00"), ("50 euros mañana", "50.00")],
)  # fmt: skip
def test_a_euro_or_pound_marker_alone_makes_a_number_money_as_a_dollar_sign_does(text: str, expected: str) -> None:
    assert amount_in(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "currency"),
    [("I can pay $50 Friday", "USD"), ("i can do 200 dollars monday", "USD"), ("puedo pagar 50 dólares", "USD"),
     ("I can pay 25 bucks", "USD"), ("le puedo abonar 90 dlls", "USD"), ("50 usd tomorrow", "USD"),
     ("te pago 80 pesos", None), ("I can pay 75.50 on the 15th", None), ("Le pago 80 el 20", None),
     ("I can make a 200 payment on friday", None)],
)  # fmt: skip
def test_a_dollar_marker_names_usd_and_an_unmarked_or_peso_amount_names_no_currency(
    text: str, currency: str | None
) -> None:
    match = extract_amount(normalize_reply(text).entity_text)
    assert match is not None and match.currency == currency


@pytest.mark.parametrize("text", ["press pound to pay", "€ tomorrow", "euros please", "I'll pay on 4/1 in euros"])
def test_a_currency_word_or_sign_without_a_number_is_no_amount(text: str) -> None:
    assert amount_in(text) is None


def test_classify_reads_a_promise_in_euros_as_it_reads_one_in_dollars() -> None:
    euros = classify("te pago 50 euros el viernes", "sms", RECEIVED, "America/New_York")
    sign = classify("I can pay €50 Friday", "sms", RECEIVED, "America/New_York")
    dollars = classify("I can pay $50 Friday", "sms", RECEIVED, "America/New_York")
    assert {euros.intent, sign.intent, dollars.intent} == {Intent.PROMISE_TO_PAY}
    assert (euros.amount, euros.date, euros.currency) == (Decimal("50.00"), dollars.date, "EUR")
    assert (sign.amount, sign.date, sign.currency) == (Decimal("50.00"), dollars.date, "EUR")
    assert dollars.currency == "USD"
    assert "amount:50 euros" in euros.cues and "amount:€50" in sign.cues


def test_a_plan_in_euros_is_still_a_plan() -> None:
    assert classify("can I pay 50 euros a month", "sms", RECEIVED, "UTC").intent is Intent.PAYMENT_PLAN_REQUEST


@pytest.mark.parametrize(
    ("text", "expected"),
    [("I can pay 30 pounds friday", "30.00"), ("le mando 45 libras el viernes", "45.00"),
     ("puedo pagar 50 libras", "50.00"), ("I can make a payment of 30 pounds", "30.00"),
     ("I'll make a 30 pound payment", "30.00"), ("I'll send 1 pound", "1.00")],
)  # fmt: skip
def test_pounds_and_libras_are_money_after_a_paying_verb_or_in_a_payment_phrase(text: str, expected: str) -> None:
    match = extract_amount(normalize_reply(text).entity_text)
    assert match is not None
    assert (match.amount, match.currency) == (Decimal(expected), "GBP")


@pytest.mark.parametrize(
    "text",
    # A weight, and (the price of that) money said without a paying verb: "£30" or "30 GBP" is read.
    ["my kid is 30 pounds", "I lost 20 pounds worrying about this", "perdí 10 libras", "I'll have 30 pounds by Friday",
     "50 libras mañana"],
)  # fmt: skip
def test_pounds_and_libras_without_a_paying_verb_are_not_money(text: str) -> None:
    assert amount_in(text) is None


@pytest.mark.parametrize(
    "text",
    ["I can pay 50 on friday. I lost 20 pounds worrying about this", "perdí 10 libras, puedo pagar 50 el viernes",
     "my kid is 30 pounds but I can pay 50 friday"],
)  # fmt: skip
def test_a_weight_in_pounds_does_not_become_the_amount_of_a_promise(text: str) -> None:
    result = classify(text, "sms", RECEIVED, "America/New_York")
    assert (result.intent, result.amount, result.currency) == (Intent.PROMISE_TO_PAY, Decimal("50.00"), None)


@pytest.mark.parametrize(
    ("text", "currency", "sign"),
    [("I can pay $50 Friday", "USD", "$"), ("le pago $500 el viernes", "USD", "$"), ("$ 40 tomorrow", "USD", "$"),
     ("I can pay 50 dollars", "USD", None), ("I can pay 50 usd", "USD", None), ("I can pay $50 usd", "USD", None),
     ("te pago $50 dólares", "USD", None), ("te pago US$100 el viernes", "USD", None),
     ("te pago $500 pesos", "USD", "$"), ("I can pay €50", "EUR", None)],
)  # fmt: skip
def test_a_bare_dollar_sign_is_flagged_as_shared_and_a_dollar_word_is_plain_usd(
    text: str, currency: str | None, sign: str | None
) -> None:
    result = classify(text, "sms", RECEIVED, "America/New_York")
    assert result.amount is not None
    assert (result.currency, result.currency_sign) == (currency, sign)


def test_a_dollar_sign_after_us_in_a_sentence_is_still_a_bare_dollar_sign() -> None:
    assert classify("can I pay us $50 friday", "sms", RECEIVED, "UTC").currency_sign == "$"
