"""What ``parley replay`` makes of the lines of its input: a time outside the range a replay can plan in is
a dead letter, not a crash; a dead letter holds its line byte for byte and a sensible date; and a
capture that brings its own provider events is not mixed with outcomes the sandbox would invent."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.embedded.conftest import PLACED_AT, parse_outputs, placed, replay_lines, reply, stamp

Outputs = list[dict[str, Any]]

SIMULATED_FEEDBACK = ("message.delivered", "message.failed", "message.opened", "message.clicked", "call.completed")


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def _dead(outputs: Outputs) -> list[dict[str, Any]]:
    return [e for e in outputs if e["type"] == "dead_letter"]


def _original(dead_letter: dict[str, Any]) -> bytes:
    return base64.b64decode(dead_letter["data"]["original"])


def _of(outputs: Outputs, kind: str) -> list[dict[str, Any]]:
    return [e for e in outputs if e["type"] == kind]


# --- times a replay cannot plan in ----------------------------------------------------------------


@pytest.mark.parametrize("time", ["9999-12-31T23:00:00Z", "2100-01-01T00:00:00Z", "1969-12-31T23:59:59Z"])
def test_an_event_outside_the_replayable_range_is_a_dead_letter_and_the_rest_runs(time: str) -> None:
    strange = placed(7)
    strange["time"] = time
    outputs = parse_outputs(replay_lines([_line(placed(1)), _line(strange)], seed=1))
    (dead,) = _dead(outputs)
    assert _original(dead) == _line(strange)
    assert "1970-01-01" in dead["data"]["reason"] and "2100-01-01" in dead["data"]["reason"]
    assert dead["data"]["error_type"] == "TimeOutOfRange"
    assert dead["time"] == placed(1)["time"]  # dated at the run's start
    assert _of(outputs, "message.dispatched")  # the good debtor's cadence still ran
    assert all(e["subject"] != "b-007" for e in outputs if e["type"] != "dead_letter")


def test_an_event_just_inside_the_range_is_planned_and_sent_without_overflow() -> None:
    late = placed(1, at=datetime(2099, 11, 1, 6, tzinfo=UTC))
    outputs = parse_outputs(replay_lines([_line(late)], seed=1))
    assert _dead(outputs) == []
    assert _of(outputs, "message.scheduled") and _of(outputs, "message.dispatched")


# --- dead letters: the line verbatim, a sensible date ---------------------------------------------


def test_an_event_the_core_cannot_act_on_is_dead_lettered_with_its_line_verbatim() -> None:
    """A payment for a debtor never placed: its dead letter holds the input line byte for byte (no field
    added or reordered) and is about that debtor."""
    missed = (
        b'{"type":"payment.missed", "specversion":"1.0","id":"pm-1","source":"upstream/test", "subject":"d-unknown",'
        b'"time":"2026-03-04T10:00:00Z","data":{"account_id":"a-1","amount_due":"40.00","due_date":"2026-03-01"}}'
    )
    outputs = parse_outputs(replay_lines([_line(placed(1)), missed], seed=1))
    (dead,) = _dead(outputs)
    assert _original(dead) == missed
    assert dead["subject"] == "d-unknown"
    assert dead["data"]["error_type"] == "UnknownDebtor" and "d-unknown" in dead["data"]["reason"]
    assert dead["data"]["offset"] == 2  # the line it came from
    assert dead["time"] == "2026-03-04T10:00:00Z"


def test_an_unreadable_line_keeps_its_bytes_whitespace_and_all() -> None:
    line = b'  {"x": 1}\t '
    outputs = parse_outputs(replay_lines([_line(placed(1)), line], seed=1))
    (dead,) = _dead(outputs)
    assert _original(dead) == line and dead["data"]["offset"] == 2


def test_a_file_of_unreadable_lines_run_to_a_time_dates_its_dead_letters_then() -> None:
    until = datetime(2026, 3, 9, 12, tzinfo=UTC)
    outputs = parse_outputs(replay_lines([b'{"x": 1}', b"not json"], seed=1, until=until))
    assert [e["time"] for e in outputs] == ["2026-03-09T12:00:00Z"] * 2
    assert [_original(e) for e in outputs] == [b'{"x": 1}', b"not json"]


# --- simulated or captured provider feedback ------------------------------------------------------

SAID_AT = PLACED_AT + timedelta(days=1, hours=10)


def test_a_plain_event_file_still_gets_the_sandbox_s_simulated_outcomes() -> None:
    outputs = parse_outputs(replay_lines([_line(placed(n)) for n in range(3)], seed=1))
    assert any(e["type"] in SIMULATED_FEEDBACK for e in outputs)


def test_a_capture_with_provider_events_gets_no_invented_feedback() -> None:
    """The input brings its own replies, so the sandbox accepts every send and reports nothing: the only
    reply is the file's, and no delivery, failure or call outcome is made up."""
    lines = [_line(placed(n)) for n in range(3)] + [_line(reply(1, "I can pay $50 on Friday", SAID_AT))]
    outputs = parse_outputs(replay_lines(lines, seed=1))
    assert _of(outputs, "message.dispatched")
    assert [e for e in outputs if e["type"] in SIMULATED_FEEDBACK] == []
    (received,) = _of(outputs, "reply.received")
    assert received["subject"] == "b-001" and received["data"]["intent"] == "promise_to_pay"
    assert replay_lines(lines, seed=1) == replay_lines(lines, seed=1)


def test_simulation_can_be_forced_on_or_off() -> None:
    plain = [_line(placed(n)) for n in range(3)]
    quiet = parse_outputs(replay_lines(plain, seed=1, simulate=False))
    assert _of(quiet, "message.dispatched") and [e for e in quiet if e["type"] in SIMULATED_FEEDBACK] == []
    assert _of(quiet, "reply.received") == []

    captured = [*plain, _line(reply(1, "HELP", SAID_AT))]
    simulated = parse_outputs(replay_lines(captured, seed=1, simulate=True))
    assert any(e["type"] in SIMULATED_FEEDBACK for e in simulated)


def _status(send: dict[str, Any], provider_id: str, *, send_id: str | None) -> bytes:
    at = datetime.fromisoformat(send["time"].replace("Z", "+00:00")) + timedelta(seconds=20)
    data = {"channel": send["data"]["channel"], "provider_message_id": provider_id, "status": "delivered"}
    if send_id:
        data["send_id"] = send_id
    return _line({
        "specversion": "1.0", "id": f"st-{provider_id}", "source": "urn:parley:webhooks:twilio",
        "type": "provider.status", "subject": send["subject"], "time": stamp(at), "data": data,
    })  # fmt: skip


def test_a_captured_status_matches_a_replayed_send_by_its_send_id_not_by_a_real_provider_id() -> None:
    """Send ids are deterministic, so a capture's status that carries one finds the replayed send; a real
    provider's message id alone cannot name a sandbox send: that status is a dead letter saying so."""
    first = _of(parse_outputs(replay_lines([_line(placed(1))], seed=1, simulate=False)), "message.dispatched")[0]
    with_send_id = _status(first, "SMreal0001", send_id=first["data"]["send_id"])
    provider_id_only = _status(first, "SMreal0002", send_id=None)
    outputs = parse_outputs(replay_lines([_line(placed(1)), with_send_id, provider_id_only], seed=1))
    (delivered,) = _of(outputs, "message.delivered")
    assert delivered["data"]["send_id"] == first["data"]["send_id"]
    (dead,) = _dead(outputs)
    assert _original(dead) == provider_id_only
    assert "SMreal0002" in dead["data"]["reason"] and "sandbox" in dead["data"]["reason"]
