"""Random event sequences and proposals: whatever the engine allows never breaks the law's invariants.

The invariants are checked by independent bookkeeping in this test (its own zone table, call
counts, conversation days, opt-outs and holds), never by asking the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.compliance import ProposedContact, allows, decide, next_slot
from orchestrator.domain import Attempt, DebtorState
from orchestrator.domain.transitions import apply_event, record_attempt, record_provider_id
from orchestrator.events import INBOUND_EVENT_TYPES, InboundEvent

START = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)
ZIPS = {
    "10001": "America/New_York",
    "98101": "America/Los_Angeles",
    "85004": "America/Phoenix",
    "02110": "America/New_York",
}
STATE_OF_ZIP = {"10001": "NY", "98101": "WA", "85004": "AZ", "02110": "MA"}
PHONES = {"+12125550123": "America/New_York", "+14155550123": "America/Los_Angeles", "+13035550123": "America/Denver"}
EMAIL = "debtor@example.com"
ACCOUNTS = ("A", "B")
REASONS = ("cease", "dispute", "attorney", "bankruptcy", "deceased", "other")


@dataclass
class Book:
    """The test's own record of what happened, kept apart from the engine's state."""

    zones: tuple[str, ...]
    primary: str
    holds: set[tuple[str | None, str]] = field(default_factory=set)
    sms_opted_out: set[str] = field(default_factory=set)
    conversations: list[tuple[datetime, tuple[str, ...]]] = field(default_factory=list)
    calls: dict[str, tuple[datetime, tuple[str, ...], bool]] = field(default_factory=dict)  # id -> (at, accts, counted)
    settled: set[str] = field(default_factory=set)  # calls that already had their final status

    def day(self, moment: datetime) -> date:
        return moment.astimezone(ZoneInfo(self.primary)).date()


def _event(kind: str, data: dict[str, Any], at: datetime, n: int) -> InboundEvent:
    model = INBOUND_EVENT_TYPES[kind].model_validate(data)
    return InboundEvent(id=f"e{n}", type=kind, source="t", subject="d", time=at, data=model)  # type: ignore[arg-type]


setups = st.fixed_dictionaries(
    {
        "zip": st.sampled_from(sorted(ZIPS)),
        "phones": st.lists(st.sampled_from(sorted(PHONES)), min_size=1, max_size=2, unique=True),
        "stated": st.sampled_from([None, None, None, "Pacific/Honolulu", "America/Chicago"]),
    }
)
proposals = st.tuples(
    st.just("propose"),
    st.sampled_from(["voice", "voice", "sms", "email"]),
    st.sampled_from([("A",), ("B",), ("A", "B")]),
    st.sampled_from(["reminder", "reminder", "validation_notice"]),
    st.booleans(),
)
steps = st.one_of(
    proposals,
    proposals,
    proposals,
    proposals,
    st.tuples(st.just("hold"), st.sampled_from([None, "A", "B"]), st.sampled_from(REASONS)),
    st.tuples(st.just("release"), st.sampled_from([None, "A", "B"]), st.sampled_from(REASONS)),
    st.tuples(st.just("conversation"), st.sampled_from([("A",), ("B",), ("A", "B")])),
    st.tuples(st.just("inbound"), st.sampled_from(["STOP", "START", "hello"])),
    st.tuples(st.just("status"), st.sampled_from(["busy", "human45", "no-answer", "failed", "machine"])),
)
gaps = st.one_of(st.integers(0, 240), st.integers(0, 3 * 24 * 60))


def _setup(setup: dict[str, Any]) -> tuple[DebtorState, Book]:
    phones = [{"number": n, "sms_consent": True, "call_consent": True} for n in setup["phones"]]
    profile = {
        "id": "d",
        "name": {"first": "T"},
        "timezone": setup["stated"],
        "address": {"state": STATE_OF_ZIP[setup["zip"]], "postal_code": setup["zip"]},
        "phones": phones,
        "emails": [{"address": EMAIL, "consent": True}],
    }
    state: DebtorState | None = None
    for n, account in enumerate(ACCOUNTS):
        data = {"debtor": profile, "account": {"id": account, "creditor": "c", "balance": "10"}}
        state = apply_event(state, _event("account.placed", data, START, n))
    assert state is not None
    if setup["stated"]:
        zones: tuple[str, ...] = (setup["stated"],)
    else:
        zones = tuple(dict.fromkeys([ZIPS[setup["zip"]], *(PHONES[p] for p in setup["phones"])]))
    return state, Book(zones=zones, primary=zones[0])


def _check_allowed(book: Book, contact: ProposedContact, at: datetime) -> None:
    for name in book.zones:
        clock = at.astimezone(ZoneInfo(name)).time()
        assert time(8) <= clock < time(21), f"{at} is {clock} in {name}"
    for reason_account, reason in book.holds:
        if reason_account is None or reason_account in contact.account_ids:
            assert reason == "dispute" and contact.purpose == "validation_notice", f"contact under {reason} hold"
    if contact.channel == "sms":
        assert contact.destination not in book.sms_opted_out, "text to an opted-out number"
    if contact.channel != "voice":
        return
    today = book.day(at)
    for account in contact.account_ids:
        counted = [
            c
            for c in book.calls.values()
            if c[2] and account in c[1] and today - timedelta(days=6) <= book.day(c[0]) <= today
        ]
        assert len(counted) + 1 <= 7, f"an 8th counted call about {account} in 7 days"
        for when, accounts in book.conversations:
            if account in accounts:
                assert not (book.day(when) <= today <= book.day(when) + timedelta(days=6)), (
                    "call within 7 days of a conversation"
                )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(setup=setups, script=st.lists(st.tuples(gaps, steps), min_size=5, max_size=60))
def test_nothing_the_engine_allows_breaks_an_invariant(
    setup: dict[str, Any], script: list[tuple[int, tuple[Any, ...]]]
) -> None:
    state, book = _setup(setup)
    now = START
    for n, (gap, step) in enumerate(script, start=10):
        now += timedelta(minutes=gap)
        kind = step[0]
        if kind == "propose":
            _, channel, accounts, purpose, use_slot = step
            destination = EMAIL if channel == "email" else setup["phones"][0]
            contact = ProposedContact(channel, destination, accounts, purpose)
            if use_slot:
                slot = next_slot(state, contact, now)
                if slot is None:
                    continue
                assert decide(state, contact, slot, find_next=False).allowed
                now = slot
            verdict = decide(state, contact, now, find_next=False)
            assert allows(state, contact, now) == verdict.allowed  # the dispatch's re-check at its start
            if not verdict.allowed:
                continue
            _check_allowed(book, contact, now)
            attempt_id = f"a{n}"
            outcome = "placed" if channel == "voice" else "sent"
            state = record_attempt(state, Attempt(attempt_id, channel, destination, accounts, now, outcome, purpose))
            state = record_provider_id(state, attempt_id, f"P{attempt_id}")
            if channel == "voice":
                book.calls[attempt_id] = (now, accounts, True)
        elif kind in ("hold", "release"):
            _, account, reason = step
            state = apply_event(
                state,
                _event(
                    f"hold.{'placed' if kind == 'hold' else 'released'}",
                    {"account_id": account, "reason": reason},
                    now,
                    n,
                ),
            )
            (book.holds.add if kind == "hold" else book.holds.discard)((account, reason))
        elif kind == "conversation":
            state = apply_event(state, _event("conversation.logged", {"account_ids": list(step[1]), "at": now}, now, n))
            book.conversations.append((now, step[1]))
        elif kind == "inbound":
            number = setup["phones"][0]
            state = apply_event(
                state,
                _event("provider.inbound", {"channel": "sms", "from": number, "to": "+1800", "text": step[1]}, now, n),
            )
            if step[1] == "STOP":
                book.sms_opted_out.add(number)
            elif step[1] == "START":
                book.sms_opted_out.discard(number)
        elif kind == "status" and set(book.calls) - book.settled:
            attempt_id = max(set(book.calls) - book.settled, key=lambda i: book.calls[i][0])
            book.settled.add(attempt_id)
            at, accounts, _ = book.calls[attempt_id]
            status: dict[str, Any] = {"channel": "voice", "provider_message_id": f"P{attempt_id}"}
            status |= {
                "busy": {"status": "busy"},
                "human45": {"status": "completed", "answered_by": "human", "duration_s": 45},
                "no-answer": {"status": "no-answer"},
                "failed": {"status": "failed"},
                "machine": {"status": "completed", "answered_by": "machine_start", "duration_s": 20},
            }[step[1]]
            state = apply_event(state, _event("provider.status", status, now, n))
            if now - at < timedelta(days=10):  # the engine's ledger still holds it
                book.calls[attempt_id] = (at, accounts, step[1] not in ("busy", "failed"))
                if step[1] == "human45":
                    book.conversations.append((at, accounts))


call_plans = st.lists(
    st.tuples(
        st.sampled_from([("A",), ("B",), ("A", "B")]),
        st.sampled_from(["placed", "placed", "not_connected", "conversation"]),
        st.integers(0, 90),
    ),
    min_size=20,
    max_size=60,
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(setup=setups, plan=call_plans)
def test_calling_at_every_next_slot_never_exceeds_the_call_limits(
    setup: dict[str, Any], plan: list[tuple[tuple[str, ...], str, int]]
) -> None:
    state, book = _setup(setup)
    now = START
    number = setup["phones"][0]
    for n, (accounts, outcome, gap) in enumerate(plan):
        contact = ProposedContact("voice", number, accounts)
        slot = next_slot(state, contact, now + timedelta(minutes=gap))
        assert slot is not None
        assert decide(state, contact, slot, find_next=False).allowed
        _check_allowed(book, contact, slot)
        state = record_attempt(state, Attempt(f"c{n}", "voice", number, accounts, slot, "placed"))
        state = record_provider_id(state, f"c{n}", f"Pc{n}")
        status = {"placed": "no-answer", "not_connected": "busy", "conversation": "completed"}[outcome]
        data: dict[str, Any] = {"channel": "voice", "provider_message_id": f"Pc{n}", "status": status}
        if outcome == "conversation":
            data |= {"answered_by": "human", "duration_s": 60}
            book.conversations.append((slot, accounts))
        state = apply_event(state, _event("provider.status", data, slot + timedelta(minutes=1), n))
        book.calls[f"c{n}"] = (slot, accounts, outcome != "not_connected")
        now = slot
