"""``parley topics create``: the input and output topics, with partitions and retention."""

from __future__ import annotations

import click

from orchestrator.outputs import ALL_TOPICS, DEAD_LETTERS, DECISIONS, topic_name
from parley.settings import Settings

DAY_MS = 86_400_000


@click.group()
def topics() -> None:
    """Manage Parley's Kafka topics."""


def topic_configs(settings: Settings) -> dict[str, dict[str, str]]:
    """Per-topic configuration: decisions kept for the audit retention, dead letters for 30 days."""
    configs: dict[str, dict[str, str]] = {name: {} for name in ALL_TOPICS}
    configs[DECISIONS] = {"retention.ms": str(settings.decisions_retention_days * DAY_MS)}
    configs[DEAD_LETTERS] = {"retention.ms": str(30 * DAY_MS)}
    return configs


@topics.command("create")
@click.option("--partitions", type=int, default=None, help="Partitions (default: PARLEY_TOPIC_PARTITIONS).")
def create(partitions: int | None) -> None:
    """Create every topic Parley reads and writes; existing topics are left as they are."""
    from kafka.admin import KafkaAdminClient, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    from consumers.runtime import bootstrap_servers

    settings = Settings()
    count = partitions or settings.topic_partitions
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers(settings), request_timeout_ms=15_000)
    try:
        existing = set(admin.list_topics())
        for base, config in topic_configs(settings).items():
            name = topic_name(base, settings.topic_prefix)
            if name in existing:
                click.echo(f"exists   {name}")
                continue
            try:
                admin.create_topics(
                    [
                        NewTopic(
                            name,
                            num_partitions=count,
                            replication_factor=settings.topic_replication,
                            topic_configs=config,
                        )
                    ]
                )
                click.echo(f"created  {name} ({count} partitions)")
            except TopicAlreadyExistsError:
                click.echo(f"exists   {name}")
    finally:
        admin.close()
