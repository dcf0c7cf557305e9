"""docker/compose.yaml, docker/Dockerfile and .dockerignore agree with the code they package.

Docker cannot run where Parley is developed, so these files are checked as text: every ``PARLEY_``
variable they set is a real setting (a misspelt one is silently ignored by the settings object), the
worker gets what it needs to receive e-mail replies and to brand its messages, Kafka's and Redis's data
outlive their containers, and the build context holds only what the image copies.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from parley.settings import ENV_PREFIX, Settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE = REPO / "docker" / "compose.yaml"
DOCKERFILE = REPO / "docker" / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
SETTING_VARIABLES = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
# Variables that are not Parley's, by service: the official apache/kafka image reads KAFKA_* (each maps to
# a broker property) and CLUSTER_ID (the KRaft cluster id it formats the log directory with).
FOREIGN_VARIABLES = {"kafka": re.compile(r"KAFKA_[A-Z0-9_]+|CLUSTER_ID")}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


def _environment(service: dict[str, Any]) -> dict[str, Any]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(entry.partition("=")[::2] for entry in environment)
    return dict(environment)


def _parley_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose["services"].items() if s.get("image", "").startswith("parley")}


def test_every_variable_a_service_is_given_is_a_setting_or_its_images_own(compose: dict[str, Any]) -> None:
    unknown = []
    for name, service in compose["services"].items():
        foreign = FOREIGN_VARIABLES.get(name)
        for variable in _environment(service):
            if variable not in SETTING_VARIABLES and not (foreign and foreign.fullmatch(variable)):
                unknown.append(f"{name}: {variable}")
    assert unknown == []


def test_every_variable_compose_interpolates_is_a_setting() -> None:
    text = "\n".join(
        line for line in COMPOSE.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
    )
    interpolated = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    assert interpolated and interpolated <= SETTING_VARIABLES, interpolated - SETTING_VARIABLES


def test_the_dockerfile_sets_only_real_settings() -> None:
    variables = set(re.findall(r"\b(PARLEY_[A-Z0-9_]+)=", DOCKERFILE.read_text(encoding="utf-8")))
    assert variables and variables <= SETTING_VARIABLES, variables - SETTING_VARIABLES


def test_the_workers_get_the_inbound_parse_secret_and_the_sender_and_branding_settings(
    compose: dict[str, Any],
) -> None:
    needed = {
        "PARLEY_SENDGRID_INBOUND_SECRET",  # without it every SendGrid Inbound Parse request is refused
        "PARLEY_SENDGRID_FROM_EMAIL",
        "PARLEY_PAYMENT_LINK_BASE_URL",
        "PARLEY_UNSUBSCRIBE_URL",
        "PARLEY_BUSINESS_NAME",
        "PARLEY_CALLBACK_NUMBER",
    }
    services = _parley_services(compose)
    assert {"worker", "topics"} <= set(services)
    for name, service in services.items():
        assert needed <= set(_environment(service)), (name, needed - set(_environment(service)))


def test_branding_left_unset_keeps_the_settings_defaults(compose: dict[str, Any]) -> None:
    # An empty string would override a default ("" as the business name): pass-through or a real value only.
    environment = _environment(compose["services"]["worker"])
    for variable in ("PARLEY_BUSINESS_NAME", "PARLEY_CALLBACK_NUMBER", "PARLEY_SENDGRID_FROM_EMAIL"):
        value = environment[variable]
        assert value is None or not re.fullmatch(r"\$\{\w+(:?-)?\}", str(value)), (variable, value)


@pytest.mark.parametrize(("service", "data_dir"), [("kafka", None), ("redis", "/data")])
def test_kafka_and_redis_keep_their_data_on_named_volumes(
    compose: dict[str, Any], service: str, data_dir: str | None
) -> None:
    config = compose["services"][service]
    data_dir = data_dir or str(_environment(config)["KAFKA_LOG_DIRS"])
    mounts = dict(reversed(str(volume).split(":")[:2]) for volume in config.get("volumes", []))
    assert data_dir in mounts, f"{service} keeps its data in {data_dir}, which is not on a volume"
    assert mounts[data_dir] in (compose.get("volumes") or {}), "the volume must be a declared named volume"


def _copied_sources() -> set[str]:
    sources: set[str] = set()
    for line in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(word.startswith("--from") for word in words):
            sources |= {word.rstrip("/") for word in words[1:-1] if not word.startswith("--")}
    return sources


def test_the_build_context_is_only_what_the_dockerfile_copies() -> None:
    patterns = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert patterns[0] == "*", "exclude everything first, then re-include what the image needs"
    included = {pattern[1:].rstrip("/") for pattern in patterns if pattern.startswith("!")}
    assert included == _copied_sources()
    assert not included & {".venv", "report", ".cache", ".git", "tests", "bench"}
