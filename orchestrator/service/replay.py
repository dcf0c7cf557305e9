"""The replay blob: what processing an event produced, kept with its processed-event marker.

If a worker dies after writing an event's effects but before publishing its outputs (or before
Kafka saw the offset commit), the event is read again; the store then hands back this blob instead
of letting the event run twice, and the worker re-publishes the same outputs (same ids: consumers
de-duplicate) and re-adds the same due entries (idempotent).
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Sequence

from orchestrator.codec import decode_output, encode_output
from orchestrator.compact_json import COMPACT_ASCII_JSON
from orchestrator.events import InboundEvent
from orchestrator.outputs import OutputEvent
from orchestrator.storage import ScheduledSend

COMPRESSED = b"z"  # marks a zlib-compressed blob (JSON never starts with it)


def compress(blob: bytes) -> bytes:
    """Blobs kept per event and per debtor are most of Redis' memory: JSON shrinks 3–5× with zlib."""
    return COMPRESSED + zlib.compress(blob, 1)


def decompress(blob: bytes) -> bytes:
    return zlib.decompress(blob[1:]) if blob[:1] == COMPRESSED else blob


def encode_replay(outputs: Sequence[OutputEvent], schedule: Sequence[ScheduledSend]) -> bytes:
    return compress(
        COMPACT_ASCII_JSON.encode(
            {
                "o": [encode_output(event)[1].decode() for event in outputs],
                "s": [
                    [send.send_id, send.partition, send.due_ms, base64.b64encode(send.payload).decode()]
                    for send in schedule
                ],
            }
        ).encode()
    )


def replay_ref(event: InboundEvent, outputs: Sequence[OutputEvent]) -> tuple[str, str, str] | None:
    """(debtor id, event identity, legacy id) of the replay blob processing ``event`` left, once its outputs
    are published (the legacy id: the bare id, under which a version before identities kept it); the
    debtor is the event's subject, or (a reply found by its sender) that of its outputs."""
    debtor = event.subject or next((output.subject for output in outputs if output.subject), None)
    return (debtor, event.identity, event.id) if debtor else None


def decode_replay(raw: bytes) -> tuple[list[OutputEvent], list[ScheduledSend]]:
    blob = json.loads(decompress(raw))
    outputs = [decode_output(text.encode()) for text in blob["o"]]
    schedule = [
        ScheduledSend(send_id=send_id, partition=partition, due_ms=due_ms, payload=base64.b64decode(payload))
        for send_id, partition, due_ms, payload in blob["s"]
    ]
    return outputs, schedule
