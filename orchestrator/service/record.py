"""What the store keeps per debtor: the core's ``DebtorState`` plus the service's own bookkeeping.

Beside the core state: the index of pending sends (send id → accounts), which lets a payment, a
closure or a hold cancel exactly the affected sends inside the same two round trips as any other
event; dunning pauses (an "already paid" reply pauses reminders for an account while the
payment is reconciled); and the ids of the inbound events processed lately (``seen``, the
de-duplication window), so a re-delivered event is recognised from the record it is loaded with
rather than from a key of its own per event. The blob is the core's compact JSON, a newline, and this bookkeeping as
JSON (JSON never holds a raw newline, so the split is unambiguous).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from orchestrator.domain import DebtorState, from_json_bytes, to_json_bytes
from orchestrator.service.replay import compress, decompress


class _RecentRecords:
    """The records this process encoded last, by their bytes: a record is read back soon after it is
    written (a due send after its event, a delivery receipt after its send), and decoding the same
    bytes again would give an equal record. Records never change in place, so sharing them is safe."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._records: dict[bytes, DebtorRecord] = {}

    def remember(self, raw: bytes, record: DebtorRecord) -> None:
        self._records[raw] = record
        if len(self._records) > self.size:
            del self._records[next(iter(self._records))]  # the oldest

    def get(self, raw: bytes) -> DebtorRecord | None:
        return self._records.get(raw)


_RECENT = _RecentRecords(1024)


@dataclass(frozen=True, slots=True)
class DebtorRecord:
    """A debtor's state, their pending sends, and their accounts' dunning pauses."""

    state: DebtorState
    pending: dict[str, tuple[str, ...]] = field(default_factory=dict)
    paused_until: dict[str, datetime] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # inbound event id → its time (epoch seconds)

    def to_bytes(self) -> bytes:
        books: dict[str, object] = {"p": {send: list(accounts) for send, accounts in self.pending.items()}}
        if self.paused_until:
            books["z"] = {account: int(until.timestamp()) for account, until in self.paused_until.items()}
        if self.seen:
            books["e"] = self.seen
        raw = compress(to_json_bytes(self.state) + b"\n" + json.dumps(books, separators=(",", ":")).encode())
        _RECENT.remember(raw, self)
        return raw

    @classmethod
    def from_bytes(cls, raw: bytes) -> DebtorRecord:
        known = _RECENT.get(raw)
        if known is not None:
            return known
        core, _, books_raw = decompress(raw).rpartition(b"\n")
        books = json.loads(books_raw)
        return cls(
            state=from_json_bytes(core),
            pending={send: tuple(accounts) for send, accounts in books["p"].items()},
            paused_until={account: datetime.fromtimestamp(ts, UTC) for account, ts in books.get("z", {}).items()},
            seen=books.get("e", {}),
        )

    def has_seen(self, event_id: str) -> bool:
        """True when the inbound event ``event_id`` was processed within the de-duplication window."""
        return event_id in self.seen

    def seeing(self, event_id: str, at: datetime, window: timedelta) -> DebtorRecord:
        """The record remembering ``event_id`` (at ``at``) and forgetting ids older than ``window`` before
        the newest it holds."""
        stamp = int(at.timestamp())
        horizon = max([stamp, *self.seen.values()]) - int(window.total_seconds())
        kept = {known: ts for known, ts in self.seen.items() if ts >= horizon}
        kept[event_id] = stamp
        return replace(self, seen=kept)

    def with_state(self, state: DebtorState) -> DebtorRecord:
        return replace(self, state=state)

    def adding(self, sends: dict[str, tuple[str, ...]]) -> DebtorRecord:
        return replace(self, pending={**self.pending, **sends})

    def without(self, send_ids: set[str] | frozenset[str]) -> DebtorRecord:
        return replace(self, pending={send: accts for send, accts in self.pending.items() if send not in send_ids})

    def pausing(self, account_id: str, until: datetime) -> DebtorRecord:
        return replace(self, paused_until={**self.paused_until, account_id: until})

    def paused(self, account_id: str, now: datetime) -> bool:
        until = self.paused_until.get(account_id)
        return until is not None and now < until

    def sends_for(self, account_id: str | None) -> list[str]:
        """Pending sends about ``account_id`` (every pending send when None)."""
        return [send for send, accounts in self.pending.items() if account_id is None or account_id in accounts]
