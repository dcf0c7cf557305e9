"""``parley replay`` over a file holding records that used to crash it: each is a dead letter with its
reason, the good debtor's cadence still runs, and the exit code is 0."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from parley.cli.replay import replay
from tests.integration.embedded.conftest import placed


def _bad_lines() -> list[bytes]:
    pipe = placed(2)
    pipe["subject"] = pipe["data"]["debtor"]["id"] = "b|002"
    empty_email = placed(3)
    empty_email["data"]["debtor"]["emails"] = [{"address": ""}]
    surrogate_subject = placed(4)
    surrogate_subject["subject"] = surrogate_subject["data"]["debtor"]["id"] = "b-\ud800"
    inbound: dict[str, Any] = {
        "specversion": "1.0", "id": "in-1", "source": "urn:parley:webhooks:twilio", "type": "provider.inbound",
        "time": placed(1)["time"], "datacontenttype": "application/json",
        "data": {"channel": "sms", "from": "+12125551001", "to": "+18005550100", "text": "pay \ud800 soon"},
    }  # fmt: skip
    many_phones = placed(5)
    many_phones["data"]["debtor"]["phones"] = [{"number": f"+1512555{i:04d}"} for i in range(200)]
    return [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"specversion":"1.0","id":' + b"9" * 5000 + b"}",
        *(json.dumps(event).encode() for event in (pipe, empty_email, surrogate_subject, inbound, many_phones)),
    ]


def test_a_file_of_records_that_used_to_crash_replay_gives_dead_letters_and_exit_code_0(tmp_path: Path) -> None:
    bad = _bad_lines()
    events = tmp_path / "events.jsonl"
    events.write_bytes(b"\n".join([json.dumps(placed(1)).encode(), *bad]) + b"\n")
    out = tmp_path / "outputs.jsonl"
    result = CliRunner().invoke(replay, [str(events), "--out", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    outputs = [json.loads(line) for line in out.read_bytes().splitlines()]
    dead = [e for e in outputs if e["type"] == "dead_letter"]
    assert sorted(base64.b64decode(e["data"]["original"]) for e in dead) == sorted(bad)
    assert all(e["data"]["reason"] for e in dead)
    assert any(e["type"] == "message.dispatched" and e["subject"] == "b-001" for e in outputs)
