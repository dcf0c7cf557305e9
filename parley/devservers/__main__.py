"""`python -m parley.devservers ensure | kafka | redis`: install the local services, or run one in the foreground."""

from __future__ import annotations

import signal
import sys
import threading
import time
from types import FrameType

import click

from parley.devservers.kafka import KAFKA_VERSION, ensure_kafka
from parley.devservers.process import DevServerError


def _wait_for_interrupt() -> None:
    """Block until Ctrl-C or SIGTERM."""
    stopped = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    stopped.wait()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Local Kafka and Redis for Parley's tests and demos."""


@main.command()
@click.option("--kafka-version", default=KAFKA_VERSION, show_default=True, help="Kafka broker version.")
def ensure(kafka_version: str) -> None:
    """Install redis-server, Java and Maven (apt-get) when missing, and cache the Kafka jars (Maven)."""
    from parley.devservers.system import ensure_system_packages

    started = time.monotonic()
    try:
        packages = ensure_system_packages()
        if packages.installed:
            click.echo(f"apt-get installed: {', '.join(packages.installed)}")
        for program, path in packages.present.items():
            click.echo(f"{program}: {path}")
        distribution, downloaded = ensure_kafka(kafka_version)
    except DevServerError as error:
        raise click.ClickException(str(error)) from error
    jars = len(list(distribution.libs.glob("*.jar")))
    action = "downloaded with Maven" if downloaded else "cached"
    click.echo(f"kafka {distribution.version}: {jars} jars {action} in {distribution.libs}")
    click.echo(f"ensure took {time.monotonic() - started:.1f}s")


@main.command()
def kafka() -> None:
    """Run a single-node Kafka broker in the foreground until Ctrl-C."""
    from parley.devservers.kafka import KafkaBroker

    try:
        with KafkaBroker() as broker:
            click.echo(f"Kafka {broker.version} ready in {broker.startup_seconds:.1f}s")
            click.echo(f"PARLEY_KAFKA_URL=kafka://{broker.bootstrap}")
            click.echo(f"PARLEY_TEST_KAFKA={broker.bootstrap}")
            sys.stdout.flush()
            _wait_for_interrupt()
    except DevServerError as error:
        raise click.ClickException(str(error)) from error


@main.command()
def redis() -> None:
    """Run a redis-server (no persistence) in the foreground until Ctrl-C."""
    from parley.devservers.redis import RedisServer

    try:
        with RedisServer() as server:
            click.echo(f"redis-server ready in {server.startup_seconds:.2f}s")
            click.echo(f"PARLEY_STATE_URL={server.url}")
            click.echo(f"PARLEY_TEST_REDIS={server.url}")
            sys.stdout.flush()
            _wait_for_interrupt()
    except DevServerError as error:
        raise click.ClickException(str(error)) from error


if __name__ == "__main__":
    main()
