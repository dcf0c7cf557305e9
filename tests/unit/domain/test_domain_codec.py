"""The compact state codec: exact round trips, small blobs, readable errors."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from orchestrator.domain import (
    AccountState,
    Attempt,
    Conversation,
    DebtorState,
    Hold,
    InboundContact,
    OptOutRecord,
    Promise,
    ResponseStat,
    StateDecodeError,
    from_json_bytes,
    to_json_bytes,
)
from orchestrator.events import Address, DebtorProfile, Email, Name, Phone

T0 = datetime(2026, 3, 16, 14, tzinfo=UTC)
PHONE = "+16175550123"


def full_state() -> DebtorState:
    profile = DebtorProfile(
        id="d-000123",
        name=Name(first="Maria", last="Garcia"),
        address=Address(line1="12 Main St", city="Boston", state="MA", postal_code="02110"),
        phones=(Phone(number=PHONE, sms_consent=True, call_consent=True),),
        emails=(Email(address="maria@example.com", consent=True),),
    )
    return DebtorState(
        profile=profile,
        accounts=(
            AccountState("acc-1", "Acme", Decimal("1234.56"), "open", Promise(Decimal("50.00"), date(2026, 3, 20)), T0),
            AccountState("acc-2", "Beta", Decimal("0"), "paid"),
        ),
        holds=(Hold(None, "dispute", T0),),
        opt_outs=(OptOutRecord("email", None, T0),),
        bad_destinations=frozenset({"+15555550100"}),
        ledger=(
            Attempt("s1", "sms", PHONE, ("acc-1",), T0, "delivered", "reminder", "SM1", True),
            Attempt("s2", "voice", "+19995550000", ("acc-1", "acc-9"), T0 + timedelta(microseconds=7), "placed"),
        ),
        conversations=(Conversation(T0, ("acc-1", "acc-2")),),
        inbound=(InboundContact("sms", PHONE, T0),),
        responses=(ResponseStat("sms", "evening", 1, 3),),
    )


def test_a_state_round_trips_exactly_including_microseconds_and_unknown_references() -> None:
    state = full_state()
    assert from_json_bytes(to_json_bytes(state)) == state


def test_a_debtor_with_ten_days_of_weekly_cadence_fits_in_one_kibibyte() -> None:
    state = full_state()
    ledger = tuple(
        Attempt(
            f"{i:024x}",
            "sms" if i % 2 else "email",
            PHONE if i % 2 else "maria@example.com",
            ("acc-1",),
            T0 + timedelta(days=2 * i),
            "delivered",
            "reminder",
            f"SM{i:032x}",
        )
        for i in range(4)
    )
    blob = to_json_bytes(replace(state, ledger=ledger, holds=(), conversations=(), inbound=()))
    assert len(blob) <= 1024, len(blob)


def test_references_are_written_as_indexes() -> None:
    blob = to_json_bytes(full_state())
    assert blob.count(PHONE.encode()) == 2  # the profile and the inbound record, not the ledger


def test_a_corrupt_blob_says_why() -> None:
    with pytest.raises(StateDecodeError, match="not JSON"):
        from_json_bytes(b"\x00garbage")
    with pytest.raises(StateDecodeError, match="unsupported state format"):
        from_json_bytes(b'{"v": 99}')
    with pytest.raises(StateDecodeError, match="malformed"):
        from_json_bytes(b'{"v": 1}')


def test_a_stored_profile_with_a_number_from_before_numbers_were_checked_still_reads() -> None:
    """Intake now rejects such a number; a record written earlier must not become unreadable (its STOP
    could not be recorded), and a national number in it reads as E.164."""
    blob = to_json_bytes(full_state()).replace(PHONE.encode(), b"(617) 555-0123", 1)
    assert from_json_bytes(blob).profile.phones[0].number == PHONE
    legacy = to_json_bytes(full_state()).replace(PHONE.encode(), b"ext. 12", 1)
    assert from_json_bytes(legacy).profile.phones[0].number == "ext. 12"


def test_a_stored_profile_with_a_zone_from_before_zones_were_checked_still_reads() -> None:
    misspelt = full_state().profile.model_copy(update={"timezone": "Mars/Base"})
    blob = to_json_bytes(replace(full_state(), profile=misspelt))
    assert from_json_bytes(blob).profile.timezone == "Mars/Base"  # inference ignores it, as before


def test_a_calls_amd_answer_round_trips_and_attempts_without_one_are_written_as_before() -> None:
    state = full_state()
    before = to_json_bytes(state)
    call = replace(state.ledger[1], outcome="machine", answered_by="machine_end_beep")
    answered = replace(state, ledger=(state.ledger[0], call))
    assert from_json_bytes(to_json_bytes(answered)).ledger[1].answered_by == "machine_end_beep"
    assert from_json_bytes(to_json_bytes(answered)) == answered
    assert b"machine_end_beep" not in before and from_json_bytes(before) == state  # older blobs still read


def test_an_account_s_currency_round_trips_and_the_default_is_not_written() -> None:
    state = full_state()
    usd = to_json_bytes(state)
    assert b"USD" not in usd  # the default costs nothing per account
    euro = replace(
        state, accounts=(replace(state.accounts[0], currency="EUR"), replace(state.accounts[1], currency="GBP"))
    )
    blob = to_json_bytes(euro)
    assert b'"EUR"' in blob and b'"GBP"' in blob
    assert from_json_bytes(blob) == euro
    assert [a.currency for a in from_json_bytes(blob).accounts] == ["EUR", "GBP"]


def test_a_state_written_before_accounts_had_a_currency_reads_as_usd() -> None:
    old = (
        b'{"v":1,"p":{"id":"d-1","name":{"first":"Ana"}},'
        b'"a":[["acc-1","Acme","90.00","open",null,null],["acc-2","Beta","5","paid",null,1773669600]]}'
    )
    accounts = from_json_bytes(old).accounts
    assert [(a.id, a.currency) for a in accounts] == [("acc-1", "USD"), ("acc-2", "USD")]
    assert accounts[1].first_contact_at == T0
