"""A consumed Kafka record as the worker handles it: decoded (or not), the debtor it must stay in order
with, its outputs, and the dead letter it becomes when it cannot be decoded or acted on.

An account event's Kafka key must be its subject, the debtor id: the key picks the partition, and only
one partition's records are read in order. One keyed otherwise (a producer bug) is still processed — it
is ordered with its debtor's records in its batch, the store's version check keeps each write whole, and
dead-lettering it would drop a real payment, hold or STOP — but it is counted
(``parley_misrouted_events_total``) and warned of once per batch. Provider events are keyed by provider
message or sender (their subject is the debtor, when a callback names one): not checked."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import faust

from channels.logsafe import mask_id
from orchestrator.codec import DecodeError, dead_letter, decode_inbound
from orchestrator.events import InboundEvent
from orchestrator.outputs import ACCOUNT_EVENTS, MessageScheduled, OutputEvent
from orchestrator.service.replay import replay_ref
from parley.observability import METRICS

log = logging.getLogger("parley.worker")
_MAX_DETAIL = 1000  # characters of an unexpected error's message kept in the dead letter's reason
MISMATCHED_KEY = "mismatch"  # an account event keyed by something other than its debtor id
MISSING_KEY = "missing"  # an account event without a key (the producer's partitioner picks any partition)


@dataclass(slots=True)
class ConsumedRecord:
    """One consumed record, decoded (or not), and whose records it must stay in order with."""

    message: Any
    value: bytes
    inbound: InboundEvent | None
    error: DecodeError | None
    owner: Hashable  # the debtor (the event's subject), else the Kafka key, else the record itself
    key_fault: str | None = None  # an account event's key is not its subject: MISMATCHED_KEY or MISSING_KEY
    outputs: list[OutputEvent] = field(default_factory=list)

    @property
    def partition(self) -> int:
        return int(self.message.partition)

    @classmethod
    def decode(cls, event: faust.EventT[bytes], topic: str) -> ConsumedRecord:
        message = event.message
        value = message.value if isinstance(message.value, bytes) else bytes(message.value or b"")
        inbound, error = None, None
        try:
            inbound = decode_inbound(value, message.headers or (), topic=topic)
        except DecodeError as failure:
            error = failure
        except Exception as failure:  # a bug, not the record's fault: still a dead letter, never a crash
            log.exception("decoding a record from %s failed unexpectedly", topic)
            error = DecodeError(f"unexpected {type(failure).__name__} while decoding: {str(failure)[:_MAX_DETAIL]}")
        owner: Hashable = (inbound.subject if inbound else None) or message.key or (message.partition, message.offset)
        key_fault = _key_fault(message.key, inbound) if topic == ACCOUNT_EVENTS else None
        return cls(message, value, inbound, error, owner, key_fault)

    def processed(self) -> tuple[str, str, str] | None:
        """(debtor id, event identity, legacy id) of a record the core processed, whose replay blob may be
        forgotten."""
        return replay_ref(self.inbound, self.outputs) if self.inbound is not None else None

    def dead(self, topic: str, error: Exception | None, now: datetime) -> list[OutputEvent]:
        """A record that cannot be decoded or acted on becomes a dead letter with the reason."""
        METRICS.dead_letters.labels(topic=topic).inc()
        error_type = type(error).__name__ if error is not None else "DecodeError"
        return [_dead(self.message, self.value, str(error), error_type, now)]


def count_misrouted(records: Sequence[ConsumedRecord], topic: str) -> None:
    """Count the batch's account events keyed other than by their debtor id, and warn of those with
    another key once for the batch (with the first one's place, to find it). A missing key is counted,
    not warned of: it is a producer's standing choice, and the counter shows it."""
    mismatched = [record for record in records if record.key_fault == MISMATCHED_KEY]
    missing = sum(1 for record in records if record.key_fault == MISSING_KEY)
    if missing:
        METRICS.misrouted.labels(topic=topic, key=MISSING_KEY).inc(missing)
    if not mismatched:
        return
    METRICS.misrouted.labels(topic=topic, key=MISMATCHED_KEY).inc(len(mismatched))
    first = mismatched[0]
    key = first.message.key
    subject = first.inbound.subject if first.inbound is not None else None
    log.warning(
        "account events keyed by something other than their subject (the debtor id): %d in this batch, e.g. "
        "%s partition %d offset %d (key %s, subject %s). Processed all the same, but a debtor's events on two "
        "partitions may be read out of order: the producer must key each event by its subject",
        len(mismatched),
        first.message.topic,
        first.partition,
        first.message.offset,
        mask_id(key.decode("utf-8", "replace") if isinstance(key, bytes) else str(key)),
        mask_id(subject or ""),
    )


def _key_fault(key: bytes | str | None, inbound: InboundEvent | None) -> str | None:
    """Why an account event's key is not its subject, if it is not (a dead letter has no debtor to check)."""
    if inbound is None or inbound.subject is None:
        return None
    if not key:
        return MISSING_KEY
    raw = key.encode("utf-8") if isinstance(key, str) else key
    return None if raw == inbound.subject.encode("utf-8") else MISMATCHED_KEY


def due_now(outputs: list[OutputEvent], now: datetime) -> bool:
    return any(isinstance(o.data, MessageScheduled) and o.data.due_at <= now for o in outputs)


def _dead(message: Any, value: bytes, reason: str, error_type: str, now: datetime) -> OutputEvent:
    return dead_letter(
        value,
        message.headers or (),
        reason,
        message.topic,
        message.partition,
        message.offset,
        now,
        key=message.key if isinstance(message.key, bytes) else None,
        error_type=error_type,
    )
