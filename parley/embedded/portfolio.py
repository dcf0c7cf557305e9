"""A synthetic collections portfolio for the embedded demo: debtors, accounts and upstream events.

Everything is drawn from one ``random.Random(seed)`` so the same seed gives the same portfolio, event
for event. Phone numbers use the fictional 555 exchange of real area codes: ``phonenumbers`` still
maps them to the area code's zones, and no real person can ever be reached by accident.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from orchestrator.events import (
    Account,
    AccountPlaced,
    Address,
    Channel,
    Contract,
    ConversationLogged,
    DebtorProfile,
    Email,
    HoldPlaced,
    HoldReason,
    InboundEvent,
    InconvenientTime,
    Language,
    Name,
    OptOut,
    PaymentMissed,
    Phone,
    Preferences,
    Weekday,
)
from orchestrator.rfc3339 import format_date_time
from parley.embedded import names

EVENT_SOURCE = "parley/demo"


@dataclass(frozen=True)
class Region:
    """A place debtors live: its state, a real ZIP code, the area codes its phones carry."""

    state: str
    city: str
    postal_code: str
    zone: str
    area_codes: tuple[str, ...]
    weight: float
    spanish_share: float


REGIONS: tuple[Region, ...] = (
    Region("NY", "New York", "10001", "America/New_York", ("212", "917", "646"), 5.0, 0.25),
    Region("NY", "Brooklyn", "11201", "America/New_York", ("718", "347", "917"), 4.0, 0.20),
    Region("MA", "Boston", "02108", "America/New_York", ("617", "857"), 2.0, 0.12),
    Region("MA", "Worcester", "01608", "America/New_York", ("508", "774"), 1.0, 0.10),
    Region("WA", "Seattle", "98101", "America/Los_Angeles", ("206", "425"), 2.0, 0.08),
    Region("WA", "Spokane", "99201", "America/Los_Angeles", ("509",), 1.0, 0.06),
    Region("FL", "Miami", "33101", "America/New_York", ("305", "786"), 4.0, 0.60),
    Region("FL", "Orlando", "32801", "America/New_York", ("407", "321"), 3.0, 0.30),
    Region("FL", "Tampa", "33602", "America/New_York", ("813",), 2.0, 0.20),
    Region("FL", "Pensacola", "32501", "America/Chicago", ("850",), 1.5, 0.05),
    Region("IL", "Chicago", "60601", "America/Chicago", ("312", "773", "872"), 5.0, 0.25),
    Region("TX", "Dallas", "75201", "America/Chicago", ("214", "469", "972"), 4.0, 0.35),
    Region("TX", "Houston", "77002", "America/Chicago", ("713", "832", "281"), 5.0, 0.40),
    Region("TX", "San Antonio", "78205", "America/Chicago", ("210", "726"), 3.0, 0.55),
    Region("TX", "El Paso", "79901", "America/Denver", ("915",), 1.5, 0.70),
    Region("CO", "Denver", "80202", "America/Denver", ("303", "720"), 3.0, 0.20),
    Region("AZ", "Phoenix", "85001", "America/Phoenix", ("602", "480", "623"), 4.0, 0.35),
    Region("AZ", "Tucson", "85701", "America/Phoenix", ("520",), 1.5, 0.35),
    Region("CA", "Los Angeles", "90001", "America/Los_Angeles", ("213", "323", "310"), 7.0, 0.45),
    Region("CA", "San Francisco", "94102", "America/Los_Angeles", ("415", "628"), 3.0, 0.15),
    Region("CA", "San Diego", "92101", "America/Los_Angeles", ("619", "858"), 3.0, 0.30),
    Region("HI", "Honolulu", "96813", "Pacific/Honolulu", ("808",), 1.0, 0.05),
    Region("AK", "Anchorage", "99501", "America/Anchorage", ("907",), 0.7, 0.05),
    Region("ID", "Boise", "83702", "America/Boise", ("208",), 1.0, 0.08),
    Region("OR", "Eugene", "97401", "America/Los_Angeles", ("541",), 1.0, 0.08),
    Region("OR", "Portland", "97201", "America/Los_Angeles", ("503", "971"), 2.0, 0.10),
    Region("GA", "Atlanta", "30303", "America/New_York", ("404", "678", "470"), 4.0, 0.10),
    Region("NV", "Las Vegas", "89101", "America/Los_Angeles", ("702", "725"), 2.5, 0.30),
    Region("TN", "Nashville", "37201", "America/Chicago", ("615", "629"), 2.0, 0.05),
    Region("TN", "Memphis", "38103", "America/Chicago", ("901",), 1.5, 0.04),
    Region("NM", "Albuquerque", "87102", "America/Denver", ("505",), 1.5, 0.45),
    Region("UT", "Salt Lake City", "84101", "America/Denver", ("801", "385"), 1.5, 0.12),
    Region("PA", "Philadelphia", "19103", "America/New_York", ("215", "267"), 4.0, 0.10),
    Region("MI", "Detroit", "48226", "America/Detroit", ("313",), 3.0, 0.06),
    Region("OH", "Columbus", "43215", "America/New_York", ("614",), 3.0, 0.05),
    Region("NC", "Charlotte", "28202", "America/New_York", ("704", "980"), 3.0, 0.10),
    Region("MN", "Minneapolis", "55401", "America/Chicago", ("612",), 2.0, 0.06),
    Region("LA", "New Orleans", "70112", "America/Chicago", ("504",), 1.5, 0.06),
    Region("IN", "Indianapolis", "46204", "America/Indiana/Indianapolis", ("317",), 2.0, 0.06),
)

# Consumer-stated zones: mostly the home zone, sometimes somewhere they are staying.
STATED_ZONES: tuple[str, ...] = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "Pacific/Honolulu",
)
CREDITORS: tuple[str, ...] = (
    "Northwind Bank",
    "Summit Auto Finance",
    "Cascade Medical Group",
    "Lakeside Credit Union",
    "BrightPath Wireless",
    "Evergreen Utilities",
    "Harbor Card Services",
    "Redwood Personal Loans",
    "Blue Mesa Dental",
    "Crescent Furniture Credit",
)
PERSONAL_EMAIL_DOMAINS: tuple[str, ...] = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "hotmail.com")
EMPLOYER_EMAIL_DOMAINS: tuple[str, ...] = ("acmelogistics.com", "contoso-health.org", "globex.com", "initech.com")
_WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
PLACEMENT_DAYS = 3  # accounts arrive over the campaign's first three days (all of it, when shorter)
ACCOUNT_SPACING = timedelta(minutes=7)  # between the placements of one debtor's accounts


@dataclass(frozen=True)
class Portfolio:
    """The demo's input: debtor profiles, their accounts and the upstream events, ordered by time."""

    seed: int
    start: datetime
    debtors: tuple[DebtorProfile, ...]
    accounts: Mapping[str, tuple[Account, ...]]
    events: tuple[InboundEvent, ...]
    _debtors_by_id: dict[str, DebtorProfile] = field(default_factory=dict, repr=False, compare=False)
    _accounts_by_id: dict[str, Account] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._debtors_by_id.update({debtor.id: debtor for debtor in self.debtors})
        self._accounts_by_id.update({acc.id: acc for owned in self.accounts.values() for acc in owned})

    def debtor(self, debtor_id: str) -> DebtorProfile:
        return self._debtors_by_id[debtor_id]

    def account(self, account_id: str) -> Account:
        return self._accounts_by_id[account_id]

    def to_cloudevents(self) -> list[dict[str, Any]]:
        """Every input event as a structured-mode CloudEvent dict (what a replay file holds)."""
        return [to_cloudevent(event) for event in self.events]

    def iter_jsonl(self) -> Iterator[str]:
        for event in self.events:
            yield json.dumps(to_cloudevent(event), separators=(",", ":"), ensure_ascii=False)

    def write_jsonl(self, path: Path) -> Path:
        with path.open("w", encoding="utf-8") as out:
            for line in self.iter_jsonl():
                out.write(line + "\n")
        return path


REGION_BY_POSTAL_CODE: dict[str, Region] = {region.postal_code: region for region in REGIONS}


def home_zone(debtor: DebtorProfile) -> str:
    """Where the debtor actually is: the stated zone, else their ZIP code's zone (Eastern if unknown)."""
    if debtor.timezone:
        return debtor.timezone
    region = REGION_BY_POSTAL_CODE.get(debtor.address.postal_code) if debtor.address else None
    return region.zone if region else "America/New_York"


def to_cloudevent(event: InboundEvent) -> dict[str, Any]:
    """A structured-mode CloudEvents 1.0 dict for one inbound event."""
    return {
        "specversion": "1.0",
        "id": event.id,
        "source": event.source,
        "type": event.type,
        "subject": event.subject,
        "time": format_date_time(event.time),
        "datacontenttype": "application/json",
        "data": event.data.model_dump(mode="json", by_alias=True, exclude_none=True),
    }


def generate_portfolio(n_debtors: int, seed: int, start: datetime, horizon_days: int = 30) -> Portfolio:
    """Draw ``n_debtors`` debtors with 1–3 accounts each, placed over the first three days from ``start``.

    ``horizon_days`` is the campaign's length: a campaign of three days or less gets every account placed
    within it, so the summary's debtors and balances are all ones the campaign saw.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if horizon_days < 1:
        raise ValueError("horizon_days must be at least 1")
    rng = random.Random(seed)
    region_weights = list(itertools.accumulate(region.weight for region in REGIONS))
    used_numbers: set[str] = set()
    debtors: list[DebtorProfile] = []
    accounts: dict[str, tuple[Account, ...]] = {}
    events: list[InboundEvent] = []
    for index in range(1, n_debtors + 1):
        debtor_id = f"d-{index:06d}"
        region = rng.choices(REGIONS, cum_weights=region_weights)[0]
        debtor = _draw_debtor(rng, debtor_id, region, used_numbers)
        debtor_accounts = _draw_accounts(rng, index)
        debtors.append(debtor)
        accounts[debtor_id] = debtor_accounts
        events.extend(_draw_events(rng, seed, start, horizon_days, debtor, debtor_accounts))
    events.sort(key=lambda event: (event.time, event.id))
    return Portfolio(seed=seed, start=start, debtors=tuple(debtors), accounts=accounts, events=tuple(events))


def _draw_debtor(rng: random.Random, debtor_id: str, region: Region, used_numbers: set[str]) -> DebtorProfile:
    language: Language = "es" if rng.random() < region.spanish_share else "en"
    hispanic_name = language == "es" or rng.random() < region.spanish_share * 0.3
    if hispanic_name:
        first = rng.choice(names.HISPANIC_FIRST_NAMES)
        last = rng.choice(names.HISPANIC_LAST_NAMES)
    else:
        first = rng.choice(names.FIRST_NAMES)
        last = rng.choice(names.LAST_NAMES)
    address = Address(
        line1=f"{rng.randint(10, 9899)} {rng.choice(names.STREETS)} {rng.choice(names.STREET_SUFFIXES)}",
        city=region.city,
        state=region.state,
        postal_code=region.postal_code,
        country="US",
    )
    phones = _draw_phones(rng, region, used_numbers)
    emails = _draw_emails(rng, first, last, int(debtor_id[2:]))
    timezone = rng.choice(STATED_ZONES) if rng.random() < 0.05 else None
    channels_available: list[Channel] = []
    if any(phone.type == "mobile" for phone in phones):
        channels_available.append("sms")
    if emails:
        channels_available.append("email")
    channels_available.append("voice")
    opt_outs: tuple[OptOut, ...] = ()
    if rng.random() < 0.01 and emails:
        opt_outs = (OptOut(channel="email", destination=emails[0].address),)
    return DebtorProfile(
        id=debtor_id,
        name=Name(first=first, last=last),
        language=language,
        timezone=timezone,
        address=address,
        phones=phones,
        emails=emails,
        preferences=_draw_preferences(rng, channels_available),
        opt_outs=opt_outs,
    )


def _draw_phones(rng: random.Random, region: Region, used_numbers: set[str]) -> tuple[Phone, ...]:
    phones: list[Phone] = []
    moved = rng.random() < 0.08  # kept the mobile number from the state they lived in before
    mobile_region = rng.choice(REGIONS) if moved else region
    if rng.random() < 0.93:
        phones.append(
            Phone(
                number=_unique_number(rng, rng.choice(mobile_region.area_codes), used_numbers),
                type="mobile",
                sms_consent=rng.random() < 0.82,
                call_consent=rng.random() < 0.9,
            )
        )
    if not phones or rng.random() < 0.22:
        phones.append(
            Phone(
                number=_unique_number(rng, rng.choice(region.area_codes), used_numbers),
                type="landline",
                sms_consent=False,
                call_consent=rng.random() < 0.85,
            )
        )
    return tuple(phones)


def _unique_number(rng: random.Random, area_code: str, used_numbers: set[str]) -> str:
    """A fictional +1 NPA-555-XXXX number not given to anyone else in the portfolio."""
    while True:
        line = rng.randint(100, 9999)
        if line == 1212:  # directory assistance, not fictional
            continue
        number = f"+1{area_code}555{line:04d}"
        if number not in used_numbers:
            used_numbers.add(number)
            return number


def _draw_emails(rng: random.Random, first: str, last: str, serial: int) -> tuple[Email, ...]:
    emails: list[Email] = []
    local = _email_local(first, last)
    if rng.random() < 0.78:
        domain = rng.choice(PERSONAL_EMAIL_DOMAINS)
        emails.append(Email(address=f"{local}{serial}@{domain}", consent=rng.random() < 0.85))
    if rng.random() < 0.12:
        domain = rng.choice(EMPLOYER_EMAIL_DOMAINS)
        emails.append(Email(address=f"{local}@{domain}", consent=rng.random() < 0.3, employer_provided=True))
    return tuple(emails)


def _email_local(first: str, last: str) -> str:
    cleaned = "".join(ch for ch in f"{first}.{last}".lower() if ch.isascii() and (ch.isalnum() or ch == "."))
    return cleaned or "debtor"


def _draw_preferences(rng: random.Random, available: list[Channel]) -> Preferences:
    ordered: tuple[Channel, ...] = ()
    if rng.random() < 0.6:
        shuffled = list(available)
        rng.shuffle(shuffled)
        ordered = tuple(shuffled[: rng.randint(1, len(shuffled))])
    blocked: tuple[Channel, ...] = ()
    if rng.random() < 0.05:
        candidate = rng.choice(available)
        if candidate not in ordered:
            blocked = (candidate,)
    inconvenient: tuple[InconvenientTime, ...] = ()
    roll = rng.random()
    if roll < 0.03:  # "not while I'm at work"
        inconvenient = (InconvenientTime(days=_WEEKDAYS, start=time(9), end=time(17)),)
    elif roll < 0.05:  # "not in the morning"
        inconvenient = (InconvenientTime(days=(*_WEEKDAYS, "sat"), start=time(8), end=time(11)),)
    return Preferences(channels=ordered, blocked_channels=blocked, inconvenient_times=inconvenient)


def _draw_accounts(rng: random.Random, index: int) -> tuple[Account, ...]:
    count = rng.choices((1, 2, 3), cum_weights=(70, 92, 100))[0]
    creditors = rng.sample(CREDITORS, count)
    return tuple(
        Account(
            id=f"a-{index:06d}-{number}",
            creditor=creditor,
            balance=_draw_balance(rng),
            currency="USD",
            days_past_due=rng.choice((30, 45, 60, 75, 90, 120, 150, 180, 240, 365)),
        )
        for number, creditor in enumerate(creditors, start=1)
    )


def _draw_balance(rng: random.Random) -> Decimal:
    amount = math.exp(rng.gauss(math.log(900), 0.95))
    clipped = min(max(amount, 150.0), 12000.0)
    return Decimal(f"{clipped:.2f}")


def _draw_events(
    rng: random.Random,
    seed: int,
    start: datetime,
    horizon_days: int,
    debtor: DebtorProfile,
    accounts: Sequence[Account],
) -> list[InboundEvent]:
    events: list[InboundEvent] = []
    placed_at = _draw_placement(rng, start, horizon_days, len(accounts))
    for offset, account in enumerate(accounts):
        placed = placed_at + offset * ACCOUNT_SPACING
        events.append(
            _event(seed, "account.placed", account.id, debtor.id, placed, AccountPlaced(debtor=debtor, account=account))
        )
        later_span = max(horizon_days - 4, 1) * 86400
        if rng.random() < 0.05:
            missed_at = placed + timedelta(days=2, seconds=rng.randint(0, later_span))
            amount_due = (account.balance * Decimal("0.1")).quantize(Decimal("0.01"))
            missed = PaymentMissed(
                account_id=account.id, amount_due=max(amount_due, Decimal("25.00")), due_date=missed_at.date()
            )
            events.append(_event(seed, "payment.missed", account.id, debtor.id, missed_at, missed))
        roll = rng.random()
        if roll < 0.015:
            reason: HoldReason = "dispute" if roll < 0.010 else rng.choice(("attorney", "cease", "bankruptcy"))
            held_at = placed + timedelta(days=1, seconds=rng.randint(0, later_span))
            hold = HoldPlaced(account_id=account.id, reason=reason)
            events.append(_event(seed, "hold.placed", account.id, debtor.id, held_at, hold))
        if rng.random() < 0.01:
            talked_at = placed + timedelta(days=1, seconds=rng.randint(0, later_span))
            conversation = ConversationLogged(account_ids=(account.id,), channel="voice", at=talked_at)
            events.append(_event(seed, "conversation.logged", account.id, debtor.id, talked_at, conversation))
    return events


def _draw_placement(rng: random.Random, start: datetime, horizon_days: int, accounts: int) -> datetime:
    """When a debtor's first account is placed: late enough in the placement window that the last one
    still falls inside it (the window is the first three days, or the whole campaign if shorter)."""
    window = timedelta(days=min(PLACEMENT_DAYS, horizon_days)) - (accounts - 1) * ACCOUNT_SPACING
    return start + timedelta(seconds=rng.randint(0, int(window.total_seconds()) - 1))


def _event(seed: int, kind: str, account_id: str, debtor_id: str, at: datetime, data: Contract) -> InboundEvent:
    return InboundEvent(
        id=f"demo-{seed}-{kind}-{account_id}",
        type=kind,
        source=EVENT_SOURCE,
        subject=debtor_id,
        time=at,
        data=data,
    )
