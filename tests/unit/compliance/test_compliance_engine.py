"""The engine: every rule evaluated, a stable audit record, and next_slot."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from compliance_fixtures import attempt, call, debtor, et, sms, with_attempts, with_hold

from orchestrator.compliance import CORE_RULES, DEFAULT_POLICY, Policy, decide, next_slot, rules_for

AT = et(2026, 3, 17, 12)


def _busy_state():  # type: ignore[no-untyped-def]
    calls = [attempt(et(2026, 3, 14, 9 + 2 * i)) for i in range(4)] + [
        attempt(et(2026, 3, 16, 9 + i)) for i in range(3)
    ]
    return with_attempts(debtor(postal_code="02110", state="MA"), *calls)


def test_every_rule_is_evaluated_even_after_the_first_failure() -> None:
    decision = decide(with_hold(_busy_state(), "dispute"), call(), et(2026, 3, 17, 7))
    ids = [v.rule_id for v in decision.verdicts]
    assert ids == [r.rule_id for r in rules_for(DEFAULT_POLICY.state_packs)]
    assert {"time_window_federal", "call_7in7", "dispute_hold", "state_ma"} <= set(decision.blocking_rule_ids)
    assert decision.next_allowed_at is None  # the hold never lifts by itself
    assert len(ids) == len(CORE_RULES) + 2


def test_the_audit_record_is_plain_json_and_identical_for_identical_input() -> None:
    first = decide(_busy_state(), call(), AT).to_json()
    second = decide(_busy_state(), call(), AT).to_json()
    text = json.dumps(first)
    assert text == json.dumps(second)
    assert list(first) == [
        "debtor_id",
        "at",
        "allowed",
        "next_allowed_at",
        "contact",
        "zones",
        "blocked_by",
        "verdicts",
    ]
    assert first["at"] == "2026-03-17T16:00:00Z"
    assert first["blocked_by"] == ["call_7in7", "state_ma"]
    assert all(isinstance(v["reason"], str) and v["reason"] for v in first["verdicts"])


def test_next_slot_returns_a_moment_the_engine_allows() -> None:
    state = _busy_state()
    slot = next_slot(state, call(), AT)
    assert slot is not None
    assert decide(state, call(), slot).allowed
    assert not decide(state, call(), slot - timedelta(seconds=1)).allowed


def test_next_slot_is_the_moment_itself_when_already_allowed() -> None:
    assert next_slot(debtor(), sms(), et(2026, 3, 16, 12)) == et(2026, 3, 16, 12)


def test_next_slot_gives_up_beyond_the_horizon_and_for_permanent_blocks() -> None:
    assert next_slot(with_hold(debtor(), "bankruptcy"), sms(), AT) is None
    short = Policy(search_horizon=timedelta(hours=1))
    assert next_slot(debtor(), sms(), et(2026, 3, 16, 22), short) is None


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        decide(debtor(), sms(), AT.replace(tzinfo=None))


def test_a_policy_window_longer_than_the_ledger_keeps_is_refused() -> None:
    with pytest.raises(ValueError, match="retention"):
        Policy(message_window_days=30)


@pytest.mark.parametrize("option", ["max_calls_per_7_days", "max_calls_per_day", "max_sms_per_window"])
def test_a_policy_cap_of_zero_is_refused(option: str) -> None:
    with pytest.raises(ValueError, match=f"at least 1: {option}"):
        Policy(**{option: 0})


def test_a_decision_asked_again_is_the_same_and_a_changed_state_or_policy_is_judged_afresh() -> None:
    """The engine keeps the rules of its latest decisions (their verdicts that do not depend on the
    moment); they answer for that very state and policy only, never for an equal-looking contact on a
    state that changed since (a hold placed) or under another policy (a state's own hours)."""
    state = debtor(postal_code="02110", state="MA")
    first = decide(state, call(), AT)
    assert first.allowed and decide(state, call(), AT).to_json() == first.to_json()
    assert next_slot(state, call(), AT) == AT

    held = with_hold(state, "dispute")
    assert decide(held, call(), AT).blocking_rule_ids == ("dispute_hold",)
    assert decide(state, call(), AT).to_json() == first.to_json()

    evening = et(2026, 3, 17, 20, 30)
    assert decide(state, call(), evening).allowed
    until_eight = Policy(window_end=time(20, 0))
    assert not decide(state, call(), evening, until_eight).allowed
    assert next_slot(state, call(), evening, until_eight) == et(2026, 3, 18, 8, 0)
    assert decide(state, call(), evening).allowed
