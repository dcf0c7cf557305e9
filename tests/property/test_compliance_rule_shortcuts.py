"""The engine's shortcuts say what the rules say: a rule's ``fixed`` verdict is its verdict at every moment,
and its ``check`` is its verdict's ``allowed`` and ``next_allowed_at`` — on rich random debtors (holds,
opt-outs, stated inconvenient times, several zones, state caps, replies, odd policies).

``decide`` and ``next_slot`` evaluate a rule with a fixed verdict once and ask the others for a ``check``
at the moments they try; a rule whose ``fixed`` or ``check`` drifted from its ``evaluate`` would change
decisions silently. Each rule is compared with itself here, so the shortcuts cannot drift unnoticed.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.compliance import Policy, ProposedContact
from orchestrator.compliance.context import ContactScope, RuleContext
from orchestrator.compliance.rules import rules_for
from orchestrator.domain import AccountState, Attempt, Conversation, DebtorState, Hold
from orchestrator.domain.model import InboundContact, OptOutRecord
from orchestrator.events import Address, DebtorProfile, Email, InconvenientTime, Name, OptOut, Phone, Preferences

BASE = datetime(2026, 3, 5, tzinfo=UTC)  # the week before the DST change, so some moments cross it
NUMBERS = ("+12125550123", "+14155550123", "+13035550123")
EMAILS = ("a@example.com", "b@example.com")
STATE_OF_ZIP = {"10001": "NY", "98101": "WA", "85004": "AZ", "02110": "MA", "96813": "HI"}
PURPOSES = ("reminder", "reply", "opt_out_confirmation", "validation_notice", "payment_thanks")
HOLD_REASONS = ("cease", "attorney", "bankruptcy", "deceased", "dispute", "other")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANNELS = ("voice", "sms", "email")


@st.composite
def inconvenient_times(draw: st.DrawFn) -> InconvenientTime:
    return InconvenientTime(
        days=tuple(draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True))),
        start=time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30]))),
        end=time(draw(st.integers(0, 23)), draw(st.sampled_from([0, 30]))),
    )


@st.composite
def profiles(draw: st.DrawFn) -> DebtorProfile:
    postal = draw(st.sampled_from(sorted(STATE_OF_ZIP)))
    numbers = draw(st.lists(st.sampled_from(NUMBERS), max_size=3, unique=True))
    emails = draw(st.lists(st.sampled_from(EMAILS), max_size=2, unique=True))
    phones = tuple(
        Phone(
            number=number,
            type=draw(st.sampled_from(["mobile", "mobile", "landline"])),
            sms_consent=draw(st.booleans()),
            call_consent=draw(st.booleans()),
        )
        for number in numbers
    )
    return DebtorProfile(
        id="d",
        name=Name(first="T"),
        timezone=draw(st.sampled_from([None, None, "Pacific/Honolulu"])),
        address=draw(st.sampled_from([None, Address(state=STATE_OF_ZIP[postal], postal_code=postal)])),
        phones=phones,
        emails=tuple(Email(address=address, consent=draw(st.booleans())) for address in emails),
        preferences=Preferences(
            inconvenient_times=tuple(draw(st.lists(inconvenient_times(), max_size=2))),
            blocked_channels=tuple(draw(st.lists(st.sampled_from(CHANNELS), max_size=1))),
        ),
        opt_outs=tuple(
            OptOut(channel=channel, destination=None)
            for channel in draw(st.lists(st.sampled_from(CHANNELS), max_size=1))
        ),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[ContactScope, list[datetime]]:
    profile = draw(profiles())
    now = BASE + timedelta(minutes=draw(st.integers(0, 14 * 24 * 60)))
    destinations = [p.number for p in profile.phones] + [e.address for e in profile.emails] + ["+19995550000"]
    minutes_ago = st.integers(-600, 9 * 24 * 60)
    ledger = tuple(
        Attempt(
            f"a{n}",
            draw(st.sampled_from(["voice", "voice", "sms", "email"])),
            draw(st.sampled_from(destinations)),
            draw(st.sampled_from([("A",), ("B",), ("A", "B")])),
            now - timedelta(minutes=draw(minutes_ago)),
            draw(st.sampled_from(["placed", "human", "not_connected", "delivered", "failed", "conversation"])),
            draw(st.sampled_from(PURPOSES)),
        )
        for n in range(draw(st.integers(0, 14)))
    )
    state = DebtorState(
        profile=profile,
        accounts=(
            AccountState("A", "c", Decimal(1), status=draw(st.sampled_from(["open", "open", "closed"]))),
            AccountState("B", "c", Decimal(1)),
        ),
        ledger=ledger,
        conversations=tuple(
            Conversation(now - timedelta(minutes=draw(minutes_ago)), draw(st.sampled_from([("A",), ("B",)])))
            for _ in range(draw(st.integers(0, 2)))
        ),
        holds=tuple(
            Hold(draw(st.sampled_from(["A", "B", None])), draw(st.sampled_from(HOLD_REASONS)), BASE)
            for _ in range(draw(st.sampled_from([0, 0, 1, 2])))
        ),
        opt_outs=tuple(
            OptOutRecord(draw(st.sampled_from(CHANNELS)), draw(st.sampled_from([None, *destinations])), now)
            for _ in range(draw(st.sampled_from([0, 0, 1])))
        ),
        inbound=tuple(
            InboundContact(
                channel, draw(st.sampled_from(destinations)), now - timedelta(minutes=draw(st.integers(0, 30)))
            )
            for channel in draw(st.lists(st.sampled_from(CHANNELS), max_size=2, unique=True))
        ),
    )
    contact = ProposedContact(
        channel=draw(st.sampled_from(CHANNELS)),
        destination=draw(st.sampled_from(destinations)),
        account_ids=draw(st.sampled_from([(), ("A",), ("A", "B")])),
        purpose=draw(st.sampled_from(PURPOSES)),
        is_reply_to_inbound=draw(st.booleans()),
    )
    policy_options: dict[str, Any] = {
        "quiet_days": draw(st.booleans()),
        "max_calls_per_day": draw(st.sampled_from([3, 1])),
        "max_sms_per_window": draw(st.sampled_from([3, 1])),
        "max_calls_per_7_days": draw(st.sampled_from([7, 2])),
    }
    moments = [now + timedelta(minutes=draw(st.integers(0, 10 * 24 * 60))) for _ in range(6)]
    return ContactScope(state, contact, Policy(**policy_options)), [now, *moments]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_a_fixed_verdict_holds_at_every_moment_and_a_check_agrees_with_the_verdict(
    case: tuple[ContactScope, list[datetime]],
) -> None:
    scope, moments = case
    for rule in rules_for(scope.policy.state_packs):
        fixed = rule.fixed(scope)
        for moment in moments:
            ctx = RuleContext.at_moment(scope, moment)
            verdict = rule.evaluate(ctx)
            if fixed is not None:
                assert verdict == fixed, f"{rule.rule_id} at {moment}: fixed {fixed}, evaluated {verdict}"
            expected = (True, None) if verdict.allowed else (False, verdict.next_allowed_at)
            assert rule.check(RuleContext.at_moment(scope, moment)) == expected, f"{rule.rule_id} at {moment}"
