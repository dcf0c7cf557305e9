"""The sends a batch makes due at once are worked on the debtor's scheduler partition, not on the partition
of the Kafka record that made them due: provider-events are keyed by the sender's number (or the provider
message id), so their partition says nothing about whose schedule the reply's answer is on."""

from __future__ import annotations

import uuid

from worker_harness import (
    HookedEmulator,
    OutputWatcher,
    Stack,
    StartWorker,
    account_placed,
    open_zone,
    produce,
    structured,
    unique_phone,
)

from orchestrator.outputs import ACCOUNT_EVENTS
from parley.bootstrap import kafka_partition_of

PARTITIONS = 4  # the harness creates every topic with four partitions
TICK_S = 15.0  # slow ticks: a send worked within a few seconds was drained by its batch, not by a tick
IMMEDIATE_S = 5.0
TIMEOUT_S = 30.0


def debtor_and_phone_on_different_partitions() -> tuple[str, str]:
    """A debtor id and a phone number whose Kafka keys land on different partitions."""
    partition_of = kafka_partition_of(PARTITIONS)
    while True:
        debtor_id, phone = f"deb-{uuid.uuid4().hex[:8]}", unique_phone()
        if partition_of(debtor_id) != partition_of(phone):
            return debtor_id, phone


async def test_the_answer_a_reply_makes_due_is_sent_without_waiting_for_a_tick(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    worker = await start_worker(PARLEY_SCHEDULER_TICK_S=str(TICK_S))  # healthy once its first tick ended
    debtor_id, phone = debtor_and_phone_on_different_partitions()
    placed = account_placed(debtor_id, "acc-1", open_zone(), phone, None)
    await produce(stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), [structured(placed)])
    first_sms = await outputs.one("message.scheduled", TIMEOUT_S, debtor_id=debtor_id, step_id="first_notice_sms")
    await outputs.one("message.dispatched", IMMEDIATE_S, send_id=first_sms.data["send_id"])

    assert await worker.inbound_sms(phone, "Who is this?") == 200  # a question: Parley answers (help_reply)
    answer = await outputs.one("message.scheduled", TIMEOUT_S, debtor_id=debtor_id, template_id="help_reply")
    await outputs.one("message.dispatched", IMMEDIATE_S, send_id=answer.data["send_id"])
