"""docs/configuration.md is the settings object's own table, and no way of printing settings shows a secret."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from parley.settings import Settings

REPO = Path(__file__).resolve().parents[2]
CONFIG_DOC = REPO / "docs" / "configuration.md"
SECRET_FIELDS = [name for name, field in Settings.model_fields.items() if field.annotation is SecretStr]


def test_configuration_doc_is_exactly_what_the_settings_module_generates() -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "parley.settings"], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout
    assert CONFIG_DOC.read_text() == generated, (
        "docs/configuration.md is stale; regenerate it: .venv/bin/python -m parley.settings > docs/configuration.md"
    )


def test_every_setting_has_a_description() -> None:
    undocumented = [name for name, field in Settings.model_fields.items() if not (field.description or "").strip()]
    assert undocumented == []


def test_the_settings_declare_secrets_to_protect() -> None:
    assert {"twilio_auth_token", "sendgrid_api_key", "payment_link_secret"} <= set(SECRET_FIELDS)


def _settings_with_every_secret_set() -> tuple[Settings, dict[str, str]]:
    values = {name: f"TOP-SECRET-{name}-7f3a" for name in SECRET_FIELDS}
    return Settings.model_validate(values), values


def test_repr_and_str_of_settings_never_show_a_secret() -> None:
    settings, secrets = _settings_with_every_secret_set()
    for shown in (repr(settings), str(settings)):
        for secret in secrets.values():
            assert secret not in shown


def test_redacted_settings_mask_every_secret_but_keep_other_values() -> None:
    settings, secrets = _settings_with_every_secret_set()
    redacted = settings.redacted()
    for name, secret in secrets.items():
        assert secret not in repr(redacted)
        assert redacted[name] == "**********"
    assert redacted["business_name"] == settings.business_name
    assert set(redacted) == set(Settings.model_fields)


def test_secrets_read_from_the_environment_stay_masked_yet_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_TWILIO_AUTH_TOKEN", "env-token-93c1")
    settings = Settings()
    assert "env-token-93c1" not in repr(settings)
    assert "env-token-93c1" not in repr(settings.redacted())
    assert settings.twilio_auth_token.get_secret_value() == "env-token-93c1"


URL_FIELDS = [name for name, field in Settings.model_fields.items() if field.annotation is str]


def _settings_with_a_password_in_every_url() -> tuple[Settings, dict[str, str]]:
    passwords = {name: f"pw-{name}-51d0" for name in URL_FIELDS}
    urls = {name: f"redis://parley:{password}@state.internal:6379/0" for name, password in passwords.items()}
    return Settings.model_validate(urls), passwords


def test_passwords_in_url_settings_are_masked_when_settings_are_printed_or_redacted() -> None:
    settings, passwords = _settings_with_a_password_in_every_url()
    redacted = settings.redacted()
    for shown in (repr(settings), str(settings), repr(redacted)):
        for password in passwords.values():
            assert password not in shown
    assert redacted["state_url"] == "redis://parley:***@state.internal:6379/0"
    assert "state_url='redis://parley:***@state.internal:6379/0'" in repr(settings)


def test_a_url_password_from_the_environment_is_masked_yet_usable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_STATE_URL", "redis://:hunter2pw@redis:6379/0")
    settings = Settings()
    assert "hunter2pw" not in repr(settings) and "hunter2pw" not in str(settings.redacted())
    assert settings.redacted()["state_url"] == "redis://:***@redis:6379/0"
    assert settings.state_url == "redis://:hunter2pw@redis:6379/0"
