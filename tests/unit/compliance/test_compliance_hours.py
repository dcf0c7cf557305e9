"""Local hours, candidate zones, DST, stated inconvenient times, quiet days (edge cases 1–10)."""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from compliance_fixtures import (
    MOBILE,
    NO_QUIET_DAYS,
    attempt,
    call,
    debtor,
    email,
    et,
    local,
    sms,
    verdict,
    with_attempts,
)

from orchestrator.compliance import ProposedContact, decide
from orchestrator.domain import InboundContact
from orchestrator.events import InconvenientTime, Phone, Preferences

PACIFIC_MOBILE = "+14155550123"
MOUNTAIN_LANDLINE = "+13035550123"
IDAHO_MOBILE = "+12083200000"  # area code 208 spans Mountain and Pacific


def allowed(state, contact, at, policy=NO_QUIET_DAYS) -> bool:  # type: ignore[no-untyped-def]
    return decide(state, contact, at, policy).allowed


def test_eastern_window_is_half_open_from_eight_to_nine_pm() -> None:
    state = debtor()
    assert not allowed(state, sms(), et(2026, 3, 16, 7, 59, 59))
    assert allowed(state, sms(), et(2026, 3, 16, 8, 0, 0))
    assert allowed(state, sms(), et(2026, 3, 16, 20, 59, 59))
    assert not allowed(state, sms(), et(2026, 3, 16, 21, 0, 0))


def test_a_blocked_early_moment_points_to_eight_am_local() -> None:
    decision = decide(debtor(), sms(), et(2026, 3, 16, 7, 59, 59), NO_QUIET_DAYS)
    assert decision.next_allowed_at == et(2026, 3, 16, 8, 0)
    assert verdict(decision, "time_window_federal").next_allowed_at == et(2026, 3, 16, 8, 0)


def test_pacific_area_code_with_eastern_address_allows_only_the_overlap() -> None:
    state = debtor(phones=(Phone(number=PACIFIC_MOBILE, sms_consent=True, call_consent=True),))
    contact = ProposedContact("sms", PACIFIC_MOBILE, ("A",))
    assert not allowed(state, contact, et(2026, 3, 16, 10, 30))
    assert allowed(state, contact, et(2026, 3, 16, 14, 0))
    blocked = decide(state, contact, et(2026, 3, 16, 21, 30), NO_QUIET_DAYS)
    assert not blocked.allowed
    assert not verdict(blocked, "tz_intersection").allowed


def test_eastern_mobile_and_mountain_landline_open_at_ten_eastern() -> None:
    phones = (
        Phone(number=MOBILE, sms_consent=True, call_consent=True),
        Phone(number=MOUNTAIN_LANDLINE, type="landline", call_consent=True),
    )
    state = debtor(phones=phones, postal_code=None)
    assert not allowed(state, sms(), et(2026, 3, 16, 9, 30))
    assert allowed(state, sms(), et(2026, 3, 16, 10, 0))
    assert decide(state, sms(), et(2026, 3, 16, 9, 30), NO_QUIET_DAYS).next_allowed_at == et(2026, 3, 16, 10, 0)


def test_spring_forward_moves_the_same_utc_moment_into_the_window() -> None:
    state = debtor()
    assert not allowed(state, sms(), local("UTC", 2026, 3, 7, 12, 30))  # 07:30 EST
    assert allowed(state, sms(), local("UTC", 2026, 3, 9, 12, 30))  # 08:30 EDT


def test_fall_back_moves_the_same_utc_moment_out_of_the_late_edge() -> None:
    state = debtor()
    assert not allowed(state, sms(), local("UTC", 2026, 10, 31, 1, 0))  # Fri Oct 30 21:00 EDT
    assert allowed(state, sms(), local("UTC", 2026, 11, 2, 1, 0))  # Sun Nov 1 20:00 EST


def test_an_evening_moment_is_counted_under_the_local_date_not_the_utc_date() -> None:
    decision = decide(debtor(), sms(), local("UTC", 2026, 11, 2, 1, 0))  # quiet days on
    quiet = verdict(decision, "quiet_days")
    assert not quiet.allowed
    assert "2026-11-01 is a Sunday" in quiet.reason


def test_arizona_keeps_standard_time_all_year() -> None:
    state = debtor(postal_code="85004", state="AZ", phones=())
    assert allowed(state, email(), local("America/Los_Angeles", 2026, 7, 15, 20, 30))  # 20:30 MST
    assert not allowed(state, email(), local("America/Los_Angeles", 2026, 1, 15, 20, 30))  # 21:30 MST


def test_an_email_is_judged_when_it_is_dispatched_not_when_it_was_queued() -> None:
    state = debtor()
    assert allowed(state, email(), et(2026, 3, 16, 20, 55))
    assert not allowed(state, email(), et(2026, 3, 16, 21, 3))


def test_an_area_code_spanning_two_zones_narrows_the_window() -> None:
    state = debtor(phones=(Phone(number=IDAHO_MOBILE, sms_consent=True, call_consent=True),), postal_code=None)
    contact = ProposedContact("sms", IDAHO_MOBILE, ("A",))
    assert not allowed(state, contact, local("America/Boise", 2026, 3, 16, 8, 30))
    assert allowed(state, contact, local("America/Boise", 2026, 3, 16, 9, 0))
    assert allowed(state, contact, local("America/Boise", 2026, 3, 16, 20, 59))


def test_a_central_address_with_an_eastern_phone_opens_at_nine_eastern() -> None:
    state = debtor(postal_code="32501", state="FL")  # Pensacola: Central time
    assert not allowed(state, sms(), et(2026, 3, 16, 8, 30))
    assert allowed(state, sms(), et(2026, 3, 16, 9, 0))
    assert allowed(state, sms(), et(2026, 3, 16, 20, 59))


def test_a_stated_zone_overrides_address_and_phones() -> None:
    state = debtor(timezone="Pacific/Honolulu")
    assert not allowed(state, sms(), local("Pacific/Honolulu", 2026, 3, 16, 7, 59))
    assert allowed(state, sms(), local("Pacific/Honolulu", 2026, 3, 16, 8, 0))
    assert allowed(state, sms(), local("Pacific/Honolulu", 2026, 3, 16, 20, 0))  # 02:00 in New York
    assert decide(state, sms(), local("Pacific/Honolulu", 2026, 3, 16, 9, 0)).zones.candidates == ("Pacific/Honolulu",)


def _weekday_afternoons_blocked():  # type: ignore[no-untyped-def]
    block = InconvenientTime(days=("mon", "tue", "wed", "thu", "fri"), start=time(15), end=time(17))
    return debtor(preferences=Preferences(inconvenient_times=(block,)))


def test_a_stated_inconvenient_time_blocks_a_call_and_says_until_when() -> None:
    decision = decide(_weekday_afternoons_blocked(), call(), et(2026, 3, 18, 15, 30))  # Wednesday
    rule = verdict(decision, "consumer_time_place_block")
    assert not rule.allowed
    assert rule.next_allowed_at == et(2026, 3, 18, 17, 0)
    assert decision.next_allowed_at == et(2026, 3, 18, 17, 0)


def test_the_consumers_own_email_earns_exactly_one_reply_in_their_blocked_time() -> None:
    at = et(2026, 3, 18, 15, 30)
    state = replace(_weekday_afternoons_blocked(), inbound=(InboundContact("email", "maria@example.com", at),))
    reply = email(is_reply_to_inbound=True)
    assert decide(state, reply, et(2026, 3, 18, 15, 31)).allowed
    assert not decide(state, email(), et(2026, 3, 18, 15, 31)).allowed  # unprompted
    replied = with_attempts(state, attempt(et(2026, 3, 18, 15, 31), "email", outcome="sent", purpose="reply"))
    assert not decide(replied, reply, et(2026, 3, 18, 15, 40)).allowed


def test_sundays_are_quiet_and_the_next_slot_is_monday_morning() -> None:
    decision = decide(debtor(), sms(), et(2026, 3, 15, 12, 0))  # Sunday
    assert not verdict(decision, "quiet_days").allowed
    assert decision.next_allowed_at == et(2026, 3, 16, 8, 0)


def test_a_federal_holiday_is_quiet() -> None:
    decision = decide(debtor(), sms(), et(2026, 11, 26, 12, 0))  # Thanksgiving
    rule = verdict(decision, "quiet_days")
    assert not rule.allowed
    assert "Thanksgiving" in rule.reason
    assert decision.next_allowed_at == et(2026, 11, 27, 8, 0)


def test_quiet_days_can_be_switched_off_by_policy() -> None:
    assert allowed(debtor(), sms(), et(2026, 3, 15, 12, 0), NO_QUIET_DAYS)


def test_an_unlocatable_debtor_gets_only_the_hours_convenient_across_the_contiguous_us() -> None:
    state = debtor(postal_code=None, phones=())
    assert not allowed(state, email(), et(2026, 3, 16, 10, 59))
    assert allowed(state, email(), et(2026, 3, 16, 11, 0))
    assert decide(state, email(), et(2026, 3, 16, 11, 0)).zones.source == "fallback"


def test_mobile_constant_is_a_new_york_number() -> None:
    assert decide(debtor(postal_code=None), sms(), et(2026, 3, 16, 9, 0)).zones.candidates == ("America/New_York",)
    assert MOBILE.startswith("+1212")
