"""Fixtures for the worker end-to-end tests: a per-test stack on the session's Kafka and Redis, the
provider emulator in the test loop, a reader of the output topics, and worker subprocesses that are
always stopped (or killed) when the test ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from worker_harness import (
    SENDGRID_KEY,
    TWILIO_SID,
    TWILIO_TOKEN,
    HookedEmulator,
    OutputWatcher,
    Stack,
    StartWorker,
    WorkerProcess,
    create_topics,
    free_port,
)


@pytest.fixture
def stack(kafka_bootstrap: str, redis_url: str, key_prefix: str) -> Stack:
    return Stack(kafka_bootstrap, redis_url, key_prefix)


@pytest.fixture
async def emulator() -> AsyncIterator[HookedEmulator]:
    running = HookedEmulator(
        twilio_account_sid=TWILIO_SID, twilio_auth_token=TWILIO_TOKEN, sendgrid_api_key=SENDGRID_KEY
    )
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


@pytest.fixture
async def outputs(stack: Stack) -> AsyncIterator[OutputWatcher]:
    create_topics(stack.kafka_bootstrap, stack.topic_prefix, partitions=4)
    watcher = await OutputWatcher(stack.kafka_bootstrap, stack.topic_prefix).start()
    try:
        yield watcher
    finally:
        await watcher.stop()


@pytest.fixture
async def start_worker(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, tmp_path: Path
) -> AsyncIterator[StartWorker]:
    """Starts ``python -m parley worker`` against this test's stack; the emulator's SendGrid events go to
    the first worker's webhook. Every worker started is stopped at the end; its log is in tmp_path."""
    started: list[WorkerProcess] = []

    async def start(with_emulator: bool = True, **overrides: Any) -> WorkerProcess:
        port = free_port()
        env = stack.worker_env(emulator if with_emulator else None, port, **{k: str(v) for k, v in overrides.items()})
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        if not emulator.sendgrid_event_url:
            emulator.sendgrid_event_url = f"{worker.base_url}/webhooks/sendgrid/events"
        return await worker.start()

    try:
        yield start
    finally:
        for worker in started:
            await worker.stop()
        for worker in started:
            print(f"--- {worker.log_path.name} ---\n{worker.log_tail(40)}")
