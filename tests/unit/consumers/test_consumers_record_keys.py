"""An account event whose Kafka key is not its debtor id breaks per-debtor ordering (a producer bug). It is
still processed — dead-lettering a real payment or hold would lose its effect — but counted in
``parley_misrouted_events_total`` and warned of once per batch, ids masked. A missing key is counted,
not warned of. Provider events are keyed by message or sender by design: not counted."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import generate_latest

from consumers.records import ConsumedRecord, count_misrouted
from orchestrator.outputs import ACCOUNT_EVENTS, PROVIDER_EVENTS
from parley.observability import METRICS

DEBTOR = "debtor-481516"
PAYMENT = {"account_id": "acc-2342", "amount": "150.00", "paid_at": "2024-03-04T15:00:00Z"}


def account_event(subject: str = DEBTOR, offset: int = 7) -> bytes:
    return json.dumps(
        {
            "specversion": "1.0",
            "id": f"evt-{offset}",
            "source": "urn:acme:servicing",
            "type": "payment.received",
            "subject": subject,
            "time": "2024-03-04T15:00:00Z",
            "data": PAYMENT,
        }
    ).encode()


def provider_status(subject: str) -> bytes:
    data = {"channel": "sms", "provider_message_id": "SM0001", "status": "delivered"}
    return json.dumps(
        {
            "specversion": "1.0",
            "id": "evt-p",
            "source": "parley/webhooks/twilio",
            "type": "provider.status",
            "subject": subject,
            "time": "2024-03-04T15:00:00Z",
            "data": data,
        }
    ).encode()


def consumed(value: bytes, key: bytes | None, topic: str = ACCOUNT_EVENTS, offset: int = 7) -> ConsumedRecord:
    message = SimpleNamespace(value=value, headers=[], key=key, partition=2, offset=offset, topic=topic)
    return ConsumedRecord.decode(SimpleNamespace(message=message), topic)  # type: ignore[arg-type]


def misrouted(topic: str, key: str) -> float:
    return METRICS.registry.get_sample_value("parley_misrouted_events_total", {"topic": topic, "key": key}) or 0.0


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "parley.worker" and r.levelno == logging.WARNING]


@pytest.fixture
def counted() -> Any:
    """The counters before the test; ``counted(topic, key)`` is how much the test added."""
    before = {(t, k): misrouted(t, k) for t in (ACCOUNT_EVENTS, PROVIDER_EVENTS) for k in ("mismatch", "missing")}
    return lambda topic, key: misrouted(topic, key) - before[(topic, key)]


def test_an_event_keyed_by_its_debtor_is_not_counted(counted: Any, caplog: pytest.LogCaptureFixture) -> None:
    record = consumed(account_event(), DEBTOR.encode())
    with caplog.at_level(logging.WARNING, logger="parley.worker"):
        count_misrouted([record], ACCOUNT_EVENTS)
    assert record.key_fault is None
    assert counted(ACCOUNT_EVENTS, "mismatch") == 0 and counted(ACCOUNT_EVENTS, "missing") == 0
    assert warnings(caplog) == []


def test_an_event_keyed_by_another_id_is_still_processed_but_counted_and_warned_of_with_ids_masked(
    counted: Any, caplog: pytest.LogCaptureFixture
) -> None:
    record = consumed(account_event(), b"acc-2342-wrong")
    with caplog.at_level(logging.WARNING, logger="parley.worker"):
        count_misrouted([record], ACCOUNT_EVENTS)

    assert record.inbound is not None and record.error is None  # decoded: the core acts on it
    assert record.owner == DEBTOR  # ordered with the debtor's other records, whatever the key
    assert record.key_fault == "mismatch"
    assert counted(ACCOUNT_EVENTS, "mismatch") == 1
    (line,) = warnings(caplog)
    assert "partition 2 offset 7" in line and "key" in line and "subject" in line
    assert DEBTOR not in line and "acc-2342-wrong" not in line
    assert "de***16" in line and "ac***ng" in line


def test_a_batch_warns_once_however_many_events_are_misrouted(counted: Any, caplog: pytest.LogCaptureFixture) -> None:
    batch = [consumed(account_event(offset=n), f"other-{n}".encode(), offset=n) for n in range(5)]
    with caplog.at_level(logging.WARNING, logger="parley.worker"):
        count_misrouted(batch, ACCOUNT_EVENTS)
    assert counted(ACCOUNT_EVENTS, "mismatch") == 5
    (line,) = warnings(caplog)
    assert "5 in this batch" in line


def test_a_missing_key_is_counted_apart_and_not_warned_of(counted: Any, caplog: pytest.LogCaptureFixture) -> None:
    record = consumed(account_event(), None)
    with caplog.at_level(logging.WARNING, logger="parley.worker"):
        count_misrouted([record, consumed(account_event(), b"")], ACCOUNT_EVENTS)
    assert record.inbound is not None and record.key_fault == "missing"
    assert counted(ACCOUNT_EVENTS, "missing") == 2 and counted(ACCOUNT_EVENTS, "mismatch") == 0
    assert warnings(caplog) == []


def test_a_record_that_cannot_be_decoded_is_not_counted(counted: Any) -> None:
    record = consumed(b"{not json", b"anything")
    count_misrouted([record], ACCOUNT_EVENTS)
    assert record.inbound is None and record.key_fault is None
    assert counted(ACCOUNT_EVENTS, "mismatch") == 0


def test_provider_events_keyed_by_message_or_sender_are_not_counted(counted: Any) -> None:
    record = consumed(provider_status(DEBTOR), b"SM0001", topic=PROVIDER_EVENTS)
    count_misrouted([record], PROVIDER_EVENTS)
    assert record.inbound is not None and record.key_fault is None
    assert counted(PROVIDER_EVENTS, "mismatch") == 0 and counted(PROVIDER_EVENTS, "missing") == 0


def test_the_counter_is_served_on_metrics(counted: Any) -> None:
    count_misrouted([consumed(account_event(), b"someone-else")], ACCOUNT_EVENTS)
    served = generate_latest(METRICS.registry).decode()  # what /metrics serves, with the runtime's own gauges
    assert 'parley_misrouted_events_total{key="mismatch",topic="account-events"}' in served
