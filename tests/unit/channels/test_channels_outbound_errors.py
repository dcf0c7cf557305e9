"""The error tree and the provider-code mapping (orchestrator/outbound.py)."""

from __future__ import annotations

import pytest

from orchestrator.outbound import (
    Disposition,
    Permanent,
    ProviderError,
    ProviderTimeout,
    Retryable,
    Throttled,
    error_for_response,
    keypad_action,
    parse_retry_after,
)


def test_a_429_becomes_throttled_with_the_retry_after_delay() -> None:
    error = error_for_response("twilio", 429, "too many", "20429", retry_after=7)
    assert isinstance(error, Throttled)
    assert error.retry_after == 7 and error.retryable and error.code == "20429"


@pytest.mark.parametrize("status", [500, 503, 408])
def test_server_errors_are_retryable(status: int) -> None:
    error = error_for_response("sendgrid", status, "boom", str(status))
    assert isinstance(error, Retryable) and error.retryable and not error.outcome_unknown


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_that_cannot_say_what_the_provider_did_leaves_the_outcome_unknown(status: int) -> None:
    error = error_for_response("twilio", status, "bad gateway", "20504")
    assert isinstance(error, ProviderTimeout) and error.outcome_unknown
    assert error.http_status == status and error.code == "20504"


@pytest.mark.parametrize(
    ("code", "disposition"),
    [
        ("21610", Disposition.OPTED_OUT),
        ("21211", Disposition.BAD_DESTINATION),
        ("21614", Disposition.BAD_DESTINATION),
        ("21635", Disposition.BAD_DESTINATION),
    ],
)
def test_twilio_destination_codes_are_permanent_and_say_what_is_wrong(code: str, disposition: Disposition) -> None:
    error = error_for_response("twilio", 400, "rejected", code)
    assert isinstance(error, Permanent) and not error.retryable
    assert error.disposition is disposition and error.code == code


def test_a_credentials_failure_is_a_misconfiguration_not_a_bad_destination() -> None:
    assert error_for_response("sendgrid", 401, "bad key", "401").disposition is Disposition.MISCONFIGURED


def test_a_timeout_is_retryable_but_its_outcome_is_unknown() -> None:
    error = ProviderTimeout("twilio", "no answer")
    assert isinstance(error, Retryable) and isinstance(error, ProviderError)
    assert error.retryable and error.outcome_unknown


@pytest.mark.parametrize(("header", "seconds"), [("3", 3.0), ("0.5", 0.5), (None, 1.0), ("Wed, 21 Oct 2015", 1.0)])
def test_retry_after_reads_seconds_and_falls_back_on_dates(header: str | None, seconds: float) -> None:
    assert parse_retry_after(header) == seconds


def test_keypad_texts_name_the_debtors_request() -> None:
    assert keypad_action("keypad:1") == "payment_link"
    assert keypad_action("keypad:2") == "callback"
    assert keypad_action("keypad:9") == "stop_calls"
    assert keypad_action("keypad:5") is None and keypad_action("STOP") is None
