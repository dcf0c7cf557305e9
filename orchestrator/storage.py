"""The values the service layer exchanges with the ``StateStore`` port (see ``orchestrator/ports.py``).

The store is generic over opaque bytes: it never sees the domain model. The service layer loads a
debtor's state blob with its version, decides in Python, and commits the new blob only if the
version is unchanged (optimistic concurrency). Pure types, no I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum


class SendStatus(StrEnum):
    """Where a pending send is. Once final its record goes: the debtor's ledger and the outputs
    (``message.dispatched``, ``message.failed``, ``message.suppressed``, …) say what became of it."""

    SCHEDULED = "scheduled"
    DISPATCHING = "dispatching"


@dataclass(frozen=True, slots=True)
class SendRef:
    """Names one planned send: the debtor who owns it and its deterministic id."""

    debtor_id: str
    send_id: str


@dataclass(frozen=True, slots=True)
class Loaded:
    """A debtor's state as read. ``version`` 0 and ``state`` None: never written.

    ``replay`` is not None when the event being loaded for was already processed: it holds what that
    processing produced, for the caller to re-publish (and re-add with ``restore_due``) idempotently.

    ``pending`` is not None when the read asked for it (``load_for_dispatch``): the ids of the debtor's
    pending sends (scheduled or dispatching), read after the state — so a send the state shows in its
    provider call and ``pending`` leaves out was closed by then.
    """

    version: int
    state: bytes | None
    replay: bytes | None = None
    pending: frozenset[str] | None = None


EventLoad = tuple[str, str] | tuple[str, str, str | None]
"""What ``StateStore.load_many`` reads for one event: (debtor id, event identity[, legacy id]) — the
arguments of ``StateStore.load``."""


@dataclass(frozen=True, slots=True)
class ScheduledSend:
    """A send to create (status ``scheduled``) and to put on its Kafka partition's due set."""

    send_id: str
    partition: int
    due_ms: int
    payload: bytes


@dataclass(frozen=True, slots=True)
class Commit:
    """Everything one processed event changes, written atomically if ``expected_version`` still holds.

    ``index`` names the normalised destinations (E.164 number, lower-case email) that are this debtor's,
    so inbound replies find them; ``unindex`` those that are no longer theirs (others sharing a
    destination keep it). Sends in ``schedule`` that already exist are left alone (re-processing is a
    no-op); sends in ``cancel`` are cancelled only if still ``scheduled``.
    """

    debtor_id: str
    expected_version: int
    state: bytes
    event_id: str
    replay: bytes
    schedule: Sequence[ScheduledSend] = ()
    cancel: Sequence[str] = ()
    index: Collection[str] = ()
    unindex: Collection[str] = ()


@dataclass(frozen=True, slots=True)
class CommitResult:
    """``ok`` False means a version conflict: nothing was written; reload and decide again.

    ``version`` is the version now stored (the new one when ``ok``). ``cancelled`` lists the send ids
    that really were scheduled and are now cancelled.
    """

    ok: bool
    version: int
    cancelled: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SendRecord:
    """The durable truth about one pending send (there is none once it is final)."""

    debtor_id: str
    send_id: str
    status: SendStatus
    partition: int
    due_ms: int
    attempts: int
    payload: bytes | None


class BeginOutcome(StrEnum):
    """What ``begin_dispatch`` found."""

    STARTED = "started"
    """The send was ``scheduled``; it is now ``dispatching`` and the new state is written: call the provider."""
    IN_DOUBT = "in_doubt"
    """Already ``dispatching``: an earlier worker stopped mid-call. Record ``outcome_unknown``; never call again."""
    NOT_PENDING = "not_pending"
    """Final (or unknown) send: nothing to do; drop the due entry."""
    CONFLICT = "conflict"
    """The state version moved on: reload, re-check, try again."""


@dataclass(frozen=True, slots=True)
class BeginResult:
    """The outcome of ``begin_dispatch`` and the state version now stored."""

    outcome: BeginOutcome
    version: int


@dataclass(frozen=True, slots=True)
class FinishResult:
    """``recorded``: the send was pending and now carries the final status (False: it was already final).

    ``state_written``: the optional state was written (False: no state given, or a version conflict —
    the send outcome is recorded regardless; fold it into the state with ``update_state``). Asked to
    close the send ``only_if_current``, a version conflict changes nothing: ``recorded`` False, and
    ``version`` (the one stored) differs from the expected one.
    """

    recorded: bool
    state_written: bool
    version: int


class ReleaseOutcome(StrEnum):
    """What ``release_dispatch`` found."""

    RELEASED = "released"
    """The send was ``dispatching`` and the state at the expected version: the send is ``scheduled`` again
    and the state (without the attempt) written, in one step."""
    CONFLICT = "conflict"
    """The state version moved on (an event landed during the provider call): nothing changed, the send is
    still ``dispatching``; reload and decide again."""
    NOT_DISPATCHING = "not_dispatching"
    """The send is not ``dispatching`` (another worker finished or released it): nothing changed."""


@dataclass(frozen=True, slots=True)
class ReleaseResult:
    """The outcome of ``release_dispatch`` and the state version now stored."""

    outcome: ReleaseOutcome
    version: int


class StoreError(Exception):
    """Raised when the state store fails a request; the reason is in the message and ``__cause__``."""


class StoreUnavailable(StoreError):
    """Raised when the state store cannot be reached (connection refused, timeout): retry later."""
