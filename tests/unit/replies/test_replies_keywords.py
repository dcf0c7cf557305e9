"""Carrier keywords are recognised however the debtor types them (COMPLIANCE edge cases 24-29)."""

from datetime import UTC, datetime

import pytest

from orchestrator.replies import Intent, classify

RECEIVED = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)


def intent_of(text: str) -> Intent:
    return classify(text, "sms", RECEIVED, "America/New_York").intent


@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", " Stop ", "Stop.", "STOP!!", "stop 🙏", "Opt-Out", "REVOKE", "stop all", "STOPALL",
     "UNSUBSCRIBE", "cancel", "END", "Quit", "optout", "opt out", "STOP STOP", "stop please", "🛑 STOP 🛑",
     "ALTO", "Parar", "detener", "BAJA", "cancelar", "STOP por favor", '"stop"'],
)  # fmt: skip
def test_every_spelling_of_an_opt_out_keyword_is_an_opt_out(text: str) -> None:
    assert intent_of(text) is Intent.OPT_OUT


@pytest.mark.parametrize("text", ["START", "start.", "UNSTOP", "yes", "Yes!", "Sí", "subscribe"])
def test_opt_in_keywords_including_yes_restore_messages(text: str) -> None:
    assert intent_of(text) is Intent.OPT_IN


@pytest.mark.parametrize("text", ["HELP", "help?", "INFO", "Ayuda", "información"])
def test_help_keywords_ask_for_the_help_reply(text: str) -> None:
    assert intent_of(text) is Intent.HELP


def test_a_keyword_reply_is_classified_with_high_confidence_and_names_the_keyword() -> None:
    result = classify("Stop!!", "sms", RECEIVED, "America/New_York")
    assert result.confidence >= 0.99
    assert result.cues == ("opt_out:carrier_keyword:stop",)


@pytest.mark.parametrize(
    "text",
    ["please stop texting me", "don't text me anymore", "no me manden mensajes", "Stop emailing me.",
     "remove me from your list", "I don't want to get these texts anymore", "dejen de escribirme",
     "pls stop msging me", "just stop", "I'm done with these texts. Stop."],
)  # fmt: skip
def test_free_text_requests_to_stop_messages_are_opt_outs(text: str) -> None:
    assert intent_of(text) is Intent.OPT_OUT
