"""Embedded demo throughput: N debtors × D simulated days under the Parley policy, one process, one core.

Run: ``.venv/bin/python bench/bench_demo.py [--debtors 1000 10000] [--days 30] [--profile out.prof]``, or
``… --debtors 1000 --against REV [--rounds 3]`` to time git revision ``REV`` beside this tree, interleaved.
Prints, per size: wall time (portfolio, campaign, summary), inbound events/s, sends/s and Redis round trips
per event and per send (``runtime.connection.round_trips``). Target (BRIEF.md): 10,000 × 30 days ≤ 60 s.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from revisions import run_round, trees

from parley.cli.demo import DEFAULT_START
from parley.embedded.campaign import CampaignRun, run_campaign
from parley.embedded.portfolio import generate_portfolio
from parley.embedded.session import run_embedded


@dataclass
class DemoFigures:
    debtors: int
    days: int
    portfolio_s: float
    campaign_s: float
    cpu_s: float  # this process's CPU time (the embedded redis-server's is not counted)
    run: CampaignRun

    @property
    def total_s(self) -> float:
        return self.portfolio_s + self.campaign_s

    def lines(self) -> list[str]:
        run = self.run
        sends = sum(run.summary.contacts_by_channel.values())
        events = run.events_processed
        keys_bytes = sum(used for _, used in (run.memory_by_kind or {}).values())
        return [
            f"{self.debtors:,} debtors × {self.days} days: {self.total_s:.1f} s wall "
            f"(portfolio {self.portfolio_s:.1f} s, campaign with summary {self.campaign_s:.1f} s; "
            f"CPU {self.cpu_s:.1f} s)",
            f"  {events:,} inbound events ({events / self.campaign_s:,.0f}/s), {sends:,} sends "
            f"({sends / self.campaign_s:,.0f}/s), {run.sends_worked:,} scheduler ticks, "
            f"{run.outputs_written:,} outputs",
            f"  Redis round trips: {run.round_trips:,} total, {run.round_trips / max(events, 1):.2f} per inbound "
            f"event, {run.round_trips / max(sends, 1):.2f} per send",
            f"  Redis memory at the end: {run.redis_bytes / max(self.debtors, 1):,.0f} bytes per debtor "
            f"({run.redis_bytes / 1_048_576:.1f} MiB; virtual time, so no TTL ran out)",
            f"  by key kind (MEMORY USAGE, {keys_bytes / max(self.debtors, 1):,.0f} B/debtor in all): "
            + ", ".join(
                f"{kind} {used / max(self.debtors, 1):,.0f} B/debtor ({keys:,} keys)"
                for kind, (keys, used) in sorted((run.memory_by_kind or {}).items(), key=lambda kv: -kv[1][1])
            ),
        ]


async def measure(debtors: int, days: int, seed: int, out_dir: Path) -> DemoFigures:
    started, cpu_started = time.perf_counter(), time.process_time()
    portfolio = generate_portfolio(debtors, seed, DEFAULT_START, horizon_days=days)
    generated = time.perf_counter()
    run = await run_campaign(
        portfolio,
        seed=seed,
        start=DEFAULT_START,
        days=days,
        outputs_path=out_dir / f"outputs-{debtors}.jsonl",
        measure_memory=True,
    )
    finished = time.perf_counter()
    cpu = time.process_time() - cpu_started
    return DemoFigures(debtors, days, generated - started, finished - generated, cpu, run)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--debtors", type=int, nargs="+", default=[1_000, 10_000], help="Portfolio sizes to run.")
    parser.add_argument("--days", type=int, default=30, help="Simulated days.")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", type=Path, help="Write a cProfile of the (last) run here.")
    parser.add_argument("--against", metavar="REV", help="Time git revision REV too, rounds interleaved.")
    parser.add_argument("--rounds", type=int, default=3, help="With --against: rounds per tree (the best counts).")
    parser.add_argument("--one-round", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.against:
        for debtors in args.debtors:
            compare(args.against, debtors, args.days, args.seed, args.rounds)
        return
    with tempfile.TemporaryDirectory(prefix="parley-bench-demo-") as tmp:
        for debtors in args.debtors:
            if args.profile:
                profiler = cProfile.Profile()
                figures = profiler.runcall(run_embedded, measure(debtors, args.days, args.seed, Path(tmp)))
                profiler.dump_stats(args.profile)
            else:
                figures = run_embedded(measure(debtors, args.days, args.seed, Path(tmp)))
            if args.one_round:
                digest = hashlib.sha256((Path(tmp) / f"outputs-{debtors}.jsonl").read_bytes()).hexdigest()[:16]
                print(json.dumps({"wall": figures.total_s, "cpu": figures.cpu_s, "outputs": digest}))
            else:
                print("\n".join(figures.lines()), flush=True)


def compare(against: str, debtors: int, days: int, seed: int, rounds: int) -> None:
    """This tree and ``against``, ``rounds`` runs each, interleaved; the best wall time of each, the
    ratio, and whether both wrote the same outputs."""
    best: dict[str, dict[str, Any]] = {}
    args = ["--one-round", "--debtors", str(debtors), "--days", str(days), "--seed", str(seed)]
    with trees(against) as by_name:
        for _ in range(rounds):
            for name, tree in by_name.items():
                figures = run_round(tree, __file__, args)
                if name not in best or figures["wall"] < best[name]["wall"]:
                    best[name] = figures
    for name, figures in best.items():
        print(f"{name:>8}: {debtors:,} debtors × {days} days in {figures['wall']:.1f} s (CPU {figures['cpu']:.1f} s)")
    same = "the same outputs" if best["now"]["outputs"] == best[against]["outputs"] else "different outputs"
    print(f"speed-up against {against}: {best[against]['wall'] / best['now']['wall']:.2f}× (best of {rounds}; {same})")


if __name__ == "__main__":
    main()
