"""`parley replay` on the embedded default: same input and seed give byte-identical output; a bad line
is a dead letter; ``message.dispatched`` says when, to whom, through what and with which template."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from parley.cli.demo import DEFAULT_START
from parley.cli.replay import replay
from parley.embedded.portfolio import generate_portfolio
from tests.integration.embedded.conftest import parse_outputs


@pytest.fixture(scope="module")
def portfolio_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    portfolio = generate_portfolio(50, seed=3, start=DEFAULT_START, horizon_days=30)
    return portfolio.write_jsonl(tmp_path_factory.mktemp("replay") / "portfolio.jsonl")


def _replay_cli(events: Path, out: Path, seed: int) -> bytes:
    result = CliRunner().invoke(replay, [str(events), "--out", str(out), "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


@pytest.fixture(scope="module")
def seeded_runs(portfolio_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("replay-out")
    return {
        "first": _replay_cli(portfolio_file, folder / "first.jsonl", seed=11),
        "again": _replay_cli(portfolio_file, folder / "again.jsonl", seed=11),
        "other_seed": _replay_cli(portfolio_file, folder / "other.jsonl", seed=12),
    }


def test_the_same_input_and_seed_replay_to_byte_identical_output(seeded_runs: dict[str, bytes]) -> None:
    assert len(seeded_runs["first"].splitlines()) > 500
    assert seeded_runs["first"] == seeded_runs["again"]


def test_another_seed_gives_other_simulated_outcomes(seeded_runs: dict[str, bytes]) -> None:
    assert seeded_runs["first"] != seeded_runs["other_seed"]


def test_dispatched_events_carry_the_dispatch_moment_the_debtor_and_what_was_sent(
    seeded_runs: dict[str, bytes], portfolio_file: Path
) -> None:
    outputs = parse_outputs(seeded_runs["first"])
    placed = {
        event["subject"]: event["data"]
        for event in map(json.loads, portfolio_file.read_text().splitlines())
        if event["type"] == "account.placed"
    }
    decisions = {(e["data"]["send_id"], e["time"]) for e in outputs if e["type"] == "decision.recorded"}
    dispatched = [e for e in outputs if e["type"] == "message.dispatched"]
    assert len(dispatched) > 100
    for event in dispatched:
        data = event["data"]
        assert event["subject"] == data["debtor_id"] and event["subject"] in placed
        assert data["channel"] in ("sms", "email", "voice")
        assert data["template_id"] and data["template_version"] and data["account_ids"]
        debtor = placed[event["subject"]]["debtor"]
        known = {phone["number"] for phone in debtor["phones"]} | {email["address"] for email in debtor["emails"]}
        assert data["to"] in known
        # The dispatch moment: the allowing decision was taken at that same instant.
        assert (data["send_id"], event["time"]) in decisions
    times = [datetime.fromisoformat(e["time"].replace("Z", "+00:00")) for e in dispatched]
    assert times == sorted(times)  # virtual time only moves forward


def test_a_bad_line_becomes_a_dead_letter_and_the_rest_still_runs(portfolio_file: Path, tmp_path: Path) -> None:
    lines = portfolio_file.read_bytes().splitlines()
    broken = b'{"specversion": "1.0", "type": "account.placed", "id": "x-1"'  # cut off mid-object
    unknown = json.dumps(
        {"specversion": "1.0", "id": "x-2", "source": "t", "type": "account.teleported", "subject": "d-1",
         "time": "2026-03-02T15:00:00Z", "data": {}}
    ).encode()  # fmt: skip
    events = tmp_path / "with-bad-lines.jsonl"
    events.write_bytes(b"\n".join([lines[0], broken, unknown, *lines[1:5]]) + b"\n")
    outputs = parse_outputs(_replay_cli(events, tmp_path / "out.jsonl", seed=1))
    dead = [e for e in outputs if e["type"] == "dead_letter"]
    assert len(dead) == 2
    raw_values = {base64.b64decode(e["data"]["original"]) for e in dead}
    assert raw_values == {broken, unknown}
    assert all(e["data"]["reason"] for e in dead)
    assert any(e["type"] == "message.dispatched" for e in outputs)
