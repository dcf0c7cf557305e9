"""``parley demo``: simulate a collection campaign on the embedded default and report on it."""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

DEFAULT_START = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # a Monday morning in the US
MAX_DEBTORS = 100_000
MAX_DAYS = 3_650


@click.command()
@click.option(
    "--debtors",
    type=click.IntRange(min=1, max=MAX_DEBTORS),
    default=1_000,
    show_default=True,
    help="Debtors in the synthetic portfolio. At most 100,000: a run takes about 6 minutes per 10,000 debtors "
    "over 30 days (both campaigns), and the fictional 555 numbers of the busiest area codes run out not far "
    "above that.",
)
@click.option(
    "--days",
    type=click.IntRange(min=1, max=MAX_DAYS),
    default=30,
    show_default=True,
    help="Simulated days. At most 3,650 (ten years): a collection campaign's cadences end long before, "
    "and much longer periods run past the dates the calendar can hold.",
)
@click.option("--seed", default=7, show_default=True, help="Seed of the portfolio and every simulated outcome.")
@click.option(
    "--report",
    "report_dir",
    default="report",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for index.html and the outputs (created if missing; checked before the run starts).",
)
@click.option("--no-baseline", is_flag=True, help="Skip the naive-baseline comparison run.")
def demo(debtors: int, days: int, seed: int, report_dir: Path, no_baseline: bool) -> None:
    """Generate a portfolio, run the campaign (and a naive baseline), print a summary, write an HTML report.

    Everything runs in-process: embedded Redis, sandbox channels, a virtual clock — no Kafka, no network.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    from parley.embedded.campaign import run_campaign
    from parley.embedded.portfolio import generate_portfolio
    from parley.embedded.report import write_report
    from parley.embedded.session import run_embedded
    from parley.embedded.summary import print_summary

    ensure_writable_folder(report_dir)
    console = Console()
    started = time.perf_counter()
    portfolio = generate_portfolio(debtors, seed, DEFAULT_START, horizon_days=days)
    console.print(f"portfolio: {debtors:,} debtors, {len(portfolio.events):,} upstream events (seed {seed})")
    runs = [("parley", False)] + ([] if no_baseline else [("baseline", True)])
    results = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("day {task.completed:.0f}/{task.total:.0f}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        for name, naive in runs:
            task = progress.add_task(f"{name:>8} campaign", total=days)

            def advance(now: datetime, task: TaskID = task) -> None:
                progress.update(task, completed=min(days, (now - DEFAULT_START) / timedelta(days=1)))

            results[name] = run_embedded(
                run_campaign(
                    portfolio,
                    seed=seed,
                    start=DEFAULT_START,
                    days=days,
                    outputs_path=report_dir / f"{name}-outputs.jsonl",
                    naive_policy=naive,
                    progress=advance,
                )
            )
            progress.update(task, completed=days)
    parley_run = results["parley"]
    baseline = results["baseline"].summary if "baseline" in results else None
    print_summary(parley_run.summary, console, baseline)
    index = write_report(report_dir, parley_run.summary, baseline, parley_run.outputs_path)
    console.print(f"report: {index}  (outputs: {parley_run.outputs_path})")
    console.print(f"done in {time.perf_counter() - started:.1f} s")


def ensure_writable_folder(folder: Path) -> None:
    """Create ``folder`` and write a scratch file in it, so a report that cannot be written is a usage
    error before the run rather than a traceback after it (a permission check alone misleads root)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        message = f"cannot write the report folder {str(folder)!r}: {reason}."
        raise click.BadParameter(message, param_hint="'--report'") from error
