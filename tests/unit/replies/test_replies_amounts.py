"""Amounts: money is extracted to cents; dates, times, phone and reference numbers are not money."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orchestrator.replies import classify
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
