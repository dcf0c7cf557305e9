"""Compact JSON for a DebtorState: the opaque blob the Redis store keeps, one per debtor.

Positional arrays instead of objects, epoch seconds instead of ISO strings, and ledger destinations
and account ids written as indexes into the profile and the accounts keep a debtor near the 1 KiB
target. Decoding gives back an equal state (``==``): instants are
exact (a datetime with microseconds is written as ISO text rather than losing them).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

from pydantic_core import to_json

from orchestrator.compact_json import COMPACT_JSON
from orchestrator.domain.model import (
    AccountState,
    Attempt,
    Conversation,
    DebtorState,
    Hold,
    InboundContact,
    OptOutRecord,
    Promise,
    ResponseStat,
)
from orchestrator.events import DEFAULT_CURRENCY, STORED_PROFILE, DebtorProfile
from orchestrator.recent import Recent

FORMAT_VERSION = 1


class StateDecodeError(ValueError):
    """Raised when a stored blob is not a DebtorState this version can read (with the reason)."""


def _ts(moment: datetime) -> int | str:
    if moment.microsecond:
        return moment.astimezone(UTC).isoformat()
    return int(moment.timestamp())


def _dt(raw: int | str) -> datetime:
    if isinstance(raw, int):
        return datetime.fromtimestamp(raw, UTC)
    return datetime.fromisoformat(raw).astimezone(UTC)


def _opt_ts(moment: datetime | None) -> int | str | None:
    return None if moment is None else _ts(moment)


def _opt_dt(raw: int | str | None) -> datetime | None:
    return None if raw is None else _dt(raw)


class _Refs:
    """Ledger destinations and account ids written as small indexes into the profile and accounts."""

    def __init__(self, profile: DebtorProfile, accounts: tuple[AccountState, ...]) -> None:
        self.destinations = [p.number for p in profile.phones] + [e.address for e in profile.emails]
        self.accounts = [a.id for a in accounts]

    def indexes(self) -> tuple[dict[str, int], dict[str, int]]:
        """Destination → its index, account id → its index."""
        return _first_indexes(self.destinations), _first_indexes(self.accounts)

    def destination_of(self, raw: int | str) -> str:
        return self.destinations[raw] if isinstance(raw, int) else raw

    def account_of(self, raw: int | str) -> str:
        return self.accounts[raw] if isinstance(raw, int) else raw


def _first_indexes(values: list[str]) -> dict[str, int]:
    """Each value → the index where it first appears."""
    indexes: dict[str, int] = {}
    for index, value in enumerate(values):
        indexes.setdefault(value, index)
    return indexes


# The head of the JSON (``{"v":…,"p":{profile}``) of the profiles encoded last, by identity: a profile
# changes only when an account event re-states it, while the record around it is re-encoded on every
# send and status. Profiles are immutable models, and each entry keeps its profile alive, so an id is
# never reused while cached.
_PROFILES: Recent[int, tuple[DebtorProfile, bytes]] = Recent(1024)


def _profile_head(profile: DebtorProfile) -> bytes:
    known = _PROFILES.get(id(profile))
    if known is not None and known[0] is profile:
        return known[1]
    text = COMPACT_JSON.encode(profile.model_dump(mode="json", exclude_defaults=True, by_alias=True))
    head = f'{{"v":{FORMAT_VERSION},"p":{text}'.encode()
    _PROFILES.put(id(profile), (profile, head))
    return head


def _encode(state: DebtorState) -> dict[str, Any]:
    """Everything but the version and the profile (``to_json_bytes`` writes those first): only strings,
    integers, None and lists of them (see ``to_json_bytes``)."""
    blob: dict[str, Any] = {}
    if state.accounts:
        blob["a"] = [
            [
                a.id,
                a.creditor,
                str(a.balance),
                a.status,
                [str(a.promise.amount), a.promise.due.isoformat()] if a.promise else None,
                _opt_ts(a.first_contact_at),
                *((a.currency,) if a.currency != DEFAULT_CURRENCY else ()),  # only another currency: blobs stay small
            ]
            for a in state.accounts
        ]
    if state.holds:
        blob["h"] = [[h.account_id, h.reason, _ts(h.placed_at)] for h in state.holds]
    if state.opt_outs:
        blob["o"] = [[o.channel, o.destination, _ts(o.at)] for o in state.opt_outs]
    if state.bad_destinations:
        blob["b"] = sorted(state.bad_destinations)
    if state.ledger or state.conversations:
        destinations, accounts = _Refs(state.profile, state.accounts).indexes()
        destination, account = destinations.get, accounts.get
        if state.ledger:
            blob["l"] = [
                [
                    a.id,
                    a.channel,
                    destination(a.destination, a.destination),
                    [account(x, x) for x in a.account_ids],
                    _ts(a.at),
                    a.outcome,
                    a.purpose,
                    a.provider_message_id,
                    int(a.responded),
                    *((a.answered_by,) if a.answered_by else ()),  # only calls with an AMD result: blobs stay small
                ]
                for a in state.ledger
            ]
        if state.conversations:
            blob["c"] = [[_ts(c.at), [account(x, x) for x in c.account_ids]] for c in state.conversations]
    if state.inbound:
        blob["i"] = [[i.channel, i.source, _ts(i.at)] for i in state.inbound]
    if state.responses:
        blob["r"] = [[r.channel, r.band, r.successes, r.trials] for r in state.responses]
    return blob


def to_json_bytes(state: DebtorState) -> bytes:
    """Serialise a state to compact, deterministic JSON bytes: ``{"v":…,"p":{profile},…the rest}``.

    The rest is written by pydantic's JSON writer, three times as fast as ``json.dumps``. For what
    ``_encode`` gives (strings, integers, None, lists; objects with string keys) both write the same
    bytes as ``json.dumps(rest, separators=(",", ":"), ensure_ascii=False)``: the same escapes (quote,
    backslash, the short forms and lowercase ``u00xx`` for control characters), every other character
    as UTF-8 (tests/unit/codec/test_codec_fast_paths.py). They differ on floats, which a state never holds.
    """
    rest = _encode(state)
    head = _profile_head(state.profile)
    if not rest:
        return head + b"}"
    return head + b"," + to_json(rest)[1:]


def from_json_bytes(blob: bytes) -> DebtorState:
    """Read a state written by ``to_json_bytes``; raises StateDecodeError with the reason."""
    try:
        raw = json.loads(blob)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StateDecodeError(f"not JSON: {error}") from error
    if not isinstance(raw, dict) or raw.get("v") != FORMAT_VERSION:
        raise StateDecodeError(f"unsupported state format {raw.get('v') if isinstance(raw, dict) else raw!r}")
    try:
        return _decode(raw)
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise StateDecodeError(f"malformed state: {error}") from error


def _decode(raw: dict[str, Any]) -> DebtorState:
    accounts = tuple(
        AccountState(
            id=a[0],
            creditor=a[1],
            balance=Decimal(a[2]),
            status=a[3],
            promise=Promise(Decimal(a[4][0]), date.fromisoformat(a[4][1])) if a[4] else None,
            first_contact_at=_opt_dt(a[5]),
            currency=a[6] if len(a) > 6 else DEFAULT_CURRENCY,
        )
        for a in raw.get("a", ())
    )
    profile = DebtorProfile.model_validate(raw["p"], context={STORED_PROFILE: True})
    refs = _Refs(profile, accounts)
    destination_of, account_of = refs.destination_of, refs.account_of
    return DebtorState(
        profile=profile,
        accounts=accounts,
        holds=tuple(Hold(h[0], h[1], _dt(h[2])) for h in raw.get("h", ())),
        opt_outs=tuple(OptOutRecord(o[0], o[1], _dt(o[2])) for o in raw.get("o", ())),
        bad_destinations=frozenset(cast(list[str], raw.get("b", ()))),
        ledger=tuple(
            [
                Attempt(
                    id=a[0],
                    channel=a[1],
                    destination=destination_of(a[2]),
                    account_ids=tuple([account_of(x) for x in a[3]]),
                    at=_dt(a[4]),
                    outcome=a[5],
                    purpose=a[6],
                    provider_message_id=a[7],
                    responded=bool(a[8]),
                    answered_by=a[9] if len(a) > 9 else None,
                )
                for a in raw.get("l", ())
            ]
        ),
        conversations=tuple(Conversation(_dt(c[0]), tuple([account_of(x) for x in c[1]])) for c in raw.get("c", ())),
        inbound=tuple(InboundContact(i[0], i[1], _dt(i[2])) for i in raw.get("i", ())),
        responses=tuple(ResponseStat(r[0], r[1], r[2], r[3]) for r in raw.get("r", ())),
    )
