"""``parley replay``: run any event file through the embedded runner on a virtual clock."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import click

from orchestrator.codec import encode_output
from orchestrator.outputs import OutputEvent


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@click.command()
@click.argument("events", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--until", "until", help="Run the clock to this ISO time (default: 30 days after the last event).")
@click.option(
    "--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="Write outputs here (default: stdout)."
)
@click.option("--seed", default=0, show_default=True, help="Seed of the sandbox channels' simulated outcomes.")
def replay(events: Path, until: str | None, out: Path | None, seed: int) -> None:
    """Process EVENTS (CloudEvents, one JSON object per line) in time order; write every output event as JSONL.

    Runs on the embedded default: embedded Redis, sandbox channels, virtual clock, no network.
    The same input and seed give byte-identical output. A bad line becomes a dead letter.
    """
    from parley.embedded.session import read_events, run_embedded
    from parley.embedded.session import replay as run_replay

    parsed = read_events(events.read_bytes().splitlines())
    target: BinaryIO = out.open("wb") if out else sys.stdout.buffer

    def sink(event: OutputEvent) -> None:
        target.write(encode_output(event)[1] + b"\n")

    try:
        runner = run_embedded(run_replay(parsed, sink, seed=seed, until=_parse_time(until)))
    finally:
        if out:
            target.close()
        else:
            target.flush()
    click.echo(
        f"replayed {len(parsed.events)} events ({len(parsed.rejected)} rejected lines) → "
        f"{runner.events_processed} processed",
        err=True,
    )
