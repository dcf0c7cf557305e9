"""What a provider status means downstream: the delivery event ``status_output`` publishes for it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from orchestrator.domain import Attempt
from orchestrator.events import ProviderStatus
from orchestrator.outputs import CallCompleted, MessageClicked, MessageFailed
from orchestrator.service.feedback import status_output

T0 = datetime(2026, 3, 16, 14, tzinfo=UTC)


def attempt(channel: str, answered_by: str | None = None) -> Attempt:
    destination = "maria@example.com" if channel == "email" else "+12125550123"
    return Attempt("s1", channel, destination, ("A",), T0, provider_message_id="P1", answered_by=answered_by)  # type: ignore[arg-type]


def provider_status(channel: str, status: str, **fields: object) -> ProviderStatus:
    return ProviderStatus.model_validate({"channel": channel, "provider_message_id": "P1", "status": status, **fields})


@pytest.mark.parametrize(
    ("status", "error_code"), [("completed", None), ("busy", "486"), ("no-answer", "487"), ("failed", "404")]
)
def test_call_completed_says_how_the_call_ended(status: str, error_code: str | None) -> None:
    output = status_output(provider_status("voice", status, error_code=error_code), attempt("voice"), "d-1")
    assert isinstance(output, CallCompleted)
    assert (output.status, output.error_code) == (status, error_code)


def test_call_completed_carries_the_amd_answer_that_arrived_before_the_end_of_the_call() -> None:
    output = status_output(
        provider_status("voice", "completed", duration_s=45), attempt("voice", "machine_end_beep"), "d-1"
    )
    assert isinstance(output, CallCompleted)
    assert (output.answered_by, output.duration_s, output.status) == ("machine_end_beep", 45, "completed")


def test_the_amd_callback_itself_publishes_nothing() -> None:
    assert status_output(provider_status("voice", "answered", answered_by="human"), attempt("voice"), "d-1") is None


@pytest.mark.parametrize(
    ("status", "error_code", "retryable"),
    [
        ("bounce", "5.1.1", False),  # hard bounce: the address is bad
        ("dropped", "Bounced Address", False),
        ("dropped", "Invalid", False),
        ("dropped", "Unsubscribed Address", False),  # opted out
        ("dropped", "Spam Reporting Address", False),
        ("blocked", "5.7.1", True),  # policy or reputation: the sender's problem, not the address's
        ("dropped", "Recipient List over Package Quota", True),
    ],
)
def test_email_failures_say_whether_the_address_may_be_tried_again(
    status: str, error_code: str, retryable: bool
) -> None:
    output = status_output(provider_status("email", status, error_code=error_code), attempt("email"), "d-1")
    assert isinstance(output, MessageFailed)
    assert (output.error_code, output.retryable) == (error_code, retryable)


@pytest.mark.parametrize(("code", "retryable"), [("30005", False), ("30006", False), ("30003", True)])
def test_sms_failures_keep_their_retryable_reading(code: str, retryable: bool) -> None:
    output = status_output(provider_status("sms", "undelivered", error_code=code), attempt("sms"), "d-1")
    assert isinstance(output, MessageFailed) and output.retryable is retryable


def test_a_click_carries_the_clicked_link() -> None:
    url = "https://pay.example.com/p/acc-1"
    output = status_output(provider_status("email", "click", url=url), attempt("email"), "d-1")
    assert isinstance(output, MessageClicked) and output.url == url
    older = status_output(provider_status("email", "click"), attempt("email"), "d-1")
    assert isinstance(older, MessageClicked) and older.url == ""  # a status from before the field: none reported
