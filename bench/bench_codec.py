"""Per-event encoding costs: ids, output events, the debtor record and the replay blob, in µs per operation.

    .venv/bin/python bench/bench_codec.py [--count 5000] [--rounds 5]
    PYTHONPATH=/tmp/old .venv/bin/python bench/bench_codec.py  # against a copy: /tmp/old/orchestrator/

Prints one line per operation (µs each, the best round: others share the machine) and a digest of every
output it produced, so two runs can be checked to produce the same ids and bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import orchestrator
from orchestrator.codec import decode_output, encode_output
from orchestrator.compliance.context import Verdict
from orchestrator.compliance.engine import Decision
from orchestrator.domain import (
    AccountState,
    Attempt,
    DebtorState,
    Hold,
    Promise,
    ResponseStat,
    from_json_bytes,
    to_json_bytes,
)
from orchestrator.events import DebtorProfile
from orchestrator.ids import fingerprint, output_event_id, send_id
from orchestrator.outputs import MessageScheduled, MessageSuppressed, new_output
from orchestrator.recent import Recent
from orchestrator.service import record as record_module
from orchestrator.service.audit import decision_output, rule_reasons
from orchestrator.service.record import DebtorRecord
from orchestrator.service.replay import decode_replay, encode_replay
from orchestrator.storage import ScheduledSend, SendRef

T0 = datetime(2026, 3, 16, 14, tzinfo=UTC)
PHONE = "+12085550100"
DIGEST = hashlib.sha256()


def scheduled(i: int) -> bytes:
    sid = send_id(f"evt-{i}", "day-3-sms")
    data = MessageScheduled(
        send_id=sid,
        debtor_id="d-000042",
        account_ids=("a-1", "a-2"),
        channel="sms",
        template_id="reminder_sms",
        purpose="reminder",
        due_at=T0 + timedelta(days=3),
        cause_event_id=f"evt-{i}",
        step_id="day-3-sms",
    )
    return encode_output(new_output(data, subject="d-000042", time=T0, id_parts=(sid,)))[1]


def a_decision() -> Decision:
    """20 verdicts, as the core rules and two state packs give; two block."""
    verdicts = tuple(
        Verdict(
            f"rule_{n}",
            n not in (3, 11),
            f"rule {n} says so, in words a compliance officer can read",
            T0 + timedelta(hours=n) if n in (3, 11) else None,
        )
        for n in range(20)
    )
    return Decision("d-000042", None, T0, False, verdicts, T0 + timedelta(hours=11), None)  # type: ignore[arg-type]


def decided(decision: Decision, i: int) -> bytes:
    ref = SendRef("d-000042", f"snd_{i:026d}")
    output = new_output(
        decision_output(ref, "sms", T0, decision), subject=ref.debtor_id, time=T0, id_parts=(ref.send_id, str(i))
    )
    return encode_output(output)[1]


def suppressed(decision: Decision, i: int) -> bytes:
    data = MessageSuppressed(
        send_id=f"snd_{i:026d}", debtor_id="d-000042", account_ids=("a-1",), channel="sms", rules=rule_reasons(decision)
    )
    return encode_output(new_output(data, subject="d-000042", time=T0, id_parts=(data.send_id,)))[1]


def a_record() -> DebtorRecord:
    profile = DebtorProfile.model_validate(
        {
            "id": "d-000042",
            "name": {"first": "Ana", "last": "Ruiz"},
            "language": "es",
            "address": {"line1": "12 Elm St", "city": "Boise", "state": "ID", "postal_code": "83702"},
            "phones": [{"number": PHONE, "sms_consent": True, "call_consent": True}],
            "emails": [{"address": "ana.ruiz@example.com", "consent": True}],
        }
    )
    state = DebtorState(
        profile=profile,
        accounts=(
            AccountState("a-1", "Acme", Decimal("1234.56"), "open", Promise(Decimal("50.00"), date(2026, 3, 20)), T0),
            AccountState("a-2", "Beta", Decimal("310.00"), "open", None, T0),
            AccountState("a-3", "Gamma", Decimal("0"), "paid"),
        ),
        holds=(Hold("a-3", "dispute", T0),),
        ledger=tuple(
            Attempt(
                send_id(f"evt-{i}", "step"),
                "sms" if i % 2 else "email",
                PHONE if i % 2 else "ana.ruiz@example.com",
                ("a-1", "a-2"),
                T0 + timedelta(days=2 * i),
                "delivered",
                "reminder",
                f"SM{i:032x}",
                i == 3,
            )
            for i in range(8)
        ),
        responses=(ResponseStat("sms", "evening", 1, 3), ResponseStat("email", "morning", 0, 4)),
    )
    record = DebtorRecord(
        state=state,
        pending={send_id("evt-9", "a"): ("a-1",), send_id("evt-9", "b"): ("a-2",)},
        purposes={send_id("evt-9", "a"): "reminder", send_id("evt-9", "b"): "reminder"},
    )
    for i in range(6):
        record = record.seeing(f"evt-{i}", T0 + timedelta(hours=i), timedelta(days=7))
    for i in range(4):  # one at a time: a set's order changes with the process's string hashes
        record = record.finishing({send_id(f"evt-{i}", "step")}, T0, timedelta(days=30))
    return record


def measure(
    name: str, op: Callable[[int], Any], count: int, rounds: int, shown: Callable[[Any], bytes] = bytes
) -> None:
    """Time ``op``; ``shown`` makes what it returned bytes, for the digest of the outputs."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for i in range(count):
            op(i)
        best = min(best, time.perf_counter() - started)
    for i in range(3):
        result = op(i)
        DIGEST.update(result.encode() if isinstance(result, str) else shown(result))
    print(f"{name:<34} {best / count * 1e6:8.2f} µs", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5000, help="operations per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"orchestrator from {orchestrator.__path__[0]}")
    n, r = args.count, args.rounds
    decision = a_decision()
    record = a_record()
    record_module._RECENT = Recent(0)  # decode for real, not from the cache of records just encoded
    record_bytes = record.to_bytes()
    state_bytes = to_json_bytes(record.state)
    outputs = [
        new_output(
            decision_output(SendRef("d-1", "snd_x"), "sms", T0, decision), subject="d-1", time=T0, id_parts=("snd_x",)
        )
    ]
    scheduled_bytes = scheduled(0)
    outputs.append(decode_output(scheduled_bytes))
    schedule = [ScheduledSend(f"snd_{k}", 3, 1_773_000_000_000 + k, b'["snd",' + b"x" * 150 + b"]") for k in range(2)]
    replay_bytes = encode_replay(outputs, schedule)

    measure("stable_id (output_event_id)", lambda i: output_event_id("message.scheduled", f"snd_{i:026d}"), n * 4, r)
    measure("fingerprint", lambda i: fingerprint(f"snd_{i:026d}"), n * 4, r)
    measure("message.scheduled build+encode", scheduled, n, r)
    measure("decision.recorded build+encode", lambda i: decided(decision, i), n, r)
    measure("message.suppressed build+encode", lambda i: suppressed(decision, i), n, r)
    measure("decode_output (scheduled)", lambda i: decode_output(scheduled_bytes), n, r, lambda e: encode_output(e)[1])
    measure("state to_json_bytes", lambda i: to_json_bytes(record.state), n, r)
    measure("state from_json_bytes", lambda i: from_json_bytes(state_bytes), n, r, to_json_bytes)
    measure("record to_bytes", lambda i: record.to_bytes(), n, r)
    measure("record from_bytes", lambda i: DebtorRecord.from_bytes(record_bytes), n, r, lambda rec: rec.to_bytes())
    measure("record seeing+to_bytes", lambda i: record.seeing(f"evt-{i}", T0, timedelta(days=7)).to_bytes(), n, r)
    measure("encode_replay (2 outputs, 2 sends)", lambda i: encode_replay(outputs, schedule), n, r)
    measure("decode_replay", lambda i: decode_replay(replay_bytes), n, r, lambda blob: encode_replay(*blob))
    print(f"outputs digest {DIGEST.hexdigest()[:16]}")


if __name__ == "__main__":
    main()
