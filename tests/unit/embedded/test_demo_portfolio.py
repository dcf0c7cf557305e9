"""The synthetic portfolio is deterministic, realistic and valid against the inbound contract."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import phonenumbers
import pytest
from phonenumbers import timezone as phone_timezone

from orchestrator.events import INBOUND_EVENT_TYPES, AccountPlaced, InboundEvent
from parley.embedded.portfolio import Portfolio, generate_portfolio, home_zone

START = datetime(2026, 3, 2, 13, tzinfo=UTC)


@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    return generate_portfolio(1500, seed=42, start=START)


def test_the_same_seed_gives_identical_events(portfolio: Portfolio) -> None:
    again = generate_portfolio(1500, seed=42, start=START)
    assert again.to_cloudevents() == portfolio.to_cloudevents()


def test_a_different_seed_gives_a_different_portfolio(portfolio: Portfolio) -> None:
    other = generate_portfolio(1500, seed=43, start=START)
    assert [d.name for d in other.debtors] != [d.name for d in portfolio.debtors]
    assert {e["id"] for e in other.to_cloudevents()}.isdisjoint({e["id"] for e in portfolio.to_cloudevents()})


def test_every_account_is_placed_once_and_events_are_in_time_order(portfolio: Portfolio) -> None:
    placed = [e for e in portfolio.events if e.type == "account.placed"]
    assert sorted(e.data.account.id for e in placed if isinstance(e.data, AccountPlaced)) == sorted(
        a.id for owned in portfolio.accounts.values() for a in owned
    )
    assert [e.time for e in portfolio.events] == sorted(e.time for e in portfolio.events)
    assert len({e.id for e in portfolio.events}) == len(portfolio.events)
    assert all((START - e.time).total_seconds() <= 0 for e in portfolio.events)


def test_cloudevents_round_trip_through_the_inbound_contract(portfolio: Portfolio) -> None:
    for raw in portfolio.to_cloudevents()[:300]:
        assert raw["specversion"] == "1.0" and raw["source"] == "parley/demo"
        data = INBOUND_EVENT_TYPES[raw["type"]].model_validate(raw["data"])
        InboundEvent(id=raw["id"], type=raw["type"], source=raw["source"], subject=raw["subject"],
                     time=datetime.fromisoformat(raw["time"]), data=data)  # fmt: skip


def test_phone_numbers_are_valid_fictional_e164_with_known_zones_and_unique(portfolio: Portfolio) -> None:
    numbers = [phone.number for debtor in portfolio.debtors for phone in debtor.phones]
    assert len(numbers) == len(set(numbers))
    for number in numbers:
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed), number
        assert number == phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        assert number[5:8] == "555"
        assert "Etc/Unknown" not in phone_timezone.time_zones_for_number(parsed)


def test_debtors_spread_across_zones_languages_and_states(portfolio: Portfolio) -> None:
    zones = Counter(home_zone(d) for d in portfolio.debtors)
    assert {"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
            "America/Los_Angeles", "Pacific/Honolulu", "America/Anchorage"} <= set(zones)  # fmt: skip
    languages = Counter(d.language for d in portfolio.debtors)
    assert 0.18 < languages["es"] / len(portfolio.debtors) < 0.32
    states = Counter(d.address.state for d in portfolio.debtors if d.address)
    for state in ("MA", "WA"):
        assert 0.015 < states[state] / len(portfolio.debtors) < 0.06
    assert 0.02 < sum(1 for d in portfolio.debtors if d.timezone) / len(portfolio.debtors) < 0.09


def test_some_mobiles_carry_an_area_code_from_another_zone(portfolio: Portfolio) -> None:
    moved = 0
    for debtor in portfolio.debtors:
        mobile = next((p for p in debtor.phones if p.type == "mobile"), None)
        if mobile is not None:
            zones = phone_timezone.time_zones_for_number(phonenumbers.parse(mobile.number))
            moved += home_zone(debtor) not in zones and debtor.timezone is None
    assert 0.02 < moved / len(portfolio.debtors) < 0.15


def test_consents_and_preferences_vary_like_a_real_book(portfolio: Portfolio) -> None:
    mobiles = [p for d in portfolio.debtors for p in d.phones if p.type == "mobile"]
    sms_share = sum(p.sms_consent for p in mobiles) / len(mobiles)
    assert 0.7 < sms_share < 0.95
    emails = [e for d in portfolio.debtors for e in d.emails]
    assert any(e.employer_provided for e in emails) and any(e.consent for e in emails)
    assert any(d.preferences.blocked_channels for d in portfolio.debtors)
    assert any(d.preferences.inconvenient_times for d in portfolio.debtors)
    assert {e.type for e in portfolio.events} >= {"account.placed", "payment.missed", "hold.placed"}


def test_balances_stay_within_the_configured_range(portfolio: Portfolio) -> None:
    balances = [a.balance for owned in portfolio.accounts.values() for a in owned]
    assert min(balances) >= Decimal("150.00") and max(balances) <= Decimal("12000.00")
    counts = Counter(len(owned) for owned in portfolio.accounts.values())
    assert set(counts) == {1, 2, 3}


def test_a_naive_start_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_portfolio(3, seed=1, start=datetime(2026, 3, 2))


@pytest.mark.parametrize("days", [1, 2, 3])
def test_a_campaign_of_three_days_or_less_places_every_account_within_it(days: int) -> None:
    short = generate_portfolio(200, seed=7, start=START, horizon_days=days)
    end = START + timedelta(days=days)
    placed = [e for e in short.events if e.type == "account.placed"]
    assert len(placed) == sum(len(owned) for owned in short.accounts.values())
    assert all(START <= e.time < end for e in placed), max(e.time for e in placed)
    assert max(e.time for e in placed) > end - timedelta(hours=12), "placements spread over the whole window"


def test_a_longer_campaign_places_its_debtors_over_the_first_three_days(portfolio: Portfolio) -> None:
    placed = [e.time - START for e in portfolio.events if e.type == "account.placed"]
    assert min(placed) >= timedelta(0) and max(placed) < timedelta(days=3)
    assert max(placed) > timedelta(days=2, hours=12)
