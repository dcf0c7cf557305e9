"""Which partitions a batch drains at once (its debtors', of those the worker owns), and how the sends of
a claim that failed are reported: each in the log with its id and the error masked; a store that cannot
be reached raised once, as an outage, instead of one error line per send."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from consumers.work import partitions_due_now, report_failed_sends
from orchestrator.outputs import MessageCancelled, MessageScheduled, OutputEvent, new_output
from orchestrator.service.api import FailedSend
from orchestrator.storage import SendRef, StoreUnavailable

NOW = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
PARTITIONS = {"d-east": 1, "d-west": 2, "d-north": 3}


def scheduled(debtor_id: str, due_at: datetime) -> OutputEvent:
    data = MessageScheduled(
        send_id=f"snd-{debtor_id}-{due_at.timestamp()}",
        debtor_id=debtor_id,
        account_ids=("A",),
        channel="sms",
        template_id="first_notice",
        purpose="first_notice",
        due_at=due_at,
        cause_event_id="evt-1",
        step_id="first_notice_sms",
    )
    return new_output(data, subject=debtor_id, time=NOW, id_parts=(data.send_id,))


def cancelled(debtor_id: str) -> OutputEvent:
    data = MessageCancelled(
        send_id="snd-x", debtor_id=debtor_id, account_ids=("A",), reason="payment.received", cause_event_id="e"
    )
    return new_output(data, subject=debtor_id, time=NOW, id_parts=("snd-x",))


def test_the_partitions_drained_are_those_of_the_debtors_whose_sends_are_due_now() -> None:
    outputs = [
        scheduled("d-east", NOW),
        scheduled("d-west", NOW - timedelta(seconds=1)),
        scheduled("d-north", NOW + timedelta(hours=2)),  # due later: the ticks will see to it
        cancelled("d-north"),
    ]
    assert partitions_due_now(outputs, NOW, PARTITIONS.__getitem__, owned=[0, 1, 2, 3]) == [1, 2]


def test_a_partition_the_worker_does_not_own_is_left_to_its_owner() -> None:
    outputs = [scheduled("d-east", NOW), scheduled("d-west", NOW)]
    assert partitions_due_now(outputs, NOW, PARTITIONS.__getitem__, owned=[0, 2]) == [2]


def test_a_failed_send_is_logged_with_its_id_and_the_error_masked(caplog: pytest.LogCaptureFixture) -> None:
    failure = FailedSend(SendRef("d-east", "snd_abc"), RuntimeError("provider said: +12125550123 is unreachable"))
    with caplog.at_level(logging.ERROR, logger="parley.worker"):
        report_failed_sends([failure])
    (line,) = [record.getMessage() for record in caplog.records]
    assert "snd_abc" in line and "RuntimeError" in line
    assert "+12125550123" not in line and "0123" in line


def test_sends_that_could_not_reach_the_store_are_one_outage_not_one_error_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    outage = StoreUnavailable("redis unreachable: connection refused")
    failed = [FailedSend(SendRef(f"d{n}", f"snd_{n}"), outage) for n in range(3)]
    with caplog.at_level(logging.ERROR, logger="parley.worker"), pytest.raises(StoreUnavailable):
        report_failed_sends(failed)
    assert caplog.records == []
