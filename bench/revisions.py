"""A benchmark against another git revision, in the same run: the revision is checked out in a throw-away
worktree, and each round runs in a process of its own on one tree or the other (this script, that tree's
packages first on the path), rounds interleaved so that a machine busier for a while slows both alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def trees(against: str | None) -> Iterator[dict[str, Path]]:
    """``{"now": this tree}``, plus ``{against: a worktree of that revision}`` while the block runs."""
    if against is None:
        yield {"now": ROOT}
        return
    with tempfile.TemporaryDirectory(prefix="bench_revision_") as scratch:
        base = Path(scratch) / "tree"
        subprocess.run(["git", "worktree", "add", "-q", "--detach", str(base), against], cwd=ROOT, check=True)
        try:
            yield {"now": ROOT, against: base}
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=ROOT, check=False)


def run_round(tree: Path, script: str, args: list[str]) -> dict[str, float]:
    """Run ``script`` (a file of this tree) on ``tree``'s packages; its last output line is a JSON object."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, script, *args], cwd=tree, env=env, check=True, capture_output=True, text=True
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))
