"""A consumed Kafka record as the worker handles it: decoded (or not), the debtor it must stay in order
with, its outputs, and the dead letter it becomes when it cannot be decoded or acted on."""

from __future__ import annotations

import logging
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import faust

from orchestrator.codec import DecodeError, dead_letter, decode_inbound
from orchestrator.events import InboundEvent
from orchestrator.outputs import MessageScheduled, OutputEvent
from orchestrator.service.replay import replay_ref
from parley.observability import METRICS

log = logging.getLogger("parley.worker")
_MAX_DETAIL = 1000  # characters of an unexpected error's message kept in the dead letter's reason


@dataclass(slots=True)
class ConsumedRecord:
    """One consumed record, decoded (or not), and whose records it must stay in order with."""

    message: Any
    value: bytes
    inbound: InboundEvent | None
    error: DecodeError | None
    owner: Hashable  # the debtor (the event's subject), else the Kafka key, else the record itself
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
        return cls(message, value, inbound, error, owner)

    def processed(self) -> tuple[str, str] | None:
        """(debtor id, event id) of a record the core processed, whose replay blob may be forgotten."""
        return replay_ref(self.inbound, self.outputs) if self.inbound is not None else None

    def dead(self, topic: str, error: Exception | None, now: datetime) -> list[OutputEvent]:
        """A record that cannot be decoded or acted on becomes a dead letter with the reason."""
        METRICS.dead_letters.labels(topic=topic).inc()
        error_type = type(error).__name__ if error is not None else "DecodeError"
        return [_dead(self.message, self.value, str(error), error_type, now)]


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
