"""Candidate zones for a debtor (COMPLIANCE.md item 1 and §5).

A consumer-stated zone overrides everything. Otherwise every zone the postal code or any phone
number could be in is a candidate, because the law asks for hours that are convenient in *every*
possible location. The primary zone (stated, else postal, else first phone) fixes the calendar used
for day-based counts (7-in-7, quiet days of the week), a choice COMPLIANCE.md leaves to Parley.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import phonenumbers
from phonenumbers import timezone as phone_timezone

from orchestrator.events import DebtorProfile
from orchestrator.timezones.windows import zone

# A number that maps to more zones than this is non-geographic (toll-free, some VoIP ranges): it
# says nothing about where the person is, and intersecting its dozens of zones would block always.
NON_GEOGRAPHIC_ZONE_COUNT = 4
UNKNOWN_ZONE = "Etc/Unknown"
# Where an unlocatable debtor may be: the contiguous US, so only 11:00–21:00 Eastern is allowed.
DEFAULT_FALLBACK_ZONES: tuple[str, ...] = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
)


@dataclass(frozen=True, slots=True)
class ZoneSet:
    """The zones a debtor may be in, the one whose calendar counts days, and where each came from."""

    candidates: tuple[str, ...]
    primary: str
    source: str  # "stated" | "postal" | "phone" | "fallback"


@lru_cache(maxsize=1)
def _zip_table() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The bundled ZIP table as (5-digit → zones, 3-digit prefix → zones), loaded once."""
    text = resources.files("orchestrator.timezones").joinpath("zip_zones.csv").read_text(encoding="ascii")
    by_zip: dict[str, tuple[str, ...]] = {}
    by_prefix: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, zones = line.split(",", 1)
        (by_zip if len(key) == 5 else by_prefix)[key] = tuple(zones.split("|"))
    return by_zip, by_prefix


def postal_zones(postal_code: str, country: str = "US") -> tuple[str, ...]:
    """Zones of a US ZIP (ZIP+4 accepted); empty when unknown or not a US code."""
    if country.upper() not in ("US", "USA", ""):
        return ()
    digits = postal_code.strip()[:5]
    if len(digits) != 5 or not digits.isdigit():
        return ()
    by_zip, by_prefix = _zip_table()
    return by_zip.get(digits) or by_prefix.get(digits[:3], ())


@lru_cache(maxsize=65_536)
def phone_zones(number: str) -> tuple[str, ...]:
    """Zones a phone number's prefix may be in; empty if unparseable or non-geographic."""
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return ()
    zones = tuple(z for z in phone_timezone.time_zones_for_number(parsed) if z != UNKNOWN_ZONE)
    if len(zones) > NON_GEOGRAPHIC_ZONE_COUNT:
        return ()
    return zones


def _valid(name: str | None) -> str | None:
    if not name:
        return None
    try:
        zone(name)
    except (ValueError, KeyError):
        return None
    return name


@lru_cache(maxsize=65_536)
def _infer(
    stated: str | None, postal_code: str, country: str, numbers: tuple[str, ...], fallback: tuple[str, ...]
) -> ZoneSet:
    stated_zone = _valid(stated)
    if stated_zone:
        return ZoneSet((stated_zone,), stated_zone, "stated")
    postal = postal_zones(postal_code, country) if postal_code else ()
    candidates: list[str] = list(postal)
    first_phone_zone: str | None = None
    for number in numbers:
        for name in phone_zones(number):
            first_phone_zone = first_phone_zone or name
            if name not in candidates:
                candidates.append(name)
    if postal:
        return ZoneSet(tuple(candidates), postal[0], "postal")
    if first_phone_zone:
        return ZoneSet(tuple(candidates), first_phone_zone, "phone")
    return ZoneSet(fallback, fallback[0], "fallback")


def zones_for_profile(profile: DebtorProfile, fallback: tuple[str, ...] = DEFAULT_FALLBACK_ZONES) -> ZoneSet:
    """Candidate and primary zones of a debtor; ``fallback`` when nothing locates them (cached)."""
    address = profile.address
    return _infer(
        profile.timezone,
        address.postal_code if address else "",
        address.country if address else "US",
        tuple(phone.number for phone in profile.phones),
        fallback,
    )
