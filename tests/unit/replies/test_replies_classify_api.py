"""The public classify() contract: intents, confidence, cues and input handling."""

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.replies import Intent, UnknownTimezone, classify

RECEIVED = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "intent"),
    [("talk to my lawyer", Intent.ATTORNEY), ("I filed for bankruptcy", Intent.BANKRUPTCY),
     ("Mi esposo falleció", Intent.DECEASED), ("Wrong number", Intent.WRONG_NUMBER),
     ("This isn't my debt", Intent.DISPUTE), ("I lost my job", Intent.HARDSHIP), ("ya pagué", Intent.ALREADY_PAID),
     ("Can I do a payment plan", Intent.PAYMENT_PLAN_REQUEST), ("call me monday", Intent.CALLBACK_REQUEST),
     ("How much do I owe?", Intent.BALANCE_INQUIRY), ("leave me alone", Intent.CEASE_COMMUNICATION),
     ("who is this?", Intent.HELP), ("You can text me again", Intent.OPT_IN)],
)  # fmt: skip
def test_each_intent_is_recognised_from_a_typical_reply(text: str, intent: Intent) -> None:
    assert classify(text, "sms", RECEIVED, "America/New_York").intent is intent


def test_a_reply_without_cues_is_other_with_low_confidence() -> None:
    result = classify("Got it", "sms", RECEIVED, "America/New_York")
    assert (result.intent, result.confidence, result.cues) == (Intent.OTHER, 0.5, ())


def test_a_contested_reply_is_less_certain_than_a_clear_one() -> None:
    clear = classify("I lost my job", "sms", RECEIVED, "America/New_York")
    contested = classify("I lost my job, can I do a payment plan?", "sms", RECEIVED, "America/New_York")
    assert contested.intent is Intent.PAYMENT_PLAN_REQUEST
    assert contested.confidence < 0.87
    assert "hardship:lost_job" in contested.cues
    assert clear.confidence == 0.8


def test_a_naive_received_at_is_taken_as_utc() -> None:
    naive = datetime(2026, 3, 10, 2, 30)
    assert classify("tomorrow", "sms", naive, "America/Los_Angeles").date == RECEIVED.date().replace(day=10)


def test_an_unknown_timezone_is_a_typed_error() -> None:
    with pytest.raises(UnknownTimezone, match="Mars/Base"):
        classify("STOP", "sms", RECEIVED, "Mars/Base")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_classified_without_error(text: str) -> None:
    result = classify(text, "sms", RECEIVED, "America/New_York")
    assert 0.0 < result.confidence <= 1.0


@settings(max_examples=200, deadline=None)
@given(
    keyword=st.sampled_from(["stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout", "alto"]),
    decoration=st.lists(st.sampled_from(["!", ".", " ", "🙏", "🛑", "?", "*", "\n"]), max_size=4),
    upper=st.booleans(),
)
def test_an_opt_out_keyword_with_any_punctuation_or_emoji_is_an_opt_out(
    keyword: str, decoration: list[str], upper: bool
) -> None:
    text = "".join(decoration) + (keyword.upper() if upper else keyword) + "".join(reversed(decoration))
    assert classify(text, "sms", RECEIVED, "America/New_York").intent is Intent.OPT_OUT
