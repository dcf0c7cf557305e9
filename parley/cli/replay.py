"""``parley replay``: run any event file through the embedded runner on a virtual clock."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import click

from orchestrator.codec import encode_output
from orchestrator.outputs import OutputEvent
from parley.cli.options import ISO_TIME

if TYPE_CHECKING:
    from parley.embedded.runner import EmbeddedRunner

DAY = timedelta(days=1)
PROGRESS_STEPS = 1_000  # the bar moves at most this many times: updates cost nothing next to the replay


def _ms(moment: datetime) -> int:
    """The runner's resolution: it runs events up to ``until`` compared in milliseconds."""
    return int(moment.timestamp() * 1000)


def _replayable(ctx: click.Context, param: click.Parameter, until: datetime | None) -> datetime | None:
    """``--until`` within the times a replay can plan in (a usage error otherwise, not an overflow later)."""
    if until is None:
        return None
    from parley.embedded.session import outside_replay_range

    problem = outside_replay_range(until)
    if problem is not None:
        raise click.BadParameter(problem, ctx=ctx, param=param)
    return until


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):  # replaced or closed stderr
        return False


def _open_out(out: Path) -> BinaryIO:
    """``--out``, with its missing parent folders created (as ``demo --report`` does)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return out.open("wb")
    except OSError as error:
        where = f" ({error.filename})" if error.filename and str(error.filename) != str(out) else ""
        raise click.ClickException(f"cannot write --out {out}: {error.strerror or error}{where}") from error


@contextmanager
def _virtual_time_progress(start: datetime, end: datetime, enabled: bool) -> Iterator[Callable[[datetime], None]]:
    """A progress bar on stderr over the replay's virtual days; a no-op when ``enabled`` is false.

    Outputs carry their virtual time, so the bar follows them; stdout and ``--out`` never see it."""
    if not enabled:
        yield lambda _now: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    total = max((end - start) / DAY, 1 / 24)
    step = total / PROGRESS_STEPS
    shown = [0.0]
    with Progress(
        TextColumn("replay"),
        BarColumn(),
        TextColumn("day {task.completed:.1f}/{task.total:.1f}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
    ) as progress:
        task = progress.add_task("replay", total=total)

        def advance(now: datetime) -> None:
            done = min(total, max(0.0, (now - start) / DAY))
            if done - shown[0] >= step:
                shown[0] = done
                progress.update(task, completed=done)

        yield advance
        progress.update(task, completed=total)


@click.command()
@click.argument("events", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--until",
    "until",
    type=ISO_TIME,
    callback=_replayable,
    help="Run the clock to this ISO 8601 time; without an offset it is UTC (default: 30 days after the last "
    "event). Events after it are not processed; stderr says how many. From 1970-01-01 to before 2100-01-01.",
)
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write outputs here, creating missing folders (default: stdout).",
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    help="Seed of the sandbox channels' simulated outcomes and of the message ids they give.",
)
@click.option(
    "--simulate/--no-simulate",
    default=None,
    help="Whether the sandbox channels invent what providers report: deliveries, failures, call outcomes and "
    "debtor replies (an invented STOP opts a debtor out). Default: only when EVENTS holds no provider.status "
    "or provider.inbound event. Without simulation every send is accepted and only the file's provider events "
    "give feedback: a provider.inbound finds its debtor by the sender's number; a provider.status finds its "
    "send by subject and send_id, as a real provider's message id cannot name a sandbox send (such a status "
    "becomes a dead letter saying so).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary on stderr (warnings still show).")
def replay(
    events: Path, until: datetime | None, out: Path | None, seed: int, simulate: bool | None, quiet: bool
) -> None:
    """Process EVENTS (CloudEvents, one JSON object per line) in time order; write every output event as JSONL.

    Runs on the embedded default: embedded Redis, sandbox channels, virtual clock, no network.
    The same input and seed give byte-identical output. An event met again (same subject, source and id) adds
    nothing. A progress bar shows on stderr when stderr is a terminal (not with --quiet).

    A bad line becomes a dead letter holding the line verbatim: a line that is no event, or whose time is
    outside 1970-01-01 to before 2100-01-01 (the times a replay can plan in), is dated at the run's start (the
    first event's time; with no readable event, --until; with neither, 1970-01-01); an event the core cannot
    act on (an unknown debtor, a status of no known send) is dated at its own time.
    """
    from parley.embedded.session import read_events, replay_window, run_embedded
    from parley.embedded.session import replay as run_replay

    parsed = read_events(events.read_bytes().splitlines())
    if simulate is None:
        simulate = not parsed.has_provider_events
    start, end = replay_window(parsed, until)
    beyond = [event.time.astimezone(UTC) for event in parsed.events if _ms(event.time) > _ms(end)]

    target: BinaryIO = _open_out(out) if out else sys.stdout.buffer
    try:
        with _virtual_time_progress(start, end, enabled=not quiet and _stderr_is_terminal()) as advance:

            def sink(event: OutputEvent) -> None:
                target.write(encode_output(event)[1] + b"\n")
                advance(event.time)

            runner = run_embedded(run_replay(parsed, sink, seed=seed, until=until, simulate=simulate))
    finally:
        if out:
            target.close()
        else:
            target.flush()
    if beyond:
        click.echo(
            f"warning: {len(beyond)} of {len(parsed.events)} events are after --until {end.isoformat()} and were not "
            f"processed (the last at {max(beyond).isoformat()})",
            err=True,
        )
    if not quiet:
        click.echo(_summary(len(parsed.events) - len(beyond), len(parsed.rejected), runner, simulate), err=True)


def _summary(replayed: int, rejected: int, runner: EmbeddedRunner, simulate: bool) -> str:
    """The stderr summary of a replay: what was read, what was processed, whether outcomes were invented."""
    skipped = runner.duplicates_skipped
    duplicates = f", {skipped} duplicate{'' if skipped == 1 else 's'} skipped" if skipped else ""
    feedback = "" if simulate else "; no simulated provider outcomes (only the input's provider events)"
    return (
        f"replayed {replayed} events ({rejected} rejected lines) → {runner.events_processed} processed"
        f"{duplicates}{feedback}"
    )
