"""SIGTERM stops a worker gracefully: the web server stops taking webhooks first, no new sends are
claimed, the sends already claimed finish their provider calls and are recorded, and the process exits
0 in bounded time, leaving no send ``dispatching`` (nothing for a restart to reconcile)."""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid

from worker_harness import (
    HookedEmulator,
    OutputWatcher,
    RecordedRequest,
    Stack,
    StartWorker,
    WorkerProcess,
    account_placed,
    first_notices,
    open_zone,
    pending_statuses,
    produce,
    structured,
    unique_phone,
)

from orchestrator.outputs import ACCOUNT_EVENTS

BURST = 300
EXIT_WITHIN_S = 30.0


async def _web_closed_first(worker: WorkerProcess, timeout_s: float) -> bool:
    """Whether the worker's port refuses connections while the worker still waits for the provider call
    the caller holds: it closed first, not with the process."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and worker.alive():
        try:
            _reader, writer = await asyncio.open_connection("127.0.0.1", worker.port)
        except ConnectionRefusedError:
            await asyncio.sleep(1.5)
            return worker.alive()
        writer.close()
        await asyncio.sleep(0.05)
    return False


async def test_sigterm_mid_burst_closes_the_webhooks_finishes_the_claimed_sends_and_exits_0(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    worker = await start_worker()
    assert worker.process is not None
    in_flight: list[RecordedRequest] = []
    web_closed: list[bool] = []

    async def stop_during_a_provider_call(request: RecordedRequest) -> None:
        # The provider accepted this send and its answer has not left: SIGTERM lands mid-call, while
        # the worker's drains have many more claimed sends to go.
        if not in_flight and len(emulator.accepted()) >= 40:
            in_flight.append(request)
            assert worker.process is not None
            os.kill(worker.process.pid, signal.SIGTERM)
            web_closed.append(await _web_closed_first(worker, 6.0))

    emulator.after_record = stop_during_a_provider_call
    run, zone = uuid.uuid4().hex[:6], open_zone()
    burst = [
        structured(account_placed(f"deb-{run}-{n}", f"acc-{n}", zone, unique_phone(), f"d{n}.{run}@example.com"))
        for n in range(BURST)
    ]
    await produce(stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), burst)
    await outputs.wait_for("the SIGTERM", lambda: bool(web_closed), 60)
    emulator.after_record = None

    stopped_at = time.monotonic()
    while worker.alive() and time.monotonic() - stopped_at < EXIT_WITHIN_S:
        await asyncio.sleep(0.1)
    assert not worker.alive(), f"still running {EXIT_WITHIN_S:.0f}s after SIGTERM:\n{worker.log_tail()}"
    assert worker.process.returncode == 0, worker.log_tail()
    assert web_closed == [True], "the web server kept taking requests after SIGTERM"

    # Every send that reached the provider was recorded and its outputs published before the exit.
    accepted = {r.send_id for r in emulator.accepted()}
    assert in_flight[0].send_id in accepted
    await outputs.wait_for(
        "a message.dispatched for every send the provider accepted",
        lambda: accepted <= {o.data["send_id"] for o in outputs.of("message.dispatched")},
        10,
    )
    due = first_notices(outputs)
    statuses = await pending_statuses(stack.redis_url, stack.key_prefix, due)
    assert "dispatching" not in statuses.values(), {s: v for s, v in statuses.items() if v == "dispatching"}
    assert worker.log_count("stopped gracefully") == 1, worker.log_tail()
