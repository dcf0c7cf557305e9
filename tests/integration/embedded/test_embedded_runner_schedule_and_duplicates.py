"""The embedded runner on a real (embedded) redis-server: every send due at one moment goes at that moment,
however many claims it takes, and an input event that appears twice has its effects once, wherever the
copy is in the file."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from orchestrator.codec import decode_inbound, encode_output
from orchestrator.outputs import OutputEvent
from parley.embedded.session import embedded_session, run_embedded
from tests.integration.embedded.conftest import PLACED_AT, placed, reply, stamp

Replay = Callable[..., list[dict[str, Any]]]
Outputs = list[dict[str, Any]]


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# --- every send due at one moment goes at that moment -------------------------------------------


def _run_with_batch_limit(debtors: int, batch_limit: int) -> tuple[Outputs, datetime]:
    """Place ``debtors`` at the same moment, then run the clock exactly to the moment the first sends fall
    due (no later due-time could wake sends left behind) with claims of at most ``batch_limit``."""
    outputs: Outputs = []

    def sink(event: OutputEvent) -> None:
        outputs.append(json.loads(encode_output(event)[1]))

    async def main() -> datetime:
        async with embedded_session(sink, seed=1, start=PLACED_AT) as session:
            session.runner.batch_limit = batch_limit
            for n in range(debtors):
                session.runner.submit(decode_inbound(json.dumps(placed(n)).encode()))
            await session.runner.run(PLACED_AT)
            first_due = min(_at(e["data"]["due_at"]) for e in outputs if e["type"] == "message.scheduled")
            await session.runner.run(first_due)
            return first_due

    return outputs, run_embedded(main())


def test_sends_due_at_one_moment_beyond_one_claim_all_go_at_that_moment() -> None:
    outputs, moment = _run_with_batch_limit(debtors=2, batch_limit=2)
    scheduled = [e["data"] for e in outputs if e["type"] == "message.scheduled"]
    due_then = {data["send_id"] for data in scheduled if _at(data["due_at"]) == moment}
    assert len(due_then) >= 3  # more than one claim's worth
    decisions = [e for e in outputs if e["type"] == "decision.recorded"]
    assert {e["data"]["send_id"] for e in decisions if _at(e["time"]) == moment} == due_then
    dispatched = [e for e in outputs if e["type"] == "message.dispatched"]
    assert {e["data"]["send_id"] for e in dispatched} == due_then
    assert {e["time"] for e in dispatched} == {stamp(moment)}


def test_the_claim_size_does_not_change_what_is_decided_and_sent() -> None:
    """Smaller claims work the same sends in another order (claim by claim): the same outputs, nothing lost."""
    small, _ = _run_with_batch_limit(debtors=3, batch_limit=2)
    large, _ = _run_with_batch_limit(debtors=3, batch_limit=1_000)
    assert sorted(small, key=lambda e: e["id"]) == sorted(large, key=lambda e: e["id"])


# --- a duplicate input event has its effects once -------------------------------------------------


def test_an_event_twice_in_a_row_emits_its_outputs_once(replay_events: Replay) -> None:
    once = replay_events([placed(1)])
    assert replay_events([placed(1), placed(1)]) == once


def test_a_duplicate_far_down_the_file_emits_nothing_either(replay_events: Replay) -> None:
    """Wherever the copy is — right after the original, or hundreds of events later — it adds nothing."""
    others = [placed(n) for n in range(2, 300)]
    without = replay_events([placed(1), *others], until=PLACED_AT + timedelta(hours=1))
    near = replay_events([placed(1), placed(1), *others], until=PLACED_AT + timedelta(hours=1))
    far = replay_events([placed(1), *others, placed(1)], until=PLACED_AT + timedelta(hours=1))
    assert near == without and far == without


def test_a_reply_received_twice_is_one_reply(replay_events: Replay) -> None:
    said_at = PLACED_AT + timedelta(days=1, hours=10)
    once = replay_events([placed(1), reply(1, "I can pay $50 on Friday", said_at)])
    twice = replay_events([placed(1), reply(1, "I can pay $50 on Friday", said_at)] * 2)
    assert twice == once
    assert len([e for e in once if e["type"] == "reply.received"]) == 1
