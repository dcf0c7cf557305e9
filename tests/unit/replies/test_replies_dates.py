"""Dates resolve against the local day the reply arrived (decisions documented in docs/replies.md)."""

from datetime import UTC, date, datetime

import pytest

from orchestrator.replies import classify
from orchestrator.replies.dates import extract_date
from orchestrator.replies.normalize import normalize_reply

WEDNESDAY = date(2026, 3, 4)


def date_in(text: str, today: date = WEDNESDAY, prefer_past: bool = False) -> date | None:
    match = extract_date(normalize_reply(text).entity_text, today, prefer_past)
    return match.value if match else None


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Friday", date(2026, 3, 6)), ("wednesday", WEDNESDAY), ("next Friday", date(2026, 3, 13)),
     ("tomorrow", date(2026, 3, 5)), ("tmrw", date(2026, 3, 5)), ("today", WEDNESDAY),
     ("the 15th", date(2026, 3, 15)), ("the 3rd", date(2026, 4, 3)), ("4/1", date(2026, 4, 1)),
     ("3/1", date(2027, 3, 1)), ("in two weeks", date(2026, 3, 18)), ("in 3 days", date(2026, 3, 7)),
     ("end of the month", date(2026, 3, 31)), ("next week", date(2026, 3, 9)), ("this weekend", date(2026, 3, 7)),
     ("el viernes", date(2026, 3, 6)), ("mañana", date(2026, 3, 5)), ("el 15", date(2026, 3, 15)),
     ("fin de mes", date(2026, 3, 31)), ("la próxima semana", date(2026, 3, 9)), ("en dos semanas", date(2026, 3, 18)),
     ("el próximo viernes", date(2026, 3, 13)), ("pasado mañana", date(2026, 3, 6)),
     ("March 16", date(2026, 3, 16)), ("16 de marzo", date(2026, 3, 16)), ("March 4", WEDNESDAY),
     ("February 2", date(2027, 2, 2))],
)  # fmt: skip
def test_each_phrase_resolves_to_the_documented_date(text: str, expected: date) -> None:
    assert date_in(text) == expected


def test_the_15th_when_today_is_the_20th_is_next_month() -> None:
    assert date_in("the 15th", today=date(2026, 3, 20)) == date(2026, 4, 15)


def test_the_31st_skips_months_without_one() -> None:
    assert date_in("the 31st", today=date(2026, 4, 2)) == date(2026, 5, 31)


def test_past_tense_replies_look_back() -> None:
    assert date_in("I paid on Monday", prefer_past=True) == date(2026, 3, 2)
    assert date_in("paid on 3/2", prefer_past=True) == date(2026, 3, 2)
    assert date_in("passed away on February 2", prefer_past=True) == date(2026, 2, 2)


@pytest.mark.parametrize(
    "text", ["la mañana", "por la mañana", "I was laid off in January", "the 3 kids", "half next month", "ok"]
)
def test_phrases_that_name_no_day_give_no_date(text: str) -> None:
    assert date_in(text) is None


def test_i_can_pay_50_friday_gives_fifty_dollars_on_that_friday() -> None:
    result = classify("I can pay $50 Friday", "sms", datetime(2026, 3, 4, 15, 30, tzinfo=UTC), "America/New_York")
    assert (str(result.amount), result.date) == ("50.00", date(2026, 3, 6))


def test_the_local_date_is_used_not_the_utc_date() -> None:
    # 02:30 UTC on Tuesday is 19:30 on Monday in Los Angeles: "tomorrow" is Tuesday.
    received = datetime(2026, 3, 10, 2, 30, tzinfo=UTC)
    assert classify("I'll pay tomorrow", "sms", received, "America/Los_Angeles").date == date(2026, 3, 10)
    assert classify("I'll pay tomorrow", "sms", received, "UTC").date == date(2026, 3, 11)


def test_a_reply_already_paid_on_a_weekday_resolves_to_the_past_one() -> None:
    received = datetime(2026, 1, 31, 3, 30, tzinfo=UTC)  # Friday 23:30 in Puerto Rico
    assert classify("Pagué el jueves", "sms", received, "America/Puerto_Rico").date == date(2026, 1, 29)
