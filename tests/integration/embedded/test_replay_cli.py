"""``parley replay`` as an operator runs it: ``--out`` into folders that do not exist yet, events after
``--until`` counted on stderr, and a progress bar on a terminal's stderr that leaves stdout byte-identical."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from parley.cli.demo import DEFAULT_START
from parley.cli.replay import replay
from parley.embedded.portfolio import generate_portfolio

UNTIL = "2026-03-05T00:00:00Z"  # the portfolio's events run from 2026-03-02 to 2026-03-10


@pytest.fixture(scope="module")
def events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    portfolio = generate_portfolio(12, seed=3, start=DEFAULT_START, horizon_days=8)
    return portfolio.write_jsonl(tmp_path_factory.mktemp("replay-cli") / "events.jsonl")


def _times(events: Path) -> list[str]:
    return [json.loads(line)["time"] for line in events.read_text().splitlines()]


def test_out_into_folders_that_do_not_exist_yet_creates_them(events: Path, tmp_path: Path) -> None:
    out = tmp_path / "runs" / "today" / "outputs.jsonl"
    result = CliRunner().invoke(replay, [str(events), "--out", str(out), "--until", UNTIL])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().count(b"\n") > 10


def test_out_below_a_file_is_a_clear_error(events: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = CliRunner().invoke(replay, [str(events), "--out", str(blocker / "outputs.jsonl")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert f"cannot write --out {blocker / 'outputs.jsonl'}" in result.output


def test_events_after_until_are_counted_on_stderr_and_stay_out_of_the_outputs(events: Path) -> None:
    later = [t for t in _times(events) if t > UNTIL]
    assert later and len(later) < len(_times(events))
    result = CliRunner().invoke(replay, [str(events), "--until", UNTIL])
    assert result.exit_code == 0, result.output
    assert f"warning: {len(later)} of {len(_times(events))} events are after --until" in result.stderr
    assert b"warning" not in result.stdout_bytes
    assert f"replayed {len(_times(events)) - len(later)} events" in result.stderr

    everything = CliRunner().invoke(replay, [str(events)])
    assert everything.exit_code == 0 and "warning" not in everything.stderr


def _replay_process(events: Path, *options: str, terminal: bool) -> tuple[bytes, bytes]:
    """Run ``parley replay`` in a child process; stderr on a pseudo-terminal when ``terminal``.
    Returns (stdout, stderr)."""
    command = [sys.executable, "-c", "from parley.cli import main; main()", "replay", str(events), *options]
    env = dict(os.environ, TERM="xterm", COLUMNS="100")
    with tempfile.TemporaryFile() as stdout:
        if not terminal:
            done = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, env=env, timeout=120, check=True)
            stdout.seek(0)
            return stdout.read(), done.stderr
        leader, follower = pty.openpty()
        child = subprocess.Popen(command, stdout=stdout, stderr=follower, env=env)
        os.close(follower)
        stderr = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            stderr += chunk
        os.close(leader)
        assert child.wait(timeout=120) == 0, stderr
        stdout.seek(0)
        return stdout.read(), stderr


def test_a_terminal_gets_a_progress_bar_on_stderr_and_stdout_stays_byte_identical(events: Path) -> None:
    piped_out, piped_err = _replay_process(events, terminal=False)
    bar_out, bar_err = _replay_process(events, terminal=True)
    quiet_out, quiet_err = _replay_process(events, "--quiet", terminal=True)

    assert piped_out.count(b"\n") > 100
    assert bar_out == piped_out == quiet_out
    assert b"replay" in bar_err and b"day " in bar_err and "━".encode() in bar_err  # the bar, on the terminal
    assert b"day " not in piped_err and b"\x1b[" not in piped_err  # no bar when stderr is not a terminal
    assert piped_err.startswith(b"replayed ")
    assert quiet_err == b""  # --quiet: neither the bar nor the summary


def test_no_simulate_leaves_every_delivery_and_reply_to_the_input(events: Path) -> None:
    simulated = CliRunner().invoke(replay, [str(events), "--until", UNTIL, "--quiet"])
    assert simulated.exit_code == 0, simulated.output
    assert b'"type":"message.delivered"' in simulated.stdout_bytes

    quiet = CliRunner().invoke(replay, [str(events), "--until", UNTIL, "--quiet", "--no-simulate"])
    assert quiet.exit_code == 0, quiet.output
    assert b'"type":"message.dispatched"' in quiet.stdout_bytes
    assert b'"type":"message.delivered"' not in quiet.stdout_bytes
    assert b'"type":"reply.received"' not in quiet.stdout_bytes
