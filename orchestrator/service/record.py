"""What the store keeps per debtor: the core's ``DebtorState`` plus the service's own bookkeeping.

Beside the core state:
- the index of pending sends (send id → accounts, and → purpose), which lets a payment, a closure or
  a hold cancel exactly the affected sends inside the same two round trips as any other event (a hold
  that spares some purposes, a promise superseding the earlier promise's reminder, included);
- the sends in their provider call (``in_flight``: accounts and purpose, only while the call lasts), so
  an event landing meanwhile judges them by the same rules: one it would cancel cannot be called back,
  so it is marked (its ``Tombstone``: why, and which event), and if the provider then refuses it
  transiently it is closed as cancelled instead of going back to the schedule (an entry whose send was
  closed by a worker that stopped before writing the record is pruned by the next dispatch to write it);
- the sends that left the schedule lately (``finished``: fingerprints with their day), so a send id
  planned again — an old event delivered again after the de-duplication window — is not scheduled
  twice; written in the same atomic step that takes the send off the schedule;
- dunning pauses (an "already paid" reply pauses reminders for an account while the payment is
  reconciled);
- the inbound events processed lately (``seen``: fingerprints, the de-duplication window), so a
  re-delivered event is recognised from the record it is loaded with, not from a key of its own.

The blob is the core's compact JSON, a newline, and this bookkeeping as JSON (JSON never holds a raw
newline, so the split is unambiguous), deflated with a preset dictionary of record shapes
(``record_dictionary``): the record is most of Redis' memory per debtor, and at ~1.3 KB deflate
alone spends most of its output re-learning the shape. The record written as a send's provider call
begins is left plain: the call's outcome replaces it moments later, and deflating it would cost more
than it saves.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from orchestrator.compact_json import COMPACT_ASCII_JSON
from orchestrator.domain import DebtorState, from_json_bytes, to_json_bytes
from orchestrator.ids import fingerprint
from orchestrator.recent import Recent
from orchestrator.service.record_dictionary import RECORD_DICTIONARY_V1
from orchestrator.service.replay import decompress
from orchestrator.service.sends import PlannedSend

RECORD_V1 = b"r"  # raw deflate, 4 KiB window, preset dictionary v1 (older records: replay.decompress)
_WINDOW_BITS = -12
_PRIMED_V1 = zlib.compressobj(6, zlib.DEFLATED, _WINDOW_BITS, 8, zlib.Z_DEFAULT_STRATEGY, RECORD_DICTIONARY_V1)


def encode_record_blob(blob: bytes) -> bytes:
    """Deflate a record with the current dictionary (a copy of a primed compressor: no re-reading it)."""
    packer = _PRIMED_V1.copy()
    return RECORD_V1 + packer.compress(blob) + packer.flush()


def decode_record_blob(raw: bytes) -> bytes:
    """Inverse of ``encode_record_blob``; also reads records written before it (zlib, or plain JSON)."""
    if raw[:1] == RECORD_V1:
        unpacker = zlib.decompressobj(_WINDOW_BITS, zdict=RECORD_DICTIONARY_V1)
        return unpacker.decompress(raw[1:]) + unpacker.flush()
    return decompress(raw)


@dataclass(frozen=True, slots=True)
class Tombstone:
    """A cancellation that reached a send during its provider call: what ``message.cancelled`` will
    say if the provider never takes the send."""

    reason: str
    cause_event_id: str


@dataclass(frozen=True, slots=True)
class InFlight:
    """A send in its provider call, as the cancellation rules see it (as they see a pending send)."""

    account_ids: tuple[str, ...]
    purpose: str
    tombstone: Tombstone | None = None

    def to_json(self) -> list[object]:
        stone = self.tombstone
        head: list[object] = [list(self.account_ids), self.purpose]
        return head if stone is None else [*head, stone.reason, stone.cause_event_id]

    @classmethod
    def from_json(cls, raw: list[Any]) -> InFlight:
        stone = Tombstone(raw[2], raw[3]) if len(raw) > 2 else None
        return cls(tuple(raw[0]), raw[1], stone)


# The records this process encoded last, by their bytes: a record is read back soon after it is written
# (a due send after its event, a delivery receipt after its send), and decoding the same bytes again
# would give an equal record. Records never change in place, so sharing them is safe.
_RECENT: Recent[bytes, DebtorRecord] = Recent(1024)


@dataclass(frozen=True, slots=True)
class DebtorRecord:
    """A debtor's state, their pending sends and those in their provider call, and their accounts'
    dunning pauses."""

    state: DebtorState
    pending: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # pending send id → its purpose; a send put on the schedule before records kept purposes has none
    purposes: dict[str, str] = field(default_factory=dict)
    paused_until: dict[str, datetime] = field(default_factory=dict)
    seen: dict[str, int] = field(default_factory=dict)  # inbound event identity's fingerprint → time (epoch s)
    finished: dict[str, int] = field(default_factory=dict)  # send id's fingerprint → day it left (epoch days)
    in_flight: dict[str, InFlight] = field(default_factory=dict)  # send id → the send in its provider call

    def to_bytes(self, *, compressed: bool = True) -> bytes:
        """The stored form. ``compressed=False``: plain, for a record replaced moments later (a send's
        while its provider call lasts), where deflating would cost more than the bytes it saves."""
        books: dict[str, object] = {"p": self.pending}  # tuples of account ids: JSON arrays, as lists are
        if self.purposes:
            books["u"] = self.purposes
        if self.paused_until:
            books["z"] = {account: int(until.timestamp()) for account, until in self.paused_until.items()}
        if self.seen:
            books["e"] = self.seen
        if self.finished:
            books["f"] = self.finished
        if self.in_flight:
            books["i"] = {send: flying.to_json() for send, flying in self.in_flight.items()}
        blob = to_json_bytes(self.state) + b"\n" + COMPACT_ASCII_JSON.encode(books).encode()
        raw = encode_record_blob(blob) if compressed else blob
        _RECENT.put(raw, self)
        return raw

    @classmethod
    def from_bytes(cls, raw: bytes) -> DebtorRecord:
        known = _RECENT.get(raw)
        if known is not None:
            return known
        core, _, books_raw = decode_record_blob(raw).rpartition(b"\n")
        books = json.loads(books_raw)
        return cls(
            state=from_json_bytes(core),
            pending={send: tuple(accounts) for send, accounts in books["p"].items()},
            purposes=books.get("u", {}),
            paused_until={account: datetime.fromtimestamp(ts, UTC) for account, ts in books.get("z", {}).items()},
            seen=books.get("e", {}),
            finished=books.get("f", {}),
            in_flight={send: InFlight.from_json(flying) for send, flying in books.get("i", {}).items()},
        )

    def has_seen(self, identity: str, legacy_id: str | None = None) -> bool:
        """True when the inbound event ``identity`` (``InboundEvent.identity``: its source and id) was
        processed within the de-duplication window. A record written before events were told apart by
        source holds the bare id (or its fingerprint) instead: ``legacy_id`` finds those, which leave the
        record within one window."""
        seen = self.seen
        if fingerprint(identity) in seen:
            return True
        return legacy_id is not None and (fingerprint(legacy_id) in seen or legacy_id in seen)

    def seeing(self, identity: str, at: datetime, window: timedelta, state: DebtorState | None = None) -> DebtorRecord:
        """The record (holding ``state`` instead, when given) remembering the event ``identity`` (at ``at``)
        and forgetting those older than ``window`` before the newest it holds."""
        seen = _within_window(self.seen, int(at.timestamp()), int(window.total_seconds()), [fingerprint(identity)])
        return self._with(self.state if state is None else state, seen)

    def with_state(self, state: DebtorState) -> DebtorRecord:
        return self._with(state, self.seen)

    def _with(self, state: DebtorState, seen: dict[str, int]) -> DebtorRecord:
        # The constructor rather than ``dataclasses.replace`` (twice its cost): every event and every send
        # passes here.
        return DebtorRecord(
            state=state,
            pending=self.pending,
            purposes=self.purposes,
            paused_until=self.paused_until,
            seen=seen,
            finished=self.finished,
            in_flight=self.in_flight,
        )

    def adding(self, sends: Iterable[PlannedSend]) -> DebtorRecord:
        """Put sends on the schedule (again: one handed back after a transient failure is not finished)."""
        sends = list(sends)
        if not sends:
            return self
        back = {fingerprint(send.send_id) for send in sends} & self.finished.keys()
        finished = {known: day for known, day in self.finished.items() if known not in back} if back else self.finished
        return replace(
            self,
            pending={**self.pending, **{send.send_id: send.account_ids for send in sends}},
            purposes={**self.purposes, **{send.send_id: send.purpose for send in sends}},
            finished=finished,
        )

    def finishing(self, send_ids: set[str] | frozenset[str], at: datetime, window: timedelta) -> DebtorRecord:
        """Take sends off the schedule for good (cancelled, suppressed, or handed to the provider) and
        remember them for ``window`` counted back from the newest, so they are never planned again."""
        day = int(at.timestamp()) // 86_400
        finished = _within_window(self.finished, day, window.days, [fingerprint(send) for send in send_ids])
        pending = {send: accts for send, accts in self.pending.items() if send not in send_ids}
        purposes = {send: purpose for send, purpose in self.purposes.items() if send in pending}
        return replace(self, pending=pending, purposes=purposes, finished=finished)

    def planned_before(self, send_id: str) -> bool:
        """True when ``send_id`` left the schedule within the window (``finishing``)."""
        return fingerprint(send_id) in self.finished

    def pausing(self, account_id: str, until: datetime) -> DebtorRecord:
        return replace(self, paused_until={**self.paused_until, account_id: until})

    def paused(self, account_id: str, now: datetime) -> bool:
        until = self.paused_until.get(account_id)
        return until is not None and now < until

    def launching(self, send: PlannedSend) -> DebtorRecord:
        """The record knowing ``send`` is in its provider call (written with the attempt, as it begins)."""
        return replace(self, in_flight={**self.in_flight, send.send_id: InFlight(send.account_ids, send.purpose)})

    def landing(self, send_id: str) -> DebtorRecord:
        """The record without ``send_id`` in flight (its provider call is over, whatever came of it)."""
        if send_id not in self.in_flight:
            return self
        return replace(self, in_flight={send: flying for send, flying in self.in_flight.items() if send != send_id})

    def pruning_in_flight(self, pending: Collection[str]) -> DebtorRecord:
        """The record without the sends in flight that are not among ``pending`` (the debtor's scheduled
        and dispatching send ids, read after the record): their send was closed, and the worker stopped
        (or met too many version conflicts) before the record said so (``landing``)."""
        if all(send in pending for send in self.in_flight):
            return self
        return replace(self, in_flight={send: flying for send, flying in self.in_flight.items() if send in pending})

    def cancelling_in_flight(self, reasons: Mapping[str, str], cause_event_id: str) -> DebtorRecord:
        """The record with a tombstone on each send in flight in ``reasons`` (send id → why), unless a
        cancellation reached it first."""
        stones = {
            send: replace(flying, tombstone=Tombstone(reasons[send], cause_event_id))
            for send, flying in self.in_flight.items()
            if send in reasons and flying.tombstone is None
        }
        return replace(self, in_flight={**self.in_flight, **stones}) if stones else self

    def tombstone(self, send_id: str) -> Tombstone | None:
        """The cancellation that reached ``send_id`` during its provider call, if one did."""
        flying = self.in_flight.get(send_id)
        return flying.tombstone if flying else None

    def sends_for(self, account_id: str | None) -> list[str]:
        """The sends a cancellation of ``account_id`` (of every account when None) reaches: the pending
        ones, then those in their provider call that no cancellation has reached yet."""
        pending = [send for send, accounts in self.pending.items() if account_id is None or account_id in accounts]
        return pending + [
            send
            for send, flying in self.in_flight.items()
            if flying.tombstone is None and (account_id is None or account_id in flying.account_ids)
        ]

    def purpose_of(self, send_id: str) -> str | None:
        """The purpose of a pending send or of one in flight (None: a send put on the schedule before
        records kept purposes)."""
        flying = self.in_flight.get(send_id)
        return flying.purpose if flying else self.purposes.get(send_id)


def _within_window(stamped: dict[str, int], stamp: int, span: int, new: list[str]) -> dict[str, int]:
    """The entries no more than ``span`` older than the newest stamp (``stamp`` included), and ``new``
    stamped ``stamp``."""
    horizon = max([stamp, *stamped.values()]) - span
    kept = {key: at for key, at in stamped.items() if at >= horizon}
    kept.update((key, stamp) for key in new)
    return kept
