"""An account event keyed by something other than its debtor id is processed, counted on /metrics and
warned of in the log with the ids masked; one without a key is processed and counted, not warned of."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

from prometheus_client.parser import text_string_to_metric_families
from worker_harness import (
    OutputWatcher,
    Stack,
    StartWorker,
    account_placed,
    open_zone,
    produce,
    unique_phone,
)

from orchestrator.outputs import ACCOUNT_EVENTS

TIMEOUT_S = 30.0
EXPECTED = {"mismatch": 1.0, "missing": 1.0}
WARNING = "keyed by something other than their subject"


def _misrouted(text: str) -> dict[str, float]:
    return {
        sample.labels["key"]: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "parley_misrouted_events_total" and sample.labels.get("topic") == ACCOUNT_EVENTS
    }


async def test_misrouted_and_unkeyed_account_events_are_processed_and_counted(
    stack: Stack, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    worker = await start_worker(with_emulator=False)
    run, zone = uuid.uuid4().hex[:8], open_zone()
    debtors = {name: f"deb-{name}-{run}" for name in ("keyed", "misrouted", "unkeyed")}
    keys = {"keyed": debtors["keyed"].encode(), "misrouted": f"acc-{run}".encode(), "unkeyed": None}
    records = []
    for name, debtor_id in debtors.items():
        event = account_placed(debtor_id, f"acc-{name}-{run}", zone, unique_phone(), None)
        records.append((keys[name], json.dumps(event).encode(), [("content-type", b"application/cloudevents+json")]))
    await produce(stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), records)  # type: ignore[arg-type]

    for debtor_id in debtors.values():  # every one processed: its cadence planned
        await outputs.one("message.scheduled", TIMEOUT_S, debtor_id=debtor_id, step_id="first_notice_sms")
    assert outputs.of("dead_letter") == []

    # Counted once the batch's outputs are published: the outputs can be seen a moment before the count.
    deadline = time.monotonic() + TIMEOUT_S
    while (counted := _misrouted(await worker.metrics())) != EXPECTED and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert counted == EXPECTED
    (line,) = [line for line in worker.log_path.read_text().splitlines() if WARNING in line]
    assert "1 in this batch" in line and "offset" in line
    assert debtors["misrouted"] not in line and f"acc-{run}" not in line
