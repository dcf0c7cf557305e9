"""next_slot against a brute-force minute-by-minute search: it is allowed, and it is the earliest."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.compliance import Policy, ProposedContact, decide, next_slot
from orchestrator.domain import AccountState, Attempt, Conversation, DebtorState, Hold
from orchestrator.events import Address, DebtorProfile, InconvenientTime, Name, Phone, Preferences

BASE = datetime(2026, 3, 5, 0, 0, tzinfo=UTC)
HORIZON = timedelta(hours=36)
POLICY = Policy(search_horizon=HORIZON)
NUMBERS = ("+12125550123", "+14155550123", "+13035550123")
ZIPS = ("10001", "98101", "85004", "02110", "32501")
STATES = {"10001": "NY", "98101": "WA", "85004": "AZ", "02110": "MA", "32501": "FL"}

minutes = st.integers(0, 9 * 24 * 60)


@st.composite
def cases(draw: st.DrawFn) -> tuple[DebtorState, ProposedContact, datetime]:
    postal = draw(st.sampled_from(ZIPS))
    numbers = draw(st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=2, unique=True))
    blocks = ()
    if draw(st.booleans()):
        start = draw(st.integers(8, 19))
        blocks = (InconvenientTime(days=("mon", "wed", "sat"), start=time(start), end=time(start + 2)),)
    profile = DebtorProfile(
        id="d",
        name=Name(first="T"),
        timezone=draw(st.sampled_from([None, None, "Pacific/Honolulu"])),
        address=Address(state=STATES[postal], postal_code=postal),
        phones=tuple(Phone(number=n, sms_consent=True, call_consent=True) for n in numbers),
        preferences=Preferences(inconvenient_times=blocks),
    )
    now = BASE + timedelta(minutes=draw(minutes))
    ledger = tuple(
        Attempt(
            f"a{i}",
            draw(st.sampled_from(["voice", "voice", "sms"])),
            numbers[0],
            draw(st.sampled_from([("A",), ("A", "B")])),
            now - timedelta(minutes=draw(st.integers(1, 7 * 24 * 60))),
            draw(st.sampled_from(["placed", "human", "not_connected", "delivered"])),
        )
        for i in range(draw(st.integers(0, 14)))
    )
    conversations = ()
    if draw(st.integers(0, 3)) == 0:
        conversations = (Conversation(now - timedelta(minutes=draw(st.integers(0, 8 * 24 * 60))), ("A",)),)
    holds = (Hold("B", "dispute", BASE),) if draw(st.integers(0, 4)) == 0 else ()
    state = DebtorState(
        profile=profile,
        accounts=(AccountState("A", "c", Decimal(1)), AccountState("B", "c", Decimal(1))),
        ledger=ledger,
        conversations=conversations,
        holds=holds,
    )
    contact = ProposedContact(
        draw(st.sampled_from(["voice", "sms"])), numbers[0], draw(st.sampled_from([("A",), ("A", "B")]))
    )
    return state, contact, now


def _brute_force(state: DebtorState, contact: ProposedContact, after: datetime) -> datetime | None:
    moment = after
    while moment <= after + HORIZON:
        if decide(state, contact, moment, POLICY, find_next=False).allowed:
            return moment
        moment += timedelta(minutes=1)
    return None


@settings(max_examples=30, deadline=None)
@given(case=cases())
def test_next_slot_is_the_first_allowed_minute_found_by_brute_force(
    case: tuple[DebtorState, ProposedContact, datetime],
) -> None:
    state, contact, after = case
    slot = next_slot(state, contact, after, POLICY)
    expected = _brute_force(state, contact, after)
    assert slot == expected
    if slot is not None:
        assert decide(state, contact, slot, POLICY).allowed


@settings(max_examples=100, deadline=None)
@given(case=cases())
def test_a_blocked_decision_names_the_moment_next_slot_finds(
    case: tuple[DebtorState, ProposedContact, datetime],
) -> None:
    state, contact, after = case
    decision = decide(state, contact, after, POLICY)
    assert decision.next_allowed_at == next_slot(state, contact, after, POLICY)
    if decision.next_allowed_at is not None:
        assert decide(replace(state), contact, decision.next_allowed_at, POLICY).allowed
