"""`make bench` / `python -m bench`: every benchmark once, quickly, each in its own process.

Run one on its own (with its options) for real figures, e.g. ``.venv/bin/python bench/bench_demo.py --debtors 10000``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
QUICK_RUNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("bench_render.py", ("--seconds", "2")),
    ("bench_compliance.py", ("--rounds", "3")),
    ("bench_codec.py", ("--count", "2000", "--rounds", "3")),
    ("bench_store.py", ("--events", "2000")),
    ("bench_intake.py", ("--events", "2000", "--rounds", "1")),
    ("bench_demo.py", ("--debtors", "1000")),
    ("bench_worker.py", ()),  # the streaming worker's bench, when present
    ("bench_transport.py", ("--events", "10000")),  # faust's own ceiling, for scale
)


def main() -> int:
    failed = []
    for script, args in QUICK_RUNS:
        path = HERE / script
        if not path.exists():
            continue
        print(f"== {script} {' '.join(args)}", flush=True)
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(path), *args], cwd=HERE.parent, check=False)
        print(f"   ({time.perf_counter() - started:.0f} s, exit {result.returncode})", flush=True)
        if result.returncode != 0:
            failed.append(script)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
