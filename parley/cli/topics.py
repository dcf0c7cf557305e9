"""``parley topics create``: the input and output topics, with partitions and retention.

Idempotent: a missing topic is created; an existing one gets the configuration Parley needs (the
audit retention on ``decisions``) set where it falls short (a longer retention is kept), and its
partition count checked. Partitions
are never removed (Kafka cannot) and added only with ``--grow-partitions``: every topic is keyed by
debtor id, so more partitions re-map debtors to partitions while workers may hold their events.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import click

from orchestrator.outputs import ALL_TOPICS, DEAD_LETTERS, DECISIONS, topic_name
from parley.settings import Settings

if TYPE_CHECKING:
    from kafka.admin import KafkaAdminClient

DAY_MS = 86_400_000
BOOTSTRAP_TIMEOUT_MS = 5_000  # an operator waiting on a broker that is not there wants to know soon
REQUEST_TIMEOUT_MS = 15_000
RETENTION_KEYS = frozenset({"retention.ms", "retention.bytes"})


@click.group()
def topics() -> None:
    """Manage Parley's Kafka topics."""


def topic_configs(settings: Settings) -> dict[str, dict[str, str]]:
    """Per-topic configuration: decisions kept for the audit retention, dead letters for 30 days."""
    configs: dict[str, dict[str, str]] = {name: {} for name in ALL_TOPICS}
    configs[DECISIONS] = {"retention.ms": str(settings.decisions_retention_days * DAY_MS)}
    configs[DEAD_LETTERS] = {"retention.ms": str(30 * DAY_MS)}
    return configs


@dataclass
class TopicReport:
    """What ``topics create`` did to one topic, and what it left for the operator."""

    name: str
    created: bool = False
    changes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _shown(key: str, value: str | None) -> str:
    if value is None:
        return "(not set)"
    if key == "retention.ms" and value.lstrip("-").isdigit():
        ms = int(value)
        return f"{value} (forever)" if ms < 0 else f"{value} ({ms / DAY_MS:g} days)"
    return value


def _partitions(count: int) -> str:
    return f"{count} partition" if count == 1 else f"{count} partitions"


def _enough(key: str, have: str | None, want: str) -> bool:
    """Whether a topic's value already does what Parley needs. A retention is a minimum: a longer one, or
    none (-1), is the operator's choice and kept; shortening an audit topic would delete its records."""
    if have == want:
        return True
    if key in RETENTION_KEYS and have is not None and have.lstrip("-").isdigit() and want.lstrip("-").isdigit():
        return int(have) < 0 or (int(want) >= 0 and int(have) >= int(want))
    return False


@contextmanager
def _admin(settings: Settings) -> Iterator[KafkaAdminClient]:
    """An admin client on PARLEY_KAFKA_URL; an unreachable broker or a refusal is a one-line error, exit 1."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import KafkaError

    from consumers.runtime import bootstrap_servers

    servers = bootstrap_servers(settings)
    options: dict[str, Any] = {"bootstrap_servers": servers, "request_timeout_ms": REQUEST_TIMEOUT_MS}
    if "bootstrap_timeout_ms" in KafkaAdminClient.DEFAULT_CONFIG:  # kafka-python >= 3
        options["bootstrap_timeout_ms"] = BOOTSTRAP_TIMEOUT_MS
    try:
        admin = KafkaAdminClient(**options)
    except (KafkaError, OSError) as error:
        raise click.ClickException(
            f"no Kafka broker answered at {';'.join(servers)} (PARLEY_KAFKA_URL) within "
            f"{BOOTSTRAP_TIMEOUT_MS / 1000:g} s: {error}"
        ) from error
    try:
        yield admin
    except KafkaError as error:
        raise click.ClickException(f"Kafka at {';'.join(servers)} refused: {error}") from error
    finally:
        admin.close()


def _create(
    admin: KafkaAdminClient, report: TopicReport, partitions: int, replication: int, config: dict[str, str]
) -> bool:
    """Create the topic; False when another client created it first."""
    from kafka.admin import NewTopic
    from kafka.errors import TopicAlreadyExistsError

    try:
        admin.create_topics([NewTopic(report.name, partitions, replication, topic_configs=config)])
    except TopicAlreadyExistsError:
        return False
    report.created = True
    settings = ", ".join(f"{key}={_shown(key, value)}" for key, value in sorted(config.items()))
    report.changes.append(_partitions(partitions) + (f", {settings}" if settings else ""))
    return True


def _reconcile(
    admin: KafkaAdminClient, report: TopicReport, partitions: int, grow: bool, config: dict[str, str]
) -> None:
    """Bring an existing topic's configuration to ``config``; check (and with ``grow``, raise) its partitions."""
    from kafka.admin import ConfigResource, ConfigResourceType
    from kafka.errors import for_code

    described = admin.describe_topics([report.name])[0]
    if described["error_code"]:
        raise click.ClickException(f"cannot describe topic {report.name}: {for_code(described['error_code'])()}")
    have = len(described["partitions"])
    if have < partitions and grow:
        admin.create_partitions({report.name: partitions})
        report.changes.append(f"partitions {have} → {partitions}")
    elif have < partitions:
        report.warnings.append(
            f"{report.name} has {_partitions(have)}, {partitions} wanted (--partitions or PARLEY_TOPIC_PARTITIONS); "
            "left as is. Its keys are debtor ids: more partitions move debtors to other partitions, so stop every "
            "worker, then run `parley topics create --grow-partitions`."
        )
    elif have > partitions:
        report.warnings.append(
            f"{report.name} has {_partitions(have)}, more than the {partitions} wanted; left as is "
            "(Kafka cannot remove partitions)."
        )
    if not config:
        return
    resource = ConfigResource(ConfigResourceType.TOPIC, report.name, configs=dict.fromkeys(config))
    current = admin.describe_configs([resource], config_filter="all")["topic"][report.name]
    have_values = {key: (current.get(key) or {}).get("value") for key in config}
    differing = {key: value for key, value in config.items() if not _enough(key, have_values[key], value)}
    report.notes.extend(
        f"keeps {key}={_shown(key, have_values[key])}, longer than the {_shown(key, value)} Parley needs"
        for key, value in sorted(config.items())
        if key not in differing and have_values[key] != value
    )
    if not differing:
        return
    # kafka-python sends IncrementalAlterConfigs when the broker has it (only these keys change); on an older
    # broker it sends AlterConfigs with the topic's other modified keys merged in, so none is reset.
    result = admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, report.name, configs=differing)])
    outcome = result.get("topic", {}).get(report.name)
    if outcome != "OK":
        raise click.ClickException(f"cannot configure topic {report.name}: {outcome}")
    for key, value in sorted(differing.items()):
        report.changes.append(f"{key} {_shown(key, have_values[key])} → {_shown(key, value)}")


@topics.command("create")
@click.option(
    "--partitions",
    type=click.IntRange(min=1),
    default=None,
    help="Partitions of each topic (default: PARLEY_TOPIC_PARTITIONS).",
)
@click.option(
    "--grow-partitions",
    is_flag=True,
    help="Add partitions to existing topics that have fewer than wanted. Stop every worker first: "
    "topics are keyed by debtor id, and more partitions move debtors to other partitions.",
)
def create(partitions: int | None, grow_partitions: bool) -> None:
    """Create every topic Parley reads and writes, or bring the existing ones up to date.

    A missing topic is created with the partitions and configuration Parley needs (the audit retention
    on decisions: PARLEY_DECISIONS_RETENTION_DAYS; 30 days on dead-letters). On an existing topic, a
    value that falls short is set (other settings are kept) and printed with its old value; a retention
    is a minimum, so a longer one (or none) is kept. A partition count that differs is a warning on
    stderr and left as is: Kafka cannot remove partitions, and adding them moves debtors to other
    partitions, so that takes --grow-partitions. Running it again changes nothing.
    Exit status 1 when no broker answers within 5 s or the broker refuses a change.
    """
    settings = Settings()
    count = partitions if partitions is not None else settings.topic_partitions
    reports: list[TopicReport] = []
    with _admin(settings) as admin:
        existing = set(admin.list_topics())
        for base, config in topic_configs(settings).items():
            report = TopicReport(topic_name(base, settings.topic_prefix))
            reports.append(report)
            if report.name in existing or not _create(admin, report, count, settings.topic_replication, config):
                _reconcile(admin, report, count, grow_partitions, config)
            verb = "created" if report.created else "updated" if report.changes else "exists"
            details = "; ".join(report.changes + report.notes)
            click.echo(f"{verb:<8} {report.name}" + (f": {details}" if details else ""))
            for warning in report.warnings:
                click.echo(f"warning: {warning}", err=True)
    new = sum(report.created for report in reports)
    updated = sum(bool(report.changes) and not report.created for report in reports)
    differ = sum(bool(report.warnings) for report in reports)
    mismatch = f"; {differ} with another partition count (see the warnings)" if differ else ""
    if new or updated:
        click.echo(f"{new} new, {updated} updated, {len(reports) - new - updated} unchanged{mismatch}")
    else:
        click.echo(f"nothing changed: all {len(reports)} topics exist with the configuration Parley sets{mismatch}")
