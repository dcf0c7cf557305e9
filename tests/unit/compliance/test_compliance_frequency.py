"""Call frequency, conversations, bursts and state packs (edge cases 11–15, 21–23)."""

from __future__ import annotations

from datetime import timedelta

from compliance_fixtures import (
    NO_QUIET_DAYS,
    attempt,
    call,
    debtor,
    email,
    et,
    sms,
    verdict,
    with_attempts,
    with_conversation,
)

from orchestrator.compliance import decide


def _daily_calls(days: range, hour: int = 10, **fields: object):  # type: ignore[no-untyped-def]
    return [attempt(et(2026, 3, day, hour), **fields) for day in days]  # type: ignore[arg-type]


def test_seventh_call_in_seven_days_is_allowed_an_eighth_is_not_and_day_eight_reopens() -> None:
    state = with_attempts(debtor(), *_daily_calls(range(2, 8)))  # Mar 2..7: six calls
    assert verdict(decide(state, call(), et(2026, 3, 8, 12), NO_QUIET_DAYS), "call_7in7").allowed
    seven = with_attempts(state, attempt(et(2026, 3, 8, 10)))
    blocked = decide(seven, call(), et(2026, 3, 8, 12), NO_QUIET_DAYS)
    assert not verdict(blocked, "call_7in7").allowed
    assert verdict(blocked, "call_7in7").next_allowed_at == et(2026, 3, 9, 0, 0)
    assert verdict(decide(seven, call(), et(2026, 3, 9, 10), NO_QUIET_DAYS), "call_7in7").allowed


def test_four_calls_saturday_and_three_monday_block_tuesday() -> None:
    saturday = [attempt(et(2026, 3, 14, 9 + 2 * i)) for i in range(4)]
    monday = [attempt(et(2026, 3, 16, 9 + 2 * i)) for i in range(3)]
    state = with_attempts(debtor(), *saturday, *monday)
    decision = decide(state, call(), et(2026, 3, 17, 12))
    assert not decision.allowed
    rule = verdict(decision, "call_7in7")
    assert not rule.allowed
    assert rule.next_allowed_at == et(2026, 3, 21, 0, 0)  # Saturday drops out of D-6..D
    assert decision.next_allowed_at == et(2026, 3, 21, 8, 0)


def test_busy_and_failed_calls_do_not_count_but_unanswered_ringing_does() -> None:
    unconnected = [attempt(et(2026, 3, d, 10), outcome="not_connected") for d in range(2, 9)]
    unconnected += [attempt(et(2026, 3, d, 11), outcome="failed") for d in range(2, 9)]
    assert verdict(decide(with_attempts(debtor(), *unconnected), call(), et(2026, 3, 8, 12)), "call_7in7").allowed
    rang = with_attempts(debtor(), *_daily_calls(range(2, 9), outcome="placed"))
    assert not verdict(decide(rang, call(), et(2026, 3, 8, 12)), "call_7in7").allowed


def test_texts_and_emails_do_not_count_as_calls() -> None:
    messages = [attempt(et(2026, 3, d, 10), "sms", outcome="delivered") for d in range(2, 9)]
    assert verdict(decide(with_attempts(debtor(), *messages), call(), et(2026, 3, 8, 12)), "call_7in7").allowed


def test_a_call_about_two_accounts_counts_for_each() -> None:
    state = with_attempts(debtor(("A", "B")), *_daily_calls(range(2, 9), accounts=("A", "B")))
    assert not verdict(decide(state, call(("A",)), et(2026, 3, 8, 12)), "call_7in7").allowed
    assert not verdict(decide(state, call(("B",)), et(2026, 3, 8, 12)), "call_7in7").allowed
    only_a = with_attempts(debtor(("A", "B")), *_daily_calls(range(2, 9), accounts=("A",)))
    assert verdict(decide(only_a, call(("B",)), et(2026, 3, 8, 12)), "call_7in7").allowed


def test_a_conversation_blocks_calls_through_day_c_plus_six_and_day_c_plus_seven_is_allowed() -> None:
    state = with_conversation(debtor(), et(2026, 8, 14, 11), "A")  # Friday
    for day in (14, 15, 17, 20):
        assert not verdict(decide(state, call(), et(2026, 8, day, 18)), "call_post_conversation").allowed
    rule = verdict(decide(state, call(), et(2026, 8, 20, 20, 59)), "call_post_conversation")
    assert rule.next_allowed_at == et(2026, 8, 21, 0, 0)
    assert decide(state, call(), et(2026, 8, 21, 9)).allowed


def test_a_conversation_about_one_debt_leaves_the_other_alone_unless_both_were_discussed() -> None:
    about_a = with_conversation(debtor(("A", "B")), et(2026, 8, 14, 11), "A")
    assert verdict(decide(about_a, call(("B",)), et(2026, 8, 17, 10)), "call_post_conversation").allowed
    about_both = with_conversation(debtor(("A", "B")), et(2026, 8, 14, 11), "A", "B")
    assert not verdict(decide(about_both, call(("B",)), et(2026, 8, 17, 10)), "call_post_conversation").allowed


def test_the_conversation_block_does_not_stop_texts() -> None:
    state = with_conversation(debtor(), et(2026, 8, 14, 11), "A")
    assert decide(state, sms(), et(2026, 8, 17, 10)).allowed


def test_two_calls_three_minutes_apart_are_a_burst() -> None:
    first = attempt(et(2026, 3, 16, 10, 0), outcome="placed")
    decision = decide(with_attempts(debtor(), first), call(), et(2026, 3, 16, 10, 3))
    rule = verdict(decision, "burst_guard")
    assert not rule.allowed
    assert rule.next_allowed_at == et(2026, 3, 16, 10, 5)
    assert decision.next_allowed_at == et(2026, 3, 16, 10, 5)


def test_a_fourth_call_in_one_day_waits_for_tomorrow() -> None:
    state = with_attempts(debtor(), *[attempt(et(2026, 3, 16, 9 + i), outcome="not_connected") for i in range(3)])
    decision = decide(state, call(), et(2026, 3, 16, 15))
    assert not verdict(decision, "burst_guard").allowed
    assert decision.next_allowed_at == et(2026, 3, 17, 8, 0)


def test_a_fourth_text_in_seven_days_is_blocked_but_a_reply_is_not_capped() -> None:
    state = with_attempts(debtor(), *[attempt(et(2026, 3, d, 10), "sms", outcome="delivered") for d in (10, 12, 13)])
    decision = decide(state, sms(), et(2026, 3, 16, 12))
    assert not verdict(decision, "burst_guard").allowed
    assert decision.next_allowed_at == et(2026, 3, 17, 8, 0)  # Mar 10 leaves the 7-day window
    assert verdict(decide(state, sms(purpose="opt_out_confirmation"), et(2026, 3, 16, 12)), "burst_guard").allowed


def test_massachusetts_blocks_a_third_call_or_text_about_a_debt_within_seven_days() -> None:
    ma = debtor(postal_code="02110", state="MA")
    two = with_attempts(ma, attempt(et(2026, 3, 10, 10)), attempt(et(2026, 3, 12, 10), "sms", outcome="delivered"))
    decision = decide(two, sms(), et(2026, 3, 13, 12))
    rule = verdict(decision, "state_ma")
    assert not rule.allowed
    assert rule.next_allowed_at == et(2026, 3, 17, 0, 0)
    assert not verdict(decide(two, call(), et(2026, 3, 13, 12)), "state_ma").allowed
    assert verdict(decide(two, email(), et(2026, 3, 13, 12)), "state_ma").allowed
    assert verdict(decide(with_attempts(debtor(), *two.ledger), sms(), et(2026, 3, 13, 12)), "state_ma").allowed


def test_massachusetts_counts_the_replies_and_confirmations_already_sent_too() -> None:
    """COMPLIANCE item 10: 2 calls and texts per debt per 7 days, with no exception for replies."""
    ma = debtor(postal_code="02110", state="MA")
    notice = attempt(et(2026, 3, 10, 10), "sms", outcome="delivered", purpose="first_notice")
    for answer in ("reply", "opt_out_confirmation"):
        two = with_attempts(ma, notice, attempt(et(2026, 3, 10, 11), "sms", outcome="delivered", purpose=answer))
        assert not verdict(decide(two, call(), et(2026, 3, 12, 12)), "state_ma").allowed, answer
    failed = with_attempts(ma, notice, attempt(et(2026, 3, 10, 11), "sms", outcome="failed", purpose="reply"))
    assert verdict(decide(failed, call(), et(2026, 3, 12, 12)), "state_ma").allowed


def test_washington_blocks_a_fourth_communication_in_a_week_unless_replying() -> None:
    wa = debtor(postal_code="98101", state="WA", phones=())
    three = with_attempts(wa, *[attempt(et(2026, 3, d, 13), "email", outcome="delivered") for d in (10, 11, 12)])
    assert not verdict(decide(three, email(), et(2026, 3, 13, 14)), "state_wa").allowed
    assert verdict(decide(three, email(is_reply_to_inbound=True), et(2026, 3, 13, 14)), "state_wa").allowed


def test_washington_hours_start_at_seven_thirty_and_end_at_nine() -> None:
    wa = debtor(postal_code="98101", state="WA", phones=())
    at = et(2026, 3, 16, 10, 0) + timedelta(hours=0)  # 07:00 Pacific
    rule = verdict(decide(wa, email(), at), "state_wa")
    assert not rule.allowed
    assert "07:30" in rule.reason
