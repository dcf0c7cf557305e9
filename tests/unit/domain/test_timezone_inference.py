"""Candidate and primary zones from the stated zone, the bundled ZIP table and phone prefixes."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from orchestrator.events import Address, DebtorProfile, Name, Phone
from orchestrator.timezones import phone_zones, postal_zones, zones_for_profile


def _profile(postal: str | None = None, phones: tuple[str, ...] = (), timezone: str | None = None) -> DebtorProfile:
    return DebtorProfile(
        id="d",
        name=Name(first="x"),
        timezone=timezone,
        address=Address(postal_code=postal) if postal else None,
        phones=tuple(Phone(number=n) for n in phones),
    )


def test_the_zip_table_covers_the_states_with_unusual_zones() -> None:
    assert postal_zones("10001") == ("America/New_York",)
    assert postal_zones("85004") == ("America/Phoenix",)
    assert postal_zones("96813") == ("Pacific/Honolulu",)
    assert postal_zones("99501") == ("America/Anchorage",)
    assert postal_zones("32501") == ("America/Chicago",)
    assert postal_zones("02110-1234") == ("America/New_York",)


def test_an_unlisted_zip_in_a_split_prefix_gets_every_zone_of_the_prefix() -> None:
    zones = postal_zones("32499")  # prefix 324 spans Central and Eastern
    assert set(zones) >= {"America/Chicago", "America/New_York"}


def test_garbage_or_foreign_postal_codes_have_no_zone() -> None:
    assert postal_zones("ABCDE") == ()
    assert postal_zones("10001", country="CA") == ()


def test_non_geographic_numbers_say_nothing_about_location() -> None:
    assert phone_zones("+18005550123") == ()
    assert phone_zones("not a number") == ()
    assert phone_zones("+12083200000") == ("America/Boise", "America/Los_Angeles")


def test_primary_zone_is_stated_then_postal_then_first_phone() -> None:
    stated = zones_for_profile(_profile("10001", ("+14155550123",), "America/Denver"))
    assert (stated.candidates, stated.primary, stated.source) == (("America/Denver",), "America/Denver", "stated")
    postal = zones_for_profile(_profile("10001", ("+14155550123",)))
    assert postal.candidates == ("America/New_York", "America/Los_Angeles") and postal.primary == "America/New_York"
    phone = zones_for_profile(_profile(None, ("+14155550123", "+12125550123")))
    assert phone.primary == "America/Los_Angeles" and phone.source == "phone"


def test_an_invalid_stated_zone_is_refused_on_intake_and_ignored_in_a_record_stored_before() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        _profile("10001", timezone="Mars/Olympus")
    stored = _profile("10001").model_copy(update={"timezone": "Mars/Olympus"})
    assert zones_for_profile(stored).source == "postal"
