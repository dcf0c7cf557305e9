"""No lost work and no duplicate sends across a crash and across a consumer group, counted at the
provider emulator by send id.

Every account.placed of the default cadence plans two sends due at once (first notice by email and
SMS); each must reach the emulator exactly once. SMS go out many at a time, an email alone (the
dispatch lane), so the worker dies either among SMS calls or inside one email's call. The sends in
flight are reconciled with the provider after their lease: Twilio's list API shows each message, so it
is recorded ``dispatched`` (or, if it never arrived, sent once more); SendGrid cannot tell, so the
email is reported ``message.outcome_unknown`` — either way nothing is sent twice.
"""

from __future__ import annotations

import uuid
from collections import Counter

from worker_harness import (
    HookedEmulator,
    OutputWatcher,
    RecordedRequest,
    Stack,
    StartWorker,
    account_placed,
    open_zone,
    produce,
    still_pending,
    structured,
    unique_phone,
)

from orchestrator.outputs import ACCOUNT_EVENTS

BURST = 1_000
FIRST_STEPS = ("first_notice_email", "first_notice_sms")


def _burst(count: int) -> list[tuple[bytes, bytes, list[tuple[str, bytes]]]]:
    zone, run = open_zone(), uuid.uuid4().hex[:6]
    return [
        structured(account_placed(f"deb-{run}-{n}", f"acc-{n}", zone, unique_phone(), f"d{n}.{run}@example.com"))
        for n in range(count)
    ]


def _due_now_planned(outputs: OutputWatcher) -> set[str]:
    return {o.data["send_id"] for o in outputs.of("message.scheduled") if o.data["step_id"] in FIRST_STEPS}


def _assert_each_send_reached_the_emulator_once(emulator: HookedEmulator, planned: set[str]) -> None:
    counts = Counter(r.send_id for r in emulator.accepted())
    twice = {send: n for send, n in counts.items() if n > 1}
    assert not twice, f"sent more than once: {twice}"
    missing = planned - set(counts)
    assert not missing, f"{len(missing)} planned sends never reached the emulator, e.g. {sorted(missing)[:5]}"
    assert set(counts) == planned, f"unplanned sends at the emulator: {sorted(set(counts) - planned)[:5]}"


async def test_a_worker_killed_mid_burst_and_restarted_sends_every_planned_send_exactly_once(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    first = await start_worker()
    in_flight: list[RecordedRequest] = []

    async def crash_during_a_provider_call(request: RecordedRequest) -> None:
        # The provider accepted this send; its answer has not left yet: the worker dies inside the call.
        if not in_flight and len(emulator.accepted()) >= BURST * 2 * 0.4:
            in_flight.append(request)
            first.kill()

    emulator.after_record = crash_during_a_provider_call
    await produce(stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), _burst(BURST))
    await outputs.wait_for("the crash", lambda: bool(in_flight), 45)
    emulator.after_record = None
    assert first.process is not None and first.process.returncode == -9

    await start_worker()
    await outputs.wait_for("every due send planned", lambda: len(_due_now_planned(outputs)) == BURST * 2, 45)
    planned = {
        o.data["send_id"]: o.data["debtor_id"]
        for o in outputs.of("message.scheduled")
        if o.data["step_id"] in FIRST_STEPS
    }
    crashed_send = in_flight[0].send_id
    await outputs.wait_for(
        "every planned send at the emulator", lambda: set(planned) <= {r.send_id for r in emulator.accepted()}, 30
    )
    await outputs.wait_for(
        "the send in flight at the crash settled",
        lambda: bool(
            outputs.of("message.outcome_unknown", send_id=crashed_send)
            or outputs.of("message.dispatched", send_id=crashed_send)
        ),
        30,
    )
    _assert_each_send_reached_the_emulator_once(emulator, set(planned))

    def settled(send_id: str) -> str:
        if outputs.of("message.dispatched", send_id=send_id):
            return "dispatched"
        return "outcome_unknown" if outputs.of("message.outcome_unknown", send_id=send_id) else ""

    await outputs.wait_for("every planned send settled", lambda: all(settled(s) for s in planned), 30)
    assert await still_pending(stack.redis_url, stack.key_prefix, planned) == []
    statuses = {send_id: settled(send_id) for send_id in planned}
    provider_can_tell = in_flight[0].provider == "twilio"
    expected = "dispatched" if provider_can_tell else "outcome_unknown"
    assert statuses.pop(crashed_send) == expected, (
        crashed_send,
        [o.event for o in outputs.outputs if o.data.get("send_id") == crashed_send],
    )
    assert set(statuses.values()) == {"dispatched"}, [
        (send, status, [(o.type, o.data) for o in outputs.outputs if o.data.get("send_id") == send])
        for send, status in statuses.items()
        if status != "dispatched"
    ]
    unknown = {o.data["send_id"] for o in outputs.of("message.outcome_unknown")}
    assert unknown == (set() if provider_can_tell else {crashed_send}), [
        (send, [(o.type, o.data) for o in outputs.outputs if o.data.get("send_id") == send])
        for send in unknown - {crashed_send}
    ]
    if provider_can_tell:
        (reconciled,) = outputs.of("message.dispatched", send_id=crashed_send)
        assert reconciled.data["provider_message_id"] == in_flight[0].provider_id


async def test_two_workers_in_one_group_share_the_partitions_and_each_send_fires_once(
    stack: Stack, emulator: HookedEmulator, outputs: OutputWatcher, start_worker: StartWorker
) -> None:
    workers = [await start_worker(), await start_worker()]

    def shared() -> bool:
        owned = [w.owned_partitions() or [] for w in workers]
        return all(owned) and sorted(owned[0] + owned[1]) == [0, 1, 2, 3]

    await outputs.wait_for("both workers owning account-events partitions", shared, 45)
    await produce(stack.kafka_bootstrap, stack.topic(ACCOUNT_EVENTS), _burst(200))
    await outputs.wait_for("every due send planned", lambda: len(_due_now_planned(outputs)) == 400, 45)
    planned = _due_now_planned(outputs)
    await outputs.wait_for(
        "every planned send dispatched",
        lambda: planned <= {o.data["send_id"] for o in outputs.of("message.dispatched")},
        45,
    )

    _assert_each_send_reached_the_emulator_once(emulator, planned)
    assert not outputs.of("message.outcome_unknown")
    assert all(w.process is not None and w.process.poll() is None for w in workers)
