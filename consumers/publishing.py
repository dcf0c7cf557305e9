"""Publishing output events to their topics and waiting until the broker has them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import faust

from orchestrator.codec import encode_output
from orchestrator.outputs import OUTPUT_TOPIC_NAMES, OutputEvent, topic_name
from parley.observability import METRICS


class OutputPublisher:
    """Sends outputs to ``delivery-events``, ``reply-events``, … keyed by debtor id.

    Straight to the app's producer: the records are encoded already, so faust's topic layer (codecs,
    callbacks per message) would only add work to every output."""

    def __init__(self, app: faust.App, prefix: str) -> None:
        self.app = app
        self.topics = {base: topic_name(base, prefix) for base in OUTPUT_TOPIC_NAMES}

    async def publish(self, outputs: Sequence[OutputEvent]) -> None:
        """Send every output and return once the broker acknowledged all of them."""
        producer = self.app.producer
        pending = []
        for event in outputs:
            key, value, headers = encode_output(event)
            pending.append(await producer.send(self.topics[event.topic], key, value, None, None, headers))
            METRICS.outputs.labels(type=event.type).inc()
        if pending:
            await asyncio.gather(*pending)
