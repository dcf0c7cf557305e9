"""The scheduler's lease must outlast a provider call and what follows it: otherwise a second claimer
reconciles a send whose first worker is still waiting for the provider, or still recording what it
answered (and sends it again, or declares its outcome unknown)."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from parley.settings import LEASE_OVER_PROVIDER_CALL, Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment without any PARLEY_* variable of the shell running the tests."""
    for variable in list(os.environ):
        if variable.upper().startswith("PARLEY_"):
            monkeypatch.delenv(variable)


def refusal(**values: float) -> str:
    with pytest.raises(ValidationError) as caught:
        Settings(**values)  # type: ignore[arg-type]
    return str(caught.value)


def test_the_default_lease_comfortably_outlasts_the_default_provider_timeouts() -> None:
    settings = Settings()
    longest = max(settings.twilio_timeout_s, settings.sendgrid_timeout_s)
    assert settings.scheduler_lease_s >= LEASE_OVER_PROVIDER_CALL * longest


def test_a_lease_shorter_than_a_provider_call_is_refused_naming_the_lease_and_the_timeout() -> None:
    reason = refusal(scheduler_lease_s=15, twilio_timeout_s=10, sendgrid_timeout_s=5)
    assert "PARLEY_SCHEDULER_LEASE_S=15" in reason
    assert "PARLEY_TWILIO_TIMEOUT_S=10" in reason
    assert "at least 30 s" in reason
    assert "SENDGRID" not in reason  # only the timeout that sets the bound


def test_the_slower_provider_is_the_one_named() -> None:
    reason = refusal(scheduler_lease_s=30, twilio_timeout_s=5, sendgrid_timeout_s=20)
    assert "PARLEY_SENDGRID_TIMEOUT_S=20" in reason and "at least 60 s" in reason
    assert "TWILIO" not in reason


def test_a_lease_of_twice_the_timeout_is_refused_it_leaves_nothing_after_the_slowest_call() -> None:
    """SendGrid's client times each socket operation: a slow connect and a slow answer take the whole of
    twice its timeout, with nothing left for the Redis writes, the publish and the clocks of two workers."""
    reason = refusal(scheduler_lease_s=20, twilio_timeout_s=5, sendgrid_timeout_s=10)
    assert "PARLEY_SENDGRID_TIMEOUT_S=10" in reason and "at least 30 s" in reason
    assert Settings(scheduler_lease_s=30, twilio_timeout_s=5, sendgrid_timeout_s=10).scheduler_lease_s == 30


def test_a_lease_from_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_SCHEDULER_LEASE_S", "5")
    with pytest.raises(ValidationError, match="PARLEY_SCHEDULER_LEASE_S=5 is too short"):
        Settings()


def test_a_short_lease_is_fine_with_short_enough_provider_timeouts() -> None:
    settings = Settings(scheduler_lease_s=9, twilio_timeout_s=3, sendgrid_timeout_s=3)  # the worker tests' own
    assert settings.scheduler_lease_s == 9


def test_the_refusal_quotes_the_lease_alone_never_a_secret_set_beside_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_TWILIO_AUTH_TOKEN", "token-9c1e-secret")
    monkeypatch.setenv("PARLEY_SENDGRID_API_KEY", "SG.key-4b2d-secret")
    monkeypatch.setenv("PARLEY_SCHEDULER_LEASE_S", "5")
    with pytest.raises(ValidationError) as caught:
        Settings()
    assert "secret" not in str(caught.value)
