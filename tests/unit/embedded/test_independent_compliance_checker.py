"""The independent checker catches every kind of violation, and passes a clean record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.compliance_checker import CheckerPolicy, Violation, check_compliance, is_opt_in, is_opt_out
from tests.support.zones import address_zones

MOBILE = "+12125550142"
LANDLINE = "+12125550199"
EMAIL = "ana.reyes@gmail.com"
WORK_EMAIL = "ana.reyes@globex.com"
MON = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
NEW_YORK = ZoneInfo("America/New_York")


def profile(debtor_id: str = "d-1", state: str = "NY", postal_code: str = "10001", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": debtor_id,
        "name": {"first": "Ana", "last": "Reyes"},
        "language": "en",
        "address": {"line1": "1 Main St", "city": "X", "state": state, "postal_code": postal_code, "country": "US"},
        "phones": [
            {"number": MOBILE, "type": "mobile", "sms_consent": True, "call_consent": True},
            {"number": LANDLINE, "type": "landline", "sms_consent": False, "call_consent": False},
        ],
        "emails": [
            {"address": EMAIL, "consent": True, "employer_provided": False},
            {"address": WORK_EMAIL, "consent": True, "employer_provided": True},
        ],
        "preferences": {"channels": [], "blocked_channels": [], "inconvenient_times": []},
        "opt_outs": [],
    }
    base.update(extra)
    return base


def placed(debtor: dict[str, Any], account_ids: tuple[str, ...] = ("a-1",)) -> list[dict[str, Any]]:
    return [
        event("account.placed", MON + timedelta(hours=1), debtor["id"],
              {"debtor": debtor, "account": {"id": account_id, "creditor": "C", "balance": "100.00"}})
        for account_id in account_ids
    ]  # fmt: skip


def event(kind: str, at: datetime, subject: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"type": kind, "time": at.isoformat().replace("+00:00", "Z"), "subject": subject, "data": data}


_counter = iter(range(1_000_000))


def send(
    at: datetime, channel: str = "sms", to: str = MOBILE, accounts: tuple[str, ...] = ("a-1",),
    debtor_id: str = "d-1", template: str = "first_notice",
) -> dict[str, Any]:  # fmt: skip
    send_id = f"snd-{next(_counter)}"
    return event(
        "message.dispatched", at, debtor_id,
        {"send_id": send_id, "debtor_id": debtor_id, "account_ids": list(accounts), "channel": channel, "to": to,
         "template_id": template, "template_version": "1", "provider_message_id": f"P{send_id}", "locale": "en"},
    )  # fmt: skip


def at_ny(day: int, hour: int, minute: int = 0) -> datetime:
    """2026-03-<day> at hour:minute New York time, as UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


def rules(violations: list[Violation]) -> list[str]:
    return sorted(v.rule for v in violations)


def test_a_clean_week_of_contacts_has_no_violations() -> None:
    inputs = placed(profile())
    outputs = [
        send(at_ny(3, 8)),  # 08:00:00 exactly is allowed
        send(at_ny(4, 12), "email", EMAIL),
        send(at_ny(5, 20, 59), "voice", MOBILE),
        send(at_ny(6, 10), "voice", MOBILE),
    ]
    assert check_compliance(inputs, outputs) == []


def test_a_send_before_eight_or_at_nine_pm_local_breaks_local_hours() -> None:
    outputs = [send(at_ny(3, 7, 59)), send(at_ny(4, 21, 0))]
    assert rules(check_compliance(placed(profile()), outputs)) == ["local_hours", "local_hours"]


def test_every_candidate_zone_must_be_inside_hours_so_a_new_york_mobile_in_california_narrows_the_window() -> None:
    debtor = profile(state="CA", postal_code="90001")
    ten_am_pacific = at_ny(3, 13)
    nine_am_eastern = at_ny(3, 9)  # 06:00 in Los Angeles
    violations = check_compliance(placed(debtor), [send(nine_am_eastern), send(ten_am_pacific, "email", EMAIL)])
    assert [(v.rule, "America/Los_Angeles" in v.detail) for v in violations] == [("local_hours", True)]


def test_a_stated_timezone_overrides_address_and_phone_zones() -> None:
    debtor = profile(state="CA", postal_code="90001", timezone="America/New_York")
    assert check_compliance(placed(debtor), [send(at_ny(3, 9))]) == []


def test_an_eighth_counted_call_about_one_debt_in_seven_calendar_days_is_caught() -> None:
    days_and_hours = [(3, 9), (3, 12), (3, 15), (4, 9), (4, 12), (4, 15), (5, 9), (5, 12)]
    outputs = [send(at_ny(day, hour), "voice") for day, hour in days_and_hours]
    assert rules(check_compliance(placed(profile()), outputs)) == ["call_frequency"]


def test_busy_calls_are_not_counted_toward_seven_in_seven() -> None:
    days_and_hours = [(3, 9), (3, 12), (3, 15), (4, 9), (4, 12), (4, 15), (5, 9), (5, 12)]
    outputs = [send(at_ny(day, hour), "voice") for day, hour in days_and_hours]
    first = outputs[0]["data"]
    busy = event("message.failed", at_ny(3, 9, 1), "d-1",
                 {**{k: first[k] for k in ("send_id", "debtor_id", "account_ids", "channel")},
                  "provider_message_id": first["provider_message_id"], "reason": "busy", "error_code": None,
                  "retryable": True})  # fmt: skip
    assert check_compliance(placed(profile()), [*outputs, busy]) == []


def test_a_fourth_call_in_a_day_and_a_redial_within_five_minutes_are_bursts() -> None:
    outputs = [send(at_ny(3, 9), "voice"), send(at_ny(3, 9, 3), "voice"), send(at_ny(3, 12), "voice"),
               send(at_ny(3, 15), "voice")]  # fmt: skip
    found = check_compliance(placed(profile()), outputs)
    assert rules(found) == ["call_burst", "call_burst"]
    assert "0:03:00 after the previous call" in found[0].detail
    assert "call number 4" in found[1].detail


def test_no_call_about_a_debt_for_seven_days_from_a_conversation_day() -> None:
    call = send(at_ny(3, 10), "voice")
    talked = event("call.completed", at_ny(3, 10, 2), "d-1",
                   {**{k: call["data"][k] for k in ("send_id", "debtor_id", "account_ids", "channel",
                                                    "provider_message_id")},
                    "answered_by": "human", "duration_s": 95})  # fmt: skip
    outputs = [call, talked, send(at_ny(6, 10), "voice"), send(at_ny(10, 9), "voice")]
    found = check_compliance(placed(profile()), outputs)
    assert rules(found) == ["call_after_conversation"]  # the day C+7 call (Mar 10) is allowed
    assert found[0].time == at_ny(6, 10)


def test_a_logged_conversation_blocks_calls_about_that_debt_but_not_another() -> None:
    inputs = [*placed(profile(), ("a-1", "a-2")),
              event("conversation.logged", at_ny(4, 9), "d-1",
                    {"account_ids": ["a-1"], "channel": "voice", "at": at_ny(4, 9).isoformat()})]  # fmt: skip
    outputs = [send(at_ny(5, 10), "voice", accounts=("a-2",)), send(at_ny(5, 12), "voice", accounts=("a-1",))]
    assert rules(check_compliance(inputs, outputs)) == ["call_after_conversation"]


def test_after_stop_only_one_prompt_confirmation_may_go_to_that_number() -> None:
    stop = event("provider.inbound", at_ny(3, 10), "d-1",
                 {"channel": "sms", "from": MOBILE, "to": "+18005550100", "text": "Stop!!"})  # fmt: skip
    outputs = [
        send(at_ny(3, 10) + timedelta(seconds=20), template="opt_out_confirmation"),
        send(at_ny(4, 10)),
        send(at_ny(4, 11), "voice"),  # a text opt-out does not stop calls
    ]
    found = check_compliance([*placed(profile()), stop], outputs)
    assert [(v.rule, v.time) for v in found] == [("opt_out", at_ny(4, 10))]


def test_an_opt_out_seen_only_in_reply_received_outputs_counts_too() -> None:
    data = {"channel": "sms", "from": MOBILE, "text": "please stop texting me", "intent": "opt_out"}
    reply = event("reply.received", at_ny(3, 10), "d-1", data)
    assert rules(check_compliance(placed(profile()), [reply, send(at_ny(4, 10))])) == ["opt_out"]


def test_a_profile_opt_out_blocks_that_email_from_the_start() -> None:
    debtor = profile(opt_outs=[{"channel": "email", "destination": EMAIL}])
    assert rules(check_compliance(placed(debtor), [send(at_ny(3, 10), "email", EMAIL)])) == ["opt_out"]


@pytest.mark.parametrize("reason", ["cease", "attorney", "bankruptcy", "deceased"])
def test_nothing_goes_out_about_an_account_under_a_hard_hold(reason: str) -> None:
    hold = event("hold.placed", at_ny(3, 9), "d-1", {"account_id": "a-1", "reason": reason})
    outputs = [send(at_ny(3, 8, 30)), send(at_ny(4, 10), "email", EMAIL)]
    assert [v.time for v in check_compliance([*placed(profile()), hold], outputs)] == [at_ny(4, 10)]


def test_a_debtor_wide_hold_covers_every_account_and_a_release_lifts_it() -> None:
    inputs = [*placed(profile(), ("a-1", "a-2")),
              event("hold.placed", at_ny(3, 9), "d-1", {"account_id": None, "reason": "attorney"}),
              event("hold.released", at_ny(5, 9), "d-1", {"account_id": None, "reason": "attorney"})]  # fmt: skip
    outputs = [send(at_ny(4, 10), accounts=("a-2",)), send(at_ny(6, 10), accounts=("a-2",))]
    assert [v.time for v in check_compliance(inputs, outputs)] == [at_ny(4, 10)]


def test_under_dispute_only_the_validation_notice_may_go_out() -> None:
    hold = event("hold.placed", at_ny(3, 9), "d-1", {"account_id": "a-1", "reason": "dispute"})
    outputs = [send(at_ny(4, 10), "email", EMAIL, template="validation_notice"), send(at_ny(5, 10), "email", EMAIL)]
    found = check_compliance([*placed(profile()), hold], outputs)
    assert [(v.rule, v.time) for v in found] == [("hold", at_ny(5, 10))]


def test_sundays_and_federal_holidays_are_quiet_days() -> None:
    sunday = at_ny(8, 13)  # Sunday Mar 8, 2026
    thanksgiving = datetime(2026, 11, 26, 16, tzinfo=UTC)
    found = check_compliance(placed(profile()), [send(sunday), send(thanksgiving, "email", EMAIL)])
    assert rules(found) == ["quiet_days", "quiet_days"]
    assert "Thanksgiving" in found[1].detail


def test_quiet_days_can_be_switched_off() -> None:
    policy = CheckerPolicy(quiet_sundays=False, quiet_holidays=False)
    assert check_compliance(placed(profile()), [send(at_ny(8, 13))], policy) == []


def test_sms_to_a_landline_calls_without_consent_and_employer_email_break_consent() -> None:
    outputs = [send(at_ny(3, 10), "sms", LANDLINE), send(at_ny(4, 10), "voice", LANDLINE),
               send(at_ny(5, 10), "email", WORK_EMAIL), send(at_ny(6, 10), "sms", "+13055550100")]  # fmt: skip
    assert rules(check_compliance(placed(profile()), outputs)) == ["consent"] * 4


def test_a_blocked_channel_and_a_stated_inconvenient_time_are_caught() -> None:
    preferences = {"channels": [], "blocked_channels": ["voice"],
                   "inconvenient_times": [{"days": ["tue"], "start": "09:00:00", "end": "17:00:00"}]}  # fmt: skip
    outputs = [send(at_ny(3, 10)), send(at_ny(4, 10), "voice")]
    assert rules(check_compliance(placed(profile(preferences=preferences)), outputs)) == [
        "blocked_channel",
        "inconvenient_time",
    ]


def test_a_fourth_text_in_seven_days_breaks_the_message_cap_but_a_reply_does_not() -> None:
    inbound = event("provider.inbound", at_ny(5, 11), "d-1",
                    {"channel": "sms", "from": MOBILE, "to": "+18005550100", "text": "HELP"})  # fmt: skip
    outputs = [send(at_ny(3, 10)), send(at_ny(4, 10)), send(at_ny(5, 10)), send(at_ny(5, 11, 1), template="help_reply"),
               send(at_ny(6, 10))]  # fmt: skip
    found = check_compliance([*placed(profile()), inbound], outputs)
    assert [(v.rule, v.time) for v in found] == [("message_burst", at_ny(6, 10))]


def test_massachusetts_allows_two_calls_and_texts_per_debt_per_week() -> None:
    debtor = profile(state="MA", postal_code="02108")
    outputs = [send(at_ny(3, 10)), send(at_ny(4, 10), "voice"), send(at_ny(5, 10), "email", EMAIL), send(at_ny(6, 10))]
    found = check_compliance(placed(debtor), outputs)
    assert [(v.rule, v.time) for v in found] == [("state_ma", at_ny(6, 10))]


def test_washington_allows_three_communications_a_week() -> None:
    debtor = profile(state="WA", postal_code="98101", phones=[
        {"number": "+12065550142", "type": "mobile", "sms_consent": True, "call_consent": True}])  # fmt: skip
    noon_pacific = [datetime(2026, 3, day, 20, tzinfo=UTC) for day in (3, 4, 5, 6)]
    outputs = [send(t, "sms", "+12065550142") for t in noon_pacific[:2]] + [
        send(noon_pacific[2], "email", EMAIL), send(noon_pacific[3], "voice", "+12065550142")]  # fmt: skip
    assert [(v.rule, v.time) for v in check_compliance(placed(debtor), outputs)] == [("state_wa", noon_pacific[3])]


def test_a_send_to_a_debtor_never_placed_is_reported() -> None:
    assert rules(check_compliance([], [send(at_ny(3, 10))])) == ["unknown_debtor"]


@pytest.mark.parametrize("text", ["STOP", " stop ", "Stop.", "STOP!!", "stop 🙏", "Opt-Out", "REVOKE", "stop all",
                                  "Please stop texting me", "STOP por favor", "unsubscribe"])  # fmt: skip
def test_the_checker_reads_opt_out_wording_on_its_own(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["ok thanks", "I can pay $50 Friday", "HELP", "Who is this?", "stopwatch"])
def test_ordinary_replies_are_not_opt_outs(text: str) -> None:
    assert not is_opt_out(text)


def test_split_state_zips_narrow_to_their_zone_and_unknown_ones_stay_conservative() -> None:
    assert address_zones("FL", "32501") == ("America/Chicago",)
    assert address_zones("FL", "33101") == ("America/New_York",)
    assert address_zones("TX", "79901") == ("America/Denver",)
    assert set(address_zones("OR", "97914")) == {"America/Los_Angeles", "America/Denver"}


# --- replies and opt-out confirmations are what they are, not when they go out -------------------


def inbound(at: datetime, text: str, channel: str = "sms", sender: str = MOBILE) -> dict[str, Any]:
    """A message from the debtor, as the provider reported it."""
    return event(
        "provider.inbound", at, "d-1", {"channel": channel, "from": sender, "to": "+18005550100", "text": text}
    )


def scheduled(dispatched: dict[str, Any], purpose: str) -> dict[str, Any]:
    """The ``message.scheduled`` output that announced a dispatched send, with the purpose it was planned for."""
    data = dispatched["data"]
    return event(
        "message.scheduled", _time_of(dispatched) - timedelta(seconds=1), data["debtor_id"],
        {"send_id": data["send_id"], "debtor_id": data["debtor_id"], "account_ids": data["account_ids"],
         "channel": data["channel"], "template_id": data["template_id"], "purpose": purpose,
         "due_at": dispatched["time"], "cause_event_id": "evt-cause", "step_id": data["template_id"]},
    )  # fmt: skip


def reply_received(at: datetime, text: str, intent: str) -> dict[str, Any]:
    """The engine's reading of a text from the debtor's mobile, as ``reply.received`` publishes it."""
    return event(
        "reply.received", at, "d-1",
        {"reply_id": f"r-{next(_counter)}", "debtor_id": "d-1", "channel": "sms", "from": MOBILE, "text": text,
         "intent": intent, "confidence": 0.9, "needs_review": True, "account_ids": ["a-1"]},
    )  # fmt: skip


def _time_of(dispatched: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(dispatched["time"].replace("Z", "+00:00"))


def test_an_ordinary_send_soon_after_an_inbound_message_still_counts_toward_the_message_cap() -> None:
    outputs = [send(at_ny(day, 10), template="payment_reminder") for day in (3, 4, 5)]
    fourth = send(at_ny(6, 10, 10), template="payment_reminder")
    found = check_compliance([*placed(profile()), inbound(at_ny(6, 10), "ok thanks")], [*outputs, fourth])
    assert [(v.rule, v.time) for v in found] == [("message_burst", at_ny(6, 10, 10))]


def test_a_send_scheduled_as_a_reply_is_exempt_from_the_message_cap_only_while_it_answers_promptly() -> None:
    cadence = [send(at_ny(day, 10), template="payment_reminder") for day in (3, 4, 5)]
    prompt = send(at_ny(6, 10, 1), template="promise_confirmation")
    late = send(at_ny(6, 11), template="promise_confirmation")
    inputs = [*placed(profile()), inbound(at_ny(6, 10), "I'll pay $50 Friday"), inbound(at_ny(6, 10, 30), "ok")]
    outputs = [*cadence, scheduled(prompt, "reply"), prompt, scheduled(late, "reply"), late]
    assert [(v.rule, v.time) for v in check_compliance(inputs, outputs)] == [("message_burst", at_ny(6, 11))]


def test_one_inbound_contact_allows_one_reply_in_an_inconvenient_time() -> None:
    preferences = {"channels": [], "blocked_channels": [],
                   "inconvenient_times": [{"days": ["tue"], "start": "09:00:00", "end": "17:00:00"}]}  # fmt: skip
    inputs = [*placed(profile(preferences=preferences)), inbound(at_ny(3, 10), "HELP")]
    outputs = [send(at_ny(3, 10, 1), template="help_reply"), send(at_ny(3, 10, 9), template="help_reply")]
    found = check_compliance(inputs, outputs)
    assert [(v.rule, v.time) for v in found] == [("inconvenient_time", at_ny(3, 10, 9))]


def test_the_grace_after_stop_is_for_the_confirmation_template_only() -> None:
    inputs = [*placed(profile()), inbound(at_ny(3, 10), "STOP")]
    found = check_compliance(inputs, [send(at_ny(3, 10, 2), template="payment_reminder")])
    assert [(v.rule, v.time) for v in found] == [("opt_out", at_ny(3, 10, 2))]


def test_each_opt_out_allows_one_confirmation_and_a_new_opt_out_after_start_its_own() -> None:
    inputs = [*placed(profile()), inbound(at_ny(3, 10), "STOP"), inbound(at_ny(4, 10), "START"),
              inbound(at_ny(5, 10), "STOP")]  # fmt: skip
    outputs = [
        send(at_ny(3, 10, 1), template="opt_out_confirmation"),
        send(at_ny(3, 10, 2), template="opt_out_confirmation"),  # a second confirmation of the same opt-out
        send(at_ny(5, 10, 1), template="opt_out_confirmation"),
    ]
    found = check_compliance(inputs, outputs)
    assert [(v.rule, v.time) for v in found] == [("opt_out", at_ny(3, 10, 2))]


def test_massachusetts_counts_replies_toward_its_two_calls_and_texts_per_debt() -> None:
    debtor = profile(state="MA", postal_code="02108")
    inputs = [*placed(debtor), inbound(at_ny(5, 10), "HELP")]
    outputs = [send(at_ny(3, 10)), send(at_ny(4, 10)), send(at_ny(5, 10, 1), template="help_reply")]
    found = check_compliance(inputs, outputs)
    assert [(v.rule, v.time) for v in found] == [("state_ma", at_ny(5, 10, 1))]


# --- holds the debtor's own replies place ----------------------------------------------------------


@pytest.mark.parametrize("intent", ["cease_communication", "attorney", "bankruptcy", "deceased", "dispute"])
def test_a_reply_with_a_hold_intent_holds_every_account(intent: str) -> None:
    inputs = [*placed(profile(), ("a-1", "a-2")), inbound(at_ny(3, 10), "see my lawyer")]
    outputs = [reply_received(at_ny(3, 10), "see my lawyer", intent), send(at_ny(4, 10), "email", EMAIL,
               accounts=("a-2",), template="payment_reminder")]  # fmt: skip
    found = check_compliance(inputs, outputs)
    assert [(v.rule, v.time) for v in found] == [("hold", at_ny(4, 10))]


def test_a_dispute_by_reply_still_permits_the_validation_notice() -> None:
    notice = send(at_ny(4, 10), "email", EMAIL, template="first_notice")
    inputs = [*placed(profile()), inbound(at_ny(3, 10), "this is not my debt")]
    outputs = [reply_received(at_ny(3, 10), "this is not my debt", "dispute"), scheduled(notice, "validation_notice"),
               notice, send(at_ny(5, 10), "email", EMAIL, template="first_notice")]  # fmt: skip
    assert [(v.rule, v.time) for v in check_compliance(inputs, outputs)] == [("hold", at_ny(5, 10))]


# --- stated inconvenient times that wrap past midnight ----------------------------------------------


def test_an_inconvenient_window_past_midnight_covers_the_evening_and_the_next_morning() -> None:
    overnight = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "20:00:00", "end": "09:00:00"}
    debtor = profile(preferences={"channels": [], "blocked_channels": [], "inconvenient_times": [overnight]})
    outputs = [
        send(at_ny(2, 20, 30)),  # Monday evening: blocked
        send(at_ny(3, 8, 30), "email", EMAIL),  # Tuesday morning, after Monday evening: blocked
        send(at_ny(3, 9), "voice"),  # the window has ended
        send(at_ny(7, 8, 30)),  # Saturday morning, after Friday evening: blocked
        send(at_ny(9, 8, 30), "email", EMAIL),  # Monday morning, after a Sunday the window does not name
    ]
    found = check_compliance(placed(debtor), outputs)
    assert [(v.rule, v.time) for v in found] == [
        ("inconvenient_time", at_ny(2, 20, 30)),
        ("inconvenient_time", at_ny(3, 8, 30)),
        ("inconvenient_time", at_ny(7, 8, 30)),
    ]


# --- opting back in ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["YES", "yes please", "opt me back in", "START please"])
def test_only_start_or_unstop_reopens_sms_after_an_opt_out(text: str) -> None:
    inputs = [*placed(profile()), inbound(at_ny(3, 10), "STOP"), inbound(at_ny(3, 11), text)]
    found = check_compliance(inputs, [send(at_ny(4, 10), template="payment_reminder")])
    assert [(v.rule, v.time) for v in found] == [("opt_out", at_ny(4, 10))]


@pytest.mark.parametrize("text", ["START", "unstop", "Start!"])
def test_start_or_unstop_by_text_reopens_sms(text: str) -> None:
    inputs = [*placed(profile()), inbound(at_ny(3, 10), "STOP"), inbound(at_ny(3, 11), text)]
    assert check_compliance(inputs, [send(at_ny(4, 10), template="payment_reminder")]) == []


@pytest.mark.parametrize("text", ["ALTO", "alto", "Alto."])
def test_the_spanish_carrier_keyword_alto_is_an_opt_out(text: str) -> None:
    assert is_opt_out(text)


@pytest.mark.parametrize("text", ["YES", "yes", "START please"])
def test_yes_and_start_with_other_words_are_not_opt_ins(text: str) -> None:
    assert not is_opt_in(text)


@pytest.mark.parametrize("text", ["START", " unstop ", "Start!"])
def test_start_and_unstop_are_opt_ins(text: str) -> None:
    assert is_opt_in(text)
