"""Replies that contain "stop" (or sound like it) but do not ask to stop messages."""

from datetime import UTC, datetime

import pytest

from orchestrator.replies import Intent, classify

RECEIVED = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)  # Wednesday 10:30 in New York


def classify_now(text: str) -> Intent:
    return classify(text, "sms", RECEIVED, "America/New_York").intent


def test_stopping_by_to_pay_is_a_promise_not_an_opt_out() -> None:
    result = classify("I'll stop by Friday to pay", "sms", RECEIVED, "America/New_York")
    assert result.intent is Intent.PROMISE_TO_PAY
    assert result.date is not None and result.date.isoformat() == "2026-03-06"


@pytest.mark.parametrize(
    "text",
    ["can you stop the late fees", "stop the late fees please", "how do I stop the autopay",
     "I'll stop by the office sometime", "when will the calls stop", "can you stop charging me interest"],
)  # fmt: skip
def test_stop_about_something_else_is_not_an_opt_out(text: str) -> None:
    assert classify_now(text) is not Intent.OPT_OUT


def test_stop_contacting_me_with_a_refusal_to_pay_is_a_cease_notice() -> None:
    result = classify("Stop contacting me, I won't pay", "sms", RECEIVED, "America/New_York")
    assert result.intent is Intent.CEASE_COMMUNICATION
    assert result.opt_out_requested


def test_a_legal_hold_wins_over_an_opt_out_but_the_opt_out_stays_visible() -> None:
    result = classify("Speak to my lawyer. Stop texting me.", "sms", RECEIVED, "America/New_York")
    assert result.intent is Intent.ATTORNEY
    assert result.opt_out_requested
    assert "opt_out:stop_medium" in result.cues


def test_a_promise_is_not_an_opt_out_request() -> None:
    assert not classify("I can pay $50 Friday", "sms", RECEIVED, "America/New_York").opt_out_requested


@pytest.mark.parametrize("text", ["ok", "thanks", "👍", "no", "lol"])
def test_small_talk_is_other(text: str) -> None:
    assert classify_now(text) is Intent.OTHER
