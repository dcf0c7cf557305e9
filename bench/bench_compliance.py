"""Compliance engine speed: ``decide`` for voice, sms and email at moments spread over a week, one core.

Run: ``.venv/bin/python bench/bench_compliance.py [--rounds 7] [--against HEAD]``. Prints µs per decide,
per channel and overall (best round). ``--against REV`` also imports the compliance package as of git
revision ``REV`` (as ``compliance_base``), asserts that it decides every case exactly as the working tree
does (the audit record of ``decide`` and the moment of ``next_slot``), and times both in the same process,
rounds interleaved, so the ratio holds even on a busy machine.

The debtors are realistic: phone and email, a US zone (one with a phone in another zone, one in a state
with its own caps and hours), 3 to 6 contacts in the 7 days before the moment, one account; one in five is
on hold. Three decisions in five are blocked at the moment but allowed later (night, Sunday, the DST
change, a state's cap), so the search walks: about two moments per decide (2.4 in a profile of the service).
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

from orchestrator import compliance
from orchestrator.domain import AccountState, Attempt, DebtorState, Hold
from orchestrator.domain.model import Outcome
from orchestrator.events import Address, Channel, DebtorProfile, Email, Name, Phone

ROOT = Path(__file__).resolve().parent.parent
START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)  # a Monday; US DST begins on Sunday 2026-03-08
MOMENTS = [START + timedelta(minutes=97 * n) for n in range(110)]  # a week, at every time of day
# (postal code, state, phone): New York; Washington (7:30–21:00, 3 a week); Boston with a California
# mobile (only 11:00–21:00 Eastern in both zones); Chicago.
HOMES = (
    ("10001", "NY", "+12125550123"),
    ("98101", "WA", "+12065550123"),
    ("02110", "MA", "+14155550123"),
    ("60601", "IL", "+13125550123"),
)
# (hours before the moment, channel, outcome): a typical week of dunning, of which each debtor has 3 to 6.
WEEK: tuple[tuple[int, Channel, Outcome], ...] = (
    (150, "sms", "delivered"),
    (100, "voice", "not_connected"),
    (75, "email", "delivered"),
    (50, "voice", "human"),
    (26, "sms", "delivered"),
    (3, "voice", "machine"),
)


def debtor(n: int, at: datetime) -> DebtorState:
    postal, state, number = HOMES[n % len(HOMES)]
    address = f"d{n}@example.com"
    profile = DebtorProfile(
        id=f"D-{n:06d}",
        name=Name(first="Maria"),
        address=Address(line1="1 Main St", city="X", state=state, postal_code=postal),
        phones=(Phone(number=number, sms_consent=True, call_consent=True),),
        emails=(Email(address=address, consent=True),),
    )
    ledger = tuple(
        Attempt(
            f"t{n}-{i}",
            channel,
            address if channel == "email" else number,
            ("A",),
            at - timedelta(hours=hours),
            outcome,
        )
        for i, (hours, channel, outcome) in enumerate(WEEK[: 3 + n % 4])
    )
    debtor_state = DebtorState(profile=profile, accounts=(AccountState("A", "Acme", Decimal("250.00")),), ledger=ledger)
    if n % 5 == 4:  # a dispute hold: blocked for good, no search
        debtor_state = replace(debtor_state, holds=(Hold("A", "dispute", at - timedelta(days=2)),))
    return debtor_state


def cases() -> list[tuple[DebtorState, str, str, datetime]]:
    """(state, channel, destination, moment): every channel of every debtor at a spread of moments."""
    found = []
    for n, at in enumerate(MOMENTS):
        state = debtor(n, at)
        for channel in ("voice", "sms", "email"):
            destination = state.profile.emails[0].address if channel == "email" else state.profile.phones[0].number
            found.append((state, channel, destination, at))
    return found


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout


def load_revision(rev: str) -> ModuleType:
    """``orchestrator/compliance`` as of git ``rev``, imported as the package ``compliance_base`` (its
    ``__init__`` imports every module, so the files can go once it is imported)."""
    with tempfile.TemporaryDirectory(prefix="bench_compliance_") as root:
        for name in _git("ls-tree", "-r", "--name-only", rev, "orchestrator/compliance").split():
            target = Path(root) / "compliance_base" / Path(name).relative_to("orchestrator/compliance")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_git("show", f"{rev}:{name}").replace("orchestrator.compliance", "compliance_base"))
        sys.path.insert(0, root)
        try:
            return importlib.import_module("compliance_base")
        finally:
            sys.path.remove(root)


def contacts(package: ModuleType, all_cases: list[tuple[DebtorState, str, str, datetime]]) -> list[Any]:
    return [package.ProposedContact(channel, destination, ("A",)) for _, channel, destination, _ in all_cases]


def check_same(base: ModuleType, all_cases: list[tuple[DebtorState, str, str, datetime]]) -> None:
    for (state, _, _, at), new, old in zip(
        all_cases, contacts(compliance, all_cases), contacts(base, all_cases), strict=True
    ):
        assert compliance.decide(state, new, at).to_json() == base.decide(state, old, at).to_json(), (state, new, at)
        later = at + timedelta(hours=5)
        assert compliance.next_slot(state, new, later) == base.next_slot(state, old, later), (state, new, later)


def time_round(package: ModuleType, all_cases: list[tuple[DebtorState, str, str, datetime]]) -> dict[str, float]:
    """Seconds spent in ``decide`` per channel, one pass over every case. Each decision is timed on a
    state and contact the engine meets for the first time: it keeps the rules of its latest decisions
    (planning asks about one state several times), which would answer the repeats here."""
    spent = dict.fromkeys(("voice", "sms", "email"), 0.0)
    decide, clock = package.decide, time.perf_counter
    recent = getattr(package.engine, "_RECENT_RULES", None) or {}  # a revision before it kept none
    for (state, channel, _, at), contact in zip(all_cases, contacts(package, all_cases), strict=True):
        took = 0.0
        for _ in range(10):
            recent.clear()
            started = clock()
            decide(state, contact, at)
            took += clock() - started
        spent[channel] += took / 10
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7, help="Passes over every case; the best one counts.")
    parser.add_argument("--against", metavar="REV", help="Also time (and check against) the package at git REV.")
    args = parser.parse_args()
    all_cases = cases()
    packages = {"now": compliance}
    if args.against:
        packages[args.against] = load_revision(args.against)
        check_same(packages[args.against], all_cases)
        print(f"{len(all_cases)} cases: decide and next_slot agree with {args.against}")
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.rounds):
        for name, package in packages.items():
            spent = time_round(package, all_cases)
            if name not in best or sum(spent.values()) < sum(best[name].values()):
                best[name] = spent
    per_channel = len(all_cases) // 3
    for name, spent in best.items():
        channels = ", ".join(f"{channel} {seconds / per_channel * 1e6:.1f}" for channel, seconds in spent.items())
        overall = sum(spent.values()) / len(all_cases) * 1e6
        print(f"{name:>8}: {overall:.1f} µs per decide ({channels}; {len(all_cases)} cases, best of {args.rounds})")
    if args.against:
        ratio = sum(best[args.against].values()) / sum(best["now"].values())
        print(f"speed-up against {args.against}: {ratio:.2f}×")


if __name__ == "__main__":
    main()
