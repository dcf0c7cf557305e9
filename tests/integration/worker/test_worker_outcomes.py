"""What the worker does with what happens after planning, end to end on Kafka, Redis and the emulators:
a payment cancels pending sends, a STOP through the signed webhook blocks the next SMS, replies place
holds and signal payment intents, and a malformed record is dead-lettered without stopping the stream."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from worker_harness import (
    HookedEmulator,
    OutputWatcher,
    Stack,
    StartWorker,
    account_placed,
    closed_zone,
    next_weekday,
    open_zone,
    payment_missed,
    payment_received,
    produce,
    structured,
    unique_phone,
)

from orchestrator.outputs import ACCOUNT_EVENTS

TIMEOUT_S = 30.0


def _ids() -> tuple[str, str, str]:
    return f"deb-{uuid.uuid4().hex[:8]}", unique_phone(), f"ana.{uuid.uuid4().hex[:6]}@example.com"


async def test_a_payment_before_the_due_time_cancels_the_pending_sends_and_nothing_reaches_the_provider(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    await start_worker()
    debtor_id, phone, email = _ids()
    await produce(
        stack.kafka_bootstrap,
        stack.topic(ACCOUNT_EVENTS),
        [structured(account_placed(debtor_id, "acc-1", closed_zone(), phone, email))],
    )
    await outputs.wait_for(
        "the cadence planned", lambda: len(outputs.of("message.scheduled", debtor_id=debtor_id)) == 6, TIMEOUT_S
    )
    scheduled = outputs.of("message.scheduled", debtor_id=debtor_id)
    planned = {o.data["send_id"] for o in scheduled}
    first_notices = [o for o in scheduled if o.data["step_id"].startswith("first_notice")]
    # It is night for the debtor: the first notices are planned for their morning, not for now.
    assert len(first_notices) == 2
    assert all(datetime.fromisoformat(o.data["due_at"]) > datetime.now(UTC) for o in first_notices)

    await produce(
        stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), [structured(payment_received(debtor_id, "acc-1"))]
    )
    await outputs.wait_for(
        "every planned send cancelled",
        lambda: planned <= {o.data["send_id"] for o in outputs.of("message.cancelled", debtor_id=debtor_id)},
        TIMEOUT_S,
    )
    cancelled = outputs.of("message.cancelled", debtor_id=debtor_id)
    assert {o.data["reason"] for o in cancelled if o.data["send_id"] in planned} == {"payment.received"}
    assert emulator.accepted() == []
    assert not outputs.of("message.dispatched", debtor_id=debtor_id)


async def test_a_stop_through_the_signed_inbound_webhook_blocks_the_next_sms(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    worker = await start_worker()
    debtor_id, phone, _ = _ids()  # a phone only: SMS is the one channel the next notice could take
    await produce(
        stack.kafka_bootstrap,
        stack.topic(ACCOUNT_EVENTS),
        [structured(account_placed(debtor_id, "acc-1", open_zone(), phone, None))],
    )
    first_sms = await outputs.one("message.scheduled", TIMEOUT_S, debtor_id=debtor_id, step_id="first_notice_sms")
    await outputs.one("message.dispatched", TIMEOUT_S, send_id=first_sms.data["send_id"])

    assert await worker.inbound_sms(phone, "STOP") == 200
    await outputs.one("reply.received", TIMEOUT_S, debtor_id=debtor_id, intent="opt_out")
    # Twilio answers its own STOP keyword: Parley records the opt-out and sends no second confirmation.
    assert not outputs.of("message.scheduled", debtor_id=debtor_id, template_id="opt_out_confirmation")
    texts_after_stop = {r.send_id for r in emulator.accepted() if r.kind == "message"}
    assert texts_after_stop == {first_sms.data["send_id"]}

    await produce(stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), [structured(payment_missed(debtor_id, "acc-1"))])
    step = await outputs.one("message.scheduled", TIMEOUT_S, debtor_id=debtor_id, step_id="missed_payment_now")
    suppressed = await outputs.one("message.suppressed", TIMEOUT_S, send_id=step.data["send_id"])
    rules = {rule["rule_id"] for rule in suppressed.data["rules"]}
    assert "medium_optout" in rules, rules
    assert {r.send_id for r in emulator.accepted() if r.kind == "message"} == texts_after_stop
    assert not outputs.of("message.dispatched", send_id=step.data["send_id"])


async def test_a_malformed_record_goes_to_dead_letters_and_the_next_event_is_processed(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    await start_worker()
    debtor_id, phone, email = _ids()
    broken = (debtor_id.encode(), b'{"specversion": "1.0", "id": "evt-broken", "type": ', [])
    good = structured(account_placed(debtor_id, "acc-1", open_zone(), phone, email))
    await produce(stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), [broken, good])

    dead = await outputs.one("dead_letter", TIMEOUT_S)
    assert "not valid JSON" in dead.data["reason"]
    assert dead.data["original_key"] and dead.key == debtor_id.encode()
    await outputs.one("message.scheduled", TIMEOUT_S, debtor_id=debtor_id, step_id="first_notice_sms")


async def test_records_quoting_a_huge_subject_are_dead_lettered_within_the_producer_limit_and_the_stream_goes_on(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    """A reason quoting the whole 900 KB subject, or a dead letter carrying a 900 KB header, would be more
    than the producer sends: the batch would be retried forever and the next event never processed."""
    await start_worker()
    debtor_id, phone, email = _ids()
    key = debtor_id.encode()
    event = account_placed(debtor_id, "acc-1", open_zone(), phone, email)
    in_value = json.dumps({**event, "subject": "A" * 900_000}).encode()
    binary = [(f"ce_{name}", str(event[name]).encode()) for name in ("specversion", "id", "source", "type", "time")]
    in_header = [*binary, ("ce_subject", b"B" * 900_000), ("content-type", b"application/json")]
    records = [
        (key, in_value, [("content-type", b"application/cloudevents+json")]),
        (key, json.dumps(event["data"]).encode(), in_header),
        structured(account_placed(debtor_id, "acc-1", open_zone(), phone, email)),
    ]
    await produce(stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), records)

    await outputs.wait_for("both dead letters", lambda: len(outputs.of("dead_letter")) == 2, TIMEOUT_S)
    first, second = sorted(outputs.of("dead_letter"), key=lambda dead: int(dead.data["offset"]))
    too_long = "attribute 'subject' must have at most 128 characters, got 900,000: "
    assert first.data["reason"].startswith(too_long + "'AAAA") and len(first.data["reason"]) < 200
    assert first.data["truncated"] is True and first.data["original_length"] == len(in_value)
    assert second.data["reason"].startswith(too_long + "'BBBB") and second.data["headers_truncated"] is True
    assert first.key == second.key == key
    await outputs.one("message.scheduled", TIMEOUT_S, debtor_id=debtor_id, step_id="first_notice_sms")


async def test_talk_to_my_lawyer_places_an_attorney_hold_and_cancels_the_pending_sends(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    worker = await start_worker()
    debtor_id, phone, email = _ids()
    await produce(
        stack.kafka_bootstrap,
        stack.topic(ACCOUNT_EVENTS),
        [structured(account_placed(debtor_id, "acc-1", open_zone(), phone, email))],
    )
    first_sms = await outputs.one("message.scheduled", TIMEOUT_S, debtor_id=debtor_id, step_id="first_notice_sms")
    await outputs.one("message.dispatched", TIMEOUT_S, send_id=first_sms.data["send_id"])
    later = {
        o.data["send_id"]
        for o in outputs.of("message.scheduled", debtor_id=debtor_id)
        if not o.data["step_id"].startswith("first_notice")
    }
    assert len(later) == 4

    assert await worker.inbound_sms(phone, "talk to my lawyer") == 200
    reply = await outputs.one("reply.received", TIMEOUT_S, debtor_id=debtor_id)
    assert (reply.data["intent"], reply.data["needs_review"]) == ("attorney", True)
    await outputs.wait_for(
        "the pending sends cancelled",
        lambda: later <= {o.data["send_id"] for o in outputs.of("message.cancelled", debtor_id=debtor_id)},
        TIMEOUT_S,
    )


async def test_i_can_pay_50_friday_becomes_a_payment_intent_for_that_friday(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    worker = await start_worker()
    debtor_id, phone, email = _ids()
    zone = open_zone(weekdays=range(4))  # Monday to Thursday: "Friday" is this week's
    await produce(
        stack.kafka_bootstrap,
        stack.topic(ACCOUNT_EVENTS),
        [structured(account_placed(debtor_id, "acc-1", zone, phone, email))],
    )
    await outputs.one("message.scheduled", TIMEOUT_S, debtor_id=debtor_id, step_id="first_notice_sms")

    assert await worker.inbound_sms(phone, "I can pay $50 Friday") == 200
    intent = await outputs.one("payment_intent.detected", TIMEOUT_S, debtor_id=debtor_id)
    assert intent.data["amount"] == "50.00"
    assert intent.data["date"] == next_weekday(zone, 4, datetime.now(UTC))
    assert intent.data["account_id"] == "acc-1"
