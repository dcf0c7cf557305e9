"""Publishing output events to their topics and waiting until the broker has them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import faust

from orchestrator.codec import encode_output
from orchestrator.outputs import OUTPUT_TOPIC_NAMES, OutputEvent, topic_name
from parley.observability import METRICS


class OutputPublisher:
    """Sends outputs to ``delivery-events``, ``reply-events``, … keyed by debtor id."""

    def __init__(self, app: faust.App, prefix: str) -> None:
        self.topics = {
            base: app.topic(
                topic_name(base, prefix), key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw"
            )
            for base in OUTPUT_TOPIC_NAMES
        }

    async def publish(self, outputs: Sequence[OutputEvent]) -> None:
        """Send every output and return once the broker acknowledged all of them."""
        pending = []
        for event in outputs:
            key, value, headers = encode_output(event)
            pending.append(await self.topics[event.topic].send(key=key, value=value, headers=headers))
            METRICS.outputs.labels(type=event.type).inc()
        if pending:
            await asyncio.gather(*pending)
