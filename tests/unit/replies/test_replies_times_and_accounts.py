"""The time of day a reply names, which account it names, and which keywords the SMS provider answers
itself (decisions documented in docs/replies.md)."""

from datetime import UTC, datetime, time

import pytest

from orchestrator.replies import Intent, classify, provider_keyword
from orchestrator.replies.accounts import named_account

RECEIVED = datetime(2026, 3, 7, 15, 0, tzinfo=UTC)


def time_in(text: str) -> time | None:
    return classify(text, "sms", RECEIVED, "America/New_York").time


@pytest.mark.parametrize(
    ("text", "expected"),
    [("call me tomorrow at 3pm", time(15)), ("call me at 3 PM", time(15)), ("after 6p.m. please", time(18)),
     ("10am monday", time(10)), ("12am", time(0)), ("12pm", time(12)), ("3:30 pm friday", time(15, 30)),
     ("at 15:45", time(15, 45)), ("9:05", time(9, 5)), ("around noon", time(12)), ("a mediodía", time(12)),
     ("llámame a las 3 de la tarde", time(15)), ("a las 9 de la mañana", time(9)),
     ("8 de la noche", time(20))],
)  # fmt: skip
def test_a_time_of_day_that_says_which_half_of_the_day_is_read(text: str, expected: time) -> None:
    assert time_in(text) == expected


@pytest.mark.parametrize(
    "text", ["call me at 3", "I can pay $50 Friday", "pay 4/1", "2 a month", "I am home", "call me 13pm", "25:00"]
)
def test_no_time_is_guessed_from_a_bare_number_an_amount_or_a_date(text: str) -> None:
    assert time_in(text) is None


def test_the_time_is_listed_among_the_cues_and_leaves_the_date_alone() -> None:
    result = classify("call me tomorrow at 3pm", "sms", RECEIVED, "America/New_York")
    assert result.cues[-2:] == ("date:tomorrow", "time:3pm")
    assert str(result.date) == "2026-03-08"


ACCOUNTS = [("A1", "Acme Bank"), ("A2", "Globex Card")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("I can pay $50 Friday", None), ("I'll pay the Acme one friday", "A1"), ("$50 on globex card", "A2"),
     ("paying A2 on friday", "A2"), ("acme and globex both friday", None), ("I'll pay the bank friday", None)],
)  # fmt: skip
def test_an_account_is_named_only_by_its_id_or_creditor_and_only_when_one_matches(
    text: str, expected: str | None
) -> None:
    assert named_account(text, ACCOUNTS) == expected


def test_two_accounts_with_the_same_creditor_cannot_be_told_apart_by_name() -> None:
    assert named_account("I'll pay acme friday", [("A1", "Acme"), ("A2", "Acme")]) is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [("STOP", Intent.OPT_OUT), (" stop ", Intent.OPT_OUT), ("Stop.", Intent.OPT_OUT), ("UNSUBSCRIBE", Intent.OPT_OUT),
     ("START", Intent.OPT_IN), ("yes", Intent.OPT_IN), ("HELP", Intent.HELP), ("info", Intent.HELP)],
)  # fmt: skip
def test_the_provider_answers_a_reply_that_is_one_of_its_keywords(text: str, intent: Intent) -> None:
    assert provider_keyword(text) is intent


@pytest.mark.parametrize("text", ["stop please", "STOP STOP", "please stop texting me", "ALTO", "start please"])
def test_the_provider_leaves_a_phrase_or_a_keyword_it_does_not_know_to_parley(text: str) -> None:
    assert provider_keyword(text) is None
