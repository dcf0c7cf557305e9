"""Opt-outs, holds, consent and account status (items 5–7; edge cases 24, 31, 38–40)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from compliance_fixtures import (
    EMAIL,
    MOBILE,
    NO_QUIET_DAYS,
    attempt,
    call,
    debtor,
    email,
    et,
    sms,
    verdict,
    with_attempts,
    with_hold,
)

from orchestrator.compliance import ProposedContact, decide
from orchestrator.domain import AccountState, Attempt, DebtorState, InboundContact, OptOutRecord
from orchestrator.events import Email, HoldReason, OptOut, Phone, Preferences
from orchestrator.service.sends import PlannedSend
from orchestrator.service.targeting import Target, target_channel

AT = et(2026, 3, 16, 12)


def test_an_sms_opt_out_blocks_texts_about_every_account_and_never_expires() -> None:
    state = replace(debtor(("A", "B")), opt_outs=(OptOutRecord("sms", MOBILE, et(2026, 3, 16, 9)),))
    for accounts in (("A",), ("B",), ("A", "B")):
        decision = decide(state, sms(accounts), AT)
        assert not verdict(decision, "medium_optout").allowed
        assert decision.next_allowed_at is None
    assert decide(state, call(), AT).allowed  # the medium, not the person
    assert decide(state, email(), AT).allowed


def test_one_confirmation_of_an_opt_out_is_allowed_and_only_one() -> None:
    state = replace(debtor(), opt_outs=(OptOutRecord("sms", MOBILE, et(2026, 3, 16, 11, 55)),))
    confirm = sms(purpose="opt_out_confirmation")
    assert decide(state, confirm, AT).allowed
    confirmed = with_attempts(state, attempt(AT, "sms", outcome="sent", purpose="opt_out_confirmation"))
    assert not decide(confirmed, confirm, et(2026, 3, 16, 12, 1)).allowed


def _confirmation(stop: InboundContact, n: int) -> PlannedSend:
    """The opt-out confirmation a STOP plans (service/replies.py), answered where it came from."""
    return PlannedSend(
        f"confirm-{n}", "d-1", ("A",), "opt_out_confirmation", stop.channel, "opt_out_confirmation",
        stop.at, f"in-{n}", stop.at, "opt_out_confirmation", destination=stop.source,
    )  # fmt: skip


def _sent(state: DebtorState, target: Target, n: int) -> DebtorState:
    """The ledger entry dispatch writes for an allowed target (purpose: ``contact.ledger_purpose``)."""
    assert target.contact is not None and target.send_at is not None
    contact = target.contact
    sent = Attempt(
        f"sent-{n}", contact.channel, contact.destination, ("A",), target.send_at, "sent", contact.ledger_purpose
    )
    return with_attempts(state, sent)


def test_a_second_opt_out_confirmation_sent_as_targeting_marks_it_is_blocked() -> None:
    stop = InboundContact("sms", MOBILE, et(2026, 3, 16, 11, 58))
    state = replace(debtor(), opt_outs=(OptOutRecord("sms", MOBILE, stop.at),), inbound=(stop,))
    first = target_channel(state, _confirmation(stop, 1), "sms", AT, NO_QUIET_DAYS)
    assert first.ready(AT) and first.contact is not None and first.contact.is_reply_to_inbound
    state = _sent(state, first, 1)
    again = et(2026, 3, 16, 12, 1)
    second = decide(state, sms(purpose="opt_out_confirmation", is_reply_to_inbound=True), again)
    assert not verdict(second, "medium_optout").allowed
    # Nor when the consumer writes again after it: the one reply that allows is not a second confirmation.
    later = InboundContact("sms", MOBILE, et(2026, 3, 16, 12, 0, 30))
    wrote_again = replace(state, inbound=(later,))
    blocked = target_channel(wrote_again, _confirmation(later, 2), "sms", again, NO_QUIET_DAYS)
    assert blocked.send_at is None and blocked.decision is not None
    assert not verdict(blocked.decision, "medium_optout").allowed


def test_an_opt_out_in_the_profile_and_a_blocked_channel_both_block() -> None:
    stated = debtor(opt_outs=(OptOut(channel="email"),))
    assert not verdict(decide(stated, email(), AT), "medium_optout").allowed
    blocked = debtor(preferences=Preferences(blocked_channels=("voice",)))
    assert not verdict(decide(blocked, call(), AT), "medium_optout").allowed


@pytest.mark.parametrize(
    ("reason", "rule_id"),
    [
        ("cease", "cease_comm"),
        ("attorney", "attorney_rep"),
        ("bankruptcy", "bankruptcy_stop"),
        ("deceased", "deceased_hold"),
        ("dispute", "dispute_hold"),
        ("other", "other_hold"),
    ],
)
def test_each_hold_blocks_every_channel_for_the_held_account_only(reason: HoldReason, rule_id: str) -> None:
    state = with_hold(debtor(("A", "B")), reason, "A")
    for contact in (sms(("A",)), email(("A",)), call(("A",))):
        decision = decide(state, contact, AT)
        assert not verdict(decision, rule_id).allowed
        assert decision.next_allowed_at is None
    assert decide(state, sms(("B",)), AT).allowed


def test_a_hold_naming_no_account_covers_every_account() -> None:
    state = with_hold(debtor(("A", "B")), "bankruptcy")
    assert not verdict(decide(state, sms(("B",)), AT), "bankruptcy_stop").allowed


def test_a_dispute_allows_only_the_validation_notice() -> None:
    state = with_hold(debtor(), "dispute", "A")
    assert decide(state, email(purpose="validation_notice"), AT).allowed
    assert not decide(state, email(purpose="reminder"), AT).allowed


def test_a_cease_notice_allows_only_the_permitted_notices() -> None:
    state = with_hold(debtor(), "cease", "A")
    assert decide(state, email(purpose="collection_ending"), AT).allowed
    assert not decide(state, email(purpose="validation_notice"), AT).allowed


def test_a_represented_consumer_can_be_answered_once_but_not_contacted() -> None:
    state = with_hold(debtor(), "attorney")
    assert not decide(state, email(), AT).allowed
    asked = replace(state, inbound=(InboundContact("email", EMAIL, et(2026, 3, 16, 11)),))
    assert decide(asked, email(is_reply_to_inbound=True), AT).allowed


def test_texts_need_a_consented_mobile_and_calls_need_call_consent() -> None:
    landline = debtor(phones=(Phone(number=MOBILE, type="landline", sms_consent=True, call_consent=True),))
    assert "landline" in verdict(decide(landline, sms(), AT), "sms_eligibility").reason
    no_consent = debtor(phones=(Phone(number=MOBILE),))
    assert not verdict(decide(no_consent, sms(), AT), "sms_eligibility").allowed
    assert not verdict(decide(no_consent, call(), AT), "tcpa_consent").allowed
    unknown = decide(debtor(), ProposedContact("sms", "+12125559999", ("A",)), AT)
    assert not verdict(unknown, "sms_eligibility").allowed


def test_employer_email_and_unconsented_email_are_not_used() -> None:
    work = debtor(emails=(Email(address=EMAIL, consent=True, employer_provided=True),))
    assert "employer" in verdict(decide(work, email(), AT), "email_eligibility").reason
    assert not verdict(decide(debtor(emails=(Email(address=EMAIL),)), email(), AT), "email_eligibility").allowed


def test_a_destination_reported_bad_is_not_used_again() -> None:
    state = replace(debtor(), bad_destinations=frozenset({MOBILE}))
    assert not verdict(decide(state, sms(), AT), "sms_eligibility").allowed
    assert not verdict(decide(state, call(), AT), "tcpa_consent").allowed


def test_closed_and_paid_accounts_get_only_thanks_or_closure_notices() -> None:
    state = replace(debtor(), accounts=(AccountState("A", status="paid"),))
    assert not verdict(decide(state, sms(), AT), "account_status").allowed
    assert decide(state, sms(purpose="payment_thanks"), AT).allowed
    assert not verdict(decide(debtor(), sms(("Z",)), AT), "account_status").allowed
