"""The worker end to end on the real broker, a real redis-server and the provider emulators: an account
event becomes scheduled sends, sends reach Twilio and SendGrid (emulated), and their signed status
callbacks come back through the worker's webhooks as delivery events."""

from __future__ import annotations

import json
import uuid

from cloudevents.http import CloudEvent
from cloudevents.kafka import to_binary
from kafka import KafkaProducer
from worker_harness import (
    HookedEmulator,
    OutputWatcher,
    Stack,
    StartWorker,
    account_placed,
    open_zone,
    unique_phone,
)

from orchestrator.outputs import ACCOUNT_EVENTS

FLOW_TIMEOUT_S = 30.0


def _produce_structured(stack: Stack, event: dict[str, object]) -> None:
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    try:
        producer.send(
            stack.topic(ACCOUNT_EVENTS),
            key=str(event["subject"]).encode(),
            value=json.dumps(event).encode(),
            headers=[("content-type", b"application/cloudevents+json")],
        ).get(timeout=10)
    finally:
        producer.close()


def _produce_binary(stack: Stack, event: dict[str, object]) -> None:
    attributes = {k: v for k, v in event.items() if k not in ("data", "specversion", "datacontenttype")}
    attributes["partitionkey"] = event["subject"]
    attributes["datacontenttype"] = "application/json"
    message = to_binary(CloudEvent(attributes, event["data"]))
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    try:
        producer.send(
            stack.topic(ACCOUNT_EVENTS),
            key=str(message.key).encode(),
            value=message.value,
            headers=list(message.headers.items()),
        ).get(timeout=10)
    finally:
        producer.close()


async def _assert_first_notices_flow(
    outputs: OutputWatcher, emulator: HookedEmulator, debtor_id: str, phone: str, email: str
) -> None:
    scheduled = await outputs.one("message.scheduled", FLOW_TIMEOUT_S, debtor_id=debtor_id, step_id="first_notice_sms")
    sms_send = scheduled.data["send_id"]
    email_send = (
        await outputs.one("message.scheduled", FLOW_TIMEOUT_S, debtor_id=debtor_id, step_id="first_notice_email")
    ).data["send_id"]
    sms = await outputs.one("message.dispatched", FLOW_TIMEOUT_S, send_id=sms_send)
    mail = await outputs.one("message.dispatched", FLOW_TIMEOUT_S, send_id=email_send)
    assert (sms.data["channel"], sms.data["to"]) == ("sms", phone)
    assert (mail.data["channel"], mail.data["to"]) == ("email", email)
    assert [r.destination for r in emulator.accepted(sms_send)] == [phone]
    assert [r.destination for r in emulator.accepted(email_send)] == [email]
    await outputs.one("message.delivered", FLOW_TIMEOUT_S, send_id=sms_send)
    await outputs.one("message.delivered", FLOW_TIMEOUT_S, send_id=email_send)


async def test_a_structured_account_placed_is_scheduled_sent_and_delivered_through_the_providers(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    await start_worker()
    debtor_id, phone, email = f"deb-{uuid.uuid4().hex[:8]}", unique_phone(), f"ana.{uuid.uuid4().hex[:6]}@example.com"
    _produce_structured(stack, account_placed(debtor_id, "acc-1", open_zone(), phone, email))
    await _assert_first_notices_flow(outputs, emulator, debtor_id, phone, email)


async def test_a_binary_mode_account_placed_from_the_cloudevents_sdk_takes_the_same_path(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    await start_worker()
    debtor_id, phone, email = f"deb-{uuid.uuid4().hex[:8]}", unique_phone(), f"ana.{uuid.uuid4().hex[:6]}@example.com"
    _produce_binary(stack, account_placed(debtor_id, "acc-1", open_zone(), phone, email))
    await _assert_first_notices_flow(outputs, emulator, debtor_id, phone, email)
