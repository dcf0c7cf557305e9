"""A simulated collection campaign: a synthetic portfolio run through the embedded runtime.

The debtors' behaviour model answers through the sandbox channels (deliveries, call outcomes,
replies) and reacts as an upstream system would report it (payments, promises), so the campaign
exercises every path of the worker: planning, compliance, channel and send-time choice, dispatch,
provider feedback and reply handling.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from orchestrator.codec import encode_output
from orchestrator.events import InboundEvent
from orchestrator.outputs import MessageDispatched, OutputEvent
from parley.embedded.behaviour import DemoWorld
from parley.embedded.portfolio import Portfolio
from parley.embedded.session import embedded_session
from parley.embedded.summary import CampaignSummary, summarise


@dataclass
class CampaignRun:
    """What one run produced: the summary, where the outputs are, and the simulated world."""

    summary: CampaignSummary
    outputs_path: Path
    world: DemoWorld
    events_processed: int
    sends_worked: int = 0  # scheduler ticks the runner ran
    round_trips: int = 0  # Redis round trips of the whole run
    outputs_written: int = 0
    provider_events: list[InboundEvent] | None = None  # what the sandbox reported, when asked to keep it
    redis_bytes: int = 0  # Redis memory in use at the end of the run, above the empty server's
    memory_by_kind: dict[str, tuple[int, int]] | None = None  # key kind → (keys, bytes), when asked


def iter_jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open("rb") as lines:
        for line in lines:
            yield json.loads(line)


async def run_campaign(
    portfolio: Portfolio,
    *,
    seed: int,
    start: datetime,
    days: int,
    outputs_path: Path,
    naive_policy: bool = False,
    progress: Callable[[datetime], None] | None = None,
    keep_provider_events: bool = False,
    measure_memory: bool = False,
) -> CampaignRun:
    """Run the portfolio for ``days`` from ``start``; outputs are written as JSONL to ``outputs_path``."""
    world = DemoWorld(portfolio)
    end = start + timedelta(days=days)
    outputs_path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with outputs_path.open("wb") as out:

        def sink(event: OutputEvent) -> None:
            nonlocal written
            written += 1
            out.write(encode_output(event)[1] + b"\n")

        def observer(event: OutputEvent) -> list[InboundEvent]:
            return world.take_follow_ups(event.data.send_id) if isinstance(event.data, MessageDispatched) else []

        async with embedded_session(
            sink, seed=seed, start=start, observer=observer, outcome_model=world, naive_policy=naive_policy
        ) as session:
            if keep_provider_events:
                session.runner.provider_log = []
            for event in portfolio.events:
                session.runner.submit(event)
            await session.runner.run(end, progress)
            processed = session.runner.events_processed
            ticks = session.runner.sends_worked
            round_trips = session.runtime.connection.round_trips.count
            memory = await session.runtime.connection.client.info("memory")
            redis_bytes = int(memory["used_memory"]) - int(memory.get("used_memory_startup", 0))
            by_kind = await session.runtime.store.memory_by_kind() if measure_memory else None
            provider_events = session.runner.provider_log
    summary = summarise(
        iter_jsonl(outputs_path),
        portfolio,
        inputs=world.generated_cloudevents(),
        policy="baseline" if naive_policy else "parley",
        start=start,
        until=end,
    )
    return CampaignRun(
        summary=summary,
        outputs_path=outputs_path,
        world=world,
        events_processed=processed,
        sends_worked=ticks,
        round_trips=round_trips,
        outputs_written=written,
        provider_events=provider_events,
        redis_bytes=redis_bytes,
        memory_by_kind=by_kind,
    )
