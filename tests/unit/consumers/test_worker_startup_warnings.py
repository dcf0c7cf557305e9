"""``parley worker`` warns at start about what would quietly go wrong in production: channels that send
nowhere (sandbox), payment links signed with the public default key, and ``PARLEY_*`` variables that
are not settings (a misspelt name is otherwise ignored)."""

from __future__ import annotations

import logging
import os

import pytest

from parley.cli.worker import log_startup_warnings
from parley.settings import Settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The environment without any PARLEY_* variable of the shell running the tests."""
    for variable in list(os.environ):
        if variable.upper().startswith("PARLEY_"):
            monkeypatch.delenv(variable)
    return monkeypatch


def warnings_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    settings = Settings()
    with caplog.at_level(logging.WARNING, logger="parley.worker"):
        log_startup_warnings(settings, os.environ)
    return [r.getMessage() for r in caplog.records if r.name == "parley.worker" and r.levelno == logging.WARNING]


def test_a_bare_worker_warns_about_each_sandbox_channel_and_the_default_payment_link_key(
    clean_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    logged = warnings_logged(caplog)

    assert len(logged) == 4, logged
    for variable in ("PARLEY_SMS_CHANNEL_URL", "PARLEY_VOICE_CHANNEL_URL", "PARLEY_EMAIL_CHANNEL_URL"):
        (line,) = [line for line in logged if variable in line]
        assert "sandbox://" in line and "reach nobody" in line
    (secret,) = [line for line in logged if "PARLEY_PAYMENT_LINK_SECRET" in line]
    assert "public development key" in secret
    assert "dev-only-payment-link-secret" not in secret  # the key itself is never logged


def test_each_parley_variable_that_is_not_a_setting_is_named_with_the_setting_it_resembles(
    clean_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clean_env.setenv("PARLEY_SMS_CHANNEL_URL", "twilio://")
    clean_env.setenv("PARLEY_VOICE_CHANNEL_URL", "twilio://")
    clean_env.setenv("PARLEY_EMAIL_CHANNEL_URL", "sendgrid://")
    clean_env.setenv("PARLEY_PAYMENT_LINK_SECRET", "an-operator-secret-9f2c")
    clean_env.setenv("PARLEY_SCHEDULER_TIK_S", "0.5")  # misspelt: the worker would tick every 1 s
    clean_env.setenv("PARLEY_WIDGETS", "3")
    clean_env.setenv("parley_key_prefix", "lower-case names are settings too")
    clean_env.setenv("PARLEY_TEST_REDIS", "redis://127.0.0.1:6379/0")  # the test suite's, not the worker's

    logged = warnings_logged(caplog)

    assert logged == [
        "PARLEY_SCHEDULER_TIK_S is not a Parley setting and is ignored (did you mean PARLEY_SCHEDULER_TICK_S?)",
        "PARLEY_WIDGETS is not a Parley setting and is ignored",
    ]
