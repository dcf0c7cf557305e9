"""State transitions from events: accounts, holds, conversations, provider statuses and replies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from orchestrator.compliance import Decision, ProposedContact, decide
from orchestrator.domain import Attempt, DebtorState, from_json_bytes, to_json_bytes
from orchestrator.domain.transitions import (
    LEDGER_RETENTION,
    apply_event,
    record_attempt,
    record_provider_id,
    withdraw_attempt,
)
from orchestrator.events import INBOUND_EVENT_TYPES, InboundEvent

T0 = datetime(2026, 3, 16, 14, tzinfo=UTC)
MOBILE = "+12125550123"
PROFILE = {
    "id": "d-1",
    "name": {"first": "Maria", "last": "Garcia"},
    "address": {"line1": "1 Main", "city": "New York", "state": "NY", "postal_code": "10001"},
    "phones": [{"number": MOBILE, "sms_consent": True, "call_consent": True}],
    "emails": [{"address": "maria@example.com", "consent": True}],
}


def event(kind: str, data: dict[str, Any], at: datetime = T0, n: int = 0) -> InboundEvent:
    model = INBOUND_EVENT_TYPES[kind].model_validate(data)
    return InboundEvent(id=f"e{n}", type=kind, source="test", subject="d-1", time=at, data=model)  # type: ignore[arg-type]


ACME = {"id": "A", "creditor": "Acme", "balance": "100.00"}


def placed(account_id: str = "A", balance: str = "100.00") -> InboundEvent:
    account = {"id": account_id, "creditor": "Acme", "balance": balance}
    return event("account.placed", {"debtor": PROFILE, "account": account})


def sent(state: DebtorState, attempt_id: str, channel: str = "sms", at: datetime = T0, **kw: Any) -> DebtorState:
    dest = "maria@example.com" if channel == "email" else MOBILE
    fields = {"outcome": "placed" if channel == "voice" else "sent", **kw}
    state = record_attempt(state, Attempt(attempt_id, channel, dest, ("A",), at, **fields))  # type: ignore[arg-type]
    return record_provider_id(state, attempt_id, f"P{attempt_id}")


def status(attempt_id: str, channel: str = "sms", at: datetime = T0, **kw: Any) -> InboundEvent:
    return event("provider.status", {"channel": channel, "provider_message_id": f"P{attempt_id}", **kw}, at)


def placed_as(debtor: dict[str, Any]) -> InboundEvent:
    return event("account.placed", {"debtor": debtor, "account": {"id": "A", "creditor": "x", "balance": "1"}})


def opt_out_verdict(decision: Decision) -> bool:
    return next(v.allowed for v in decision.verdicts if v.rule_id == "medium_optout")


def inbound(text: str, at: datetime = T0) -> InboundEvent:
    return event("provider.inbound", {"channel": "sms", "from": MOBILE, "to": "+18005550000", "text": text}, at)


def test_account_placed_creates_the_debtor_with_an_open_account() -> None:
    state = apply_event(None, placed())
    assert state.debtor_id == "d-1"
    assert [(a.id, a.status, a.balance) for a in state.accounts] == [("A", "open", Decimal("100.00"))]
    assert state.needs_full_disclosure("A")


def test_payments_reduce_the_balance_and_paying_in_full_marks_the_account_paid() -> None:
    state = apply_event(None, placed())
    state = apply_event(state, event("payment.received", {"account_id": "A", "amount": "40", "paid_at": T0}))
    assert state.accounts[0].balance == Decimal("60.00") and state.accounts[0].status == "open"
    state = apply_event(state, event("payment.received", {"account_id": "A", "amount": "60", "paid_at": T0}))
    assert state.accounts[0].status == "paid"


def test_promises_pause_an_account_until_due_and_breaking_one_clears_it() -> None:
    state = apply_event(None, placed())
    state = apply_event(state, event("promise.created", {"account_id": "A", "amount": "50", "due_date": "2026-03-20"}))
    assert state.accounts[0].paused_until is not None and state.accounts[0].paused_until.isoformat() == "2026-03-20"
    state = apply_event(state, event("promise.broken", {"account_id": "A"}))
    assert state.accounts[0].paused_until is None


def test_account_closed_and_updated_change_the_account() -> None:
    state = apply_event(None, placed())
    state = apply_event(state, event("account.updated", {"account": {"id": "A", "balance": "75.50"}}))
    assert state.accounts[0].balance == Decimal("75.50")
    state = apply_event(state, event("account.closed", {"account_id": "A", "reason": "sold"}))
    assert state.accounts[0].status == "closed"


def test_an_account_keeps_the_currency_it_was_placed_in_until_an_update_names_another() -> None:
    state = apply_event(None, event("account.placed", {"debtor": PROFILE, "account": {**ACME, "currency": "EUR"}}))
    assert state.accounts[0].currency == "EUR"
    state = apply_event(state, event("account.updated", {"account": {"id": "A", "balance": "80.00"}}))
    assert state.accounts[0].currency == "EUR"
    state = apply_event(state, event("account.updated", {"account": {"id": "A", "currency": "GBP"}}))
    assert (state.accounts[0].currency, state.accounts[0].balance) == ("GBP", Decimal("80.00"))


def test_every_other_transition_keeps_the_account_s_currency() -> None:
    state = apply_event(None, event("account.placed", {"debtor": PROFILE, "account": {**ACME, "currency": "EUR"}}))
    for kind, data in (
        ("payment.received", {"account_id": "A", "amount": "40", "paid_at": T0}),
        ("promise.created", {"account_id": "A", "amount": "50", "due_date": "2026-03-20"}),
        ("promise.broken", {"account_id": "A"}),
        ("payment.missed", {"account_id": "A", "amount_due": "10", "due_date": "2026-03-01"}),
        ("hold.placed", {"account_id": "A", "reason": "dispute"}),
        ("hold.released", {"account_id": "A", "reason": "dispute"}),
        ("conversation.logged", {"account_ids": ["A"], "at": T0}),
        ("debtor.updated", {"debtor": {"language": "es"}}),
        ("account.closed", {"account_id": "A"}),
    ):
        state = apply_event(state, event(kind, data))
        assert state.accounts[0].currency == "EUR", kind
    state = apply_event(state, event("account.placed", {"debtor": PROFILE, "account": ACME}))
    assert state.accounts[0].currency == "USD"  # placed again, in the currency it now states


def test_an_account_first_met_in_an_update_takes_its_currency() -> None:
    state = apply_event(None, event("account.updated", {"account": {"id": "A", "balance": "5", "currency": "MXN"}}))
    assert state.accounts[0].currency == "MXN"


def test_holds_are_placed_and_released_by_account_and_reason() -> None:
    state = apply_event(None, placed())
    state = apply_event(state, event("hold.placed", {"account_id": None, "reason": "dispute"}))
    state = apply_event(state, event("hold.placed", {"account_id": "A", "reason": "cease"}))
    assert {(h.account_id, h.reason) for h in state.holds} == {(None, "dispute"), ("A", "cease")}
    state = apply_event(state, event("hold.released", {"account_id": None, "reason": "dispute"}))
    assert [(h.account_id, h.reason) for h in state.holds] == [("A", "cease")]


def test_conversation_logged_records_a_conversation() -> None:
    state = apply_event(None, placed())
    state = apply_event(state, event("conversation.logged", {"account_ids": ["A"], "at": T0}))
    assert [(c.at, c.account_ids) for c in state.conversations] == [(T0, ("A",))]


def amd(attempt_id: str, answered_by: str, at: datetime = T0) -> InboundEvent:
    """Twilio's async AMD callback as the webhook publishes it (channels/webhooks/normalize.py)."""
    return status(attempt_id, "voice", at, status="answered", answered_by=answered_by)


def completed(attempt_id: str, duration_s: int, at: datetime = T0) -> InboundEvent:
    """The call's final status callback: with AsyncAmd=true it carries no AnsweredBy."""
    return status(attempt_id, "voice", at, status="completed", duration_s=duration_s)


def test_a_human_answered_call_of_thirty_seconds_is_a_conversation() -> None:
    state = sent(apply_event(None, placed()), "c1", "voice")
    state = apply_event(state, amd("c1", "human"))
    state = apply_event(state, completed("c1", 45))
    assert state.ledger[0].outcome == "conversation"
    assert state.ledger[0].answered_by == "human"
    assert state.conversations[0].account_ids == ("A",)
    assert not state.needs_full_disclosure("A")
    assert state.response_history()[("voice", "morning")] == (1, 1)


def test_a_status_that_repeats_what_the_ledger_holds_changes_nothing() -> None:
    """``sent`` after the dispatch recorded the send as sent, or the same end of a call reported again:
    the very same state (so the service writes nothing), and one call is never two conversations."""
    state = sent(apply_event(None, placed()), "s1")
    assert apply_event(state, status("s1", status="sent")) is state
    call = apply_event(sent(state, "c1", "voice"), completed("c1", 45))
    assert apply_event(call, completed("c1", 45, T0 + timedelta(seconds=5))) is call
    assert len(call.conversations) == 1


def test_busy_is_not_connected_and_a_machine_is_not_a_conversation() -> None:
    base = sent(sent(apply_event(None, placed()), "c1", "voice"), "c2", "voice")
    state = apply_event(base, status("c1", "voice", status="busy"))
    state = apply_event(state, amd("c2", "machine_end_beep"))
    state = apply_event(state, completed("c2", 40))
    assert [a.outcome for a in state.ledger] == ["not_connected", "machine"]
    assert state.conversations == ()


def test_the_amd_answer_is_kept_on_the_attempt_until_the_call_completes() -> None:
    state = sent(apply_event(None, placed()), "c1", "voice")
    state = apply_event(state, amd("c1", "machine_end_beep"))
    assert (state.ledger[0].outcome, state.ledger[0].answered_by) == ("placed", "machine_end_beep")
    assert from_json_bytes(to_json_bytes(state)) == state  # the answer survives the store


@pytest.mark.parametrize("late", [False, True], ids=["amd-before-completed", "amd-after-completed"])
def test_a_machine_answer_is_never_a_conversation_nor_a_first_contact_whatever_the_order(late: bool) -> None:
    """The reviewer's case: AMD says machine_end_beep, the call lasts 45 s (the voicemail was played)."""
    state = sent(apply_event(None, placed()), "c1", "voice")
    events = (
        [completed("c1", 45), amd("c1", "machine_end_beep")]
        if late
        else [amd("c1", "machine_end_beep"), completed("c1", 45)]
    )
    for each in events:
        state = apply_event(state, each)
    assert (state.ledger[0].outcome, state.ledger[0].answered_by) == ("machine", "machine_end_beep")
    assert state.conversations == ()
    assert state.needs_full_disclosure("A")  # nobody spoke: the next message still carries the full disclosure
    assert state.response_history()[("voice", "morning")] == (0, 1)
    assert decide(state, ProposedContact("voice", MOBILE, ("A",)), T0 + timedelta(days=2), find_next=False).allowed


def test_a_late_machine_answer_leaves_the_first_contact_another_send_made() -> None:
    state = sent(apply_event(None, placed()), "c1", "voice")
    state = sent(state, "s1", at=T0 + timedelta(hours=2))
    state = apply_event(state, completed("c1", 45))
    state = apply_event(state, status("s1", status="delivered"))
    assert state.accounts[0].first_contact_at == T0  # the call, taken for a conversation for now
    state = apply_event(state, amd("c1", "machine_start"))
    assert state.accounts[0].first_contact_at == T0 + timedelta(hours=2)  # the delivered text
    assert state.conversations == ()


def test_a_late_human_or_unknown_answer_keeps_the_conversation() -> None:
    for answer in ("human", "unknown"):
        state = sent(apply_event(None, placed()), "c1", "voice")
        state = apply_event(state, completed("c1", 45))
        state = apply_event(state, amd("c1", answer))
        assert state.ledger[0].outcome == "conversation" and len(state.conversations) == 1


def test_without_any_amd_answer_a_long_call_is_taken_for_a_conversation() -> None:
    state = sent(apply_event(None, placed()), "c1", "voice")
    state = apply_event(state, completed("c1", 45))
    assert state.ledger[0].outcome == "conversation"
    assert state.ledger[0].answered_by is None


EMAIL = "maria@example.com"


def email_contact(state: DebtorState) -> Decision:
    return decide(state, ProposedContact("email", EMAIL, ("A",)), T0 + timedelta(days=1), find_next=False)


@pytest.mark.parametrize(
    ("kind", "code"),
    [("bounce", "5.1.1"), ("dropped", "Bounced Address"), ("dropped", "Invalid")],
)
def test_a_hard_bounce_or_a_drop_as_bounced_or_invalid_marks_the_address_bad(kind: str, code: str) -> None:
    state = sent(apply_event(None, placed()), "m1", "email")
    state = apply_event(state, status("m1", "email", status=kind, error_code=code))
    assert state.ledger[0].outcome == "failed"
    assert state.bad_destinations == frozenset({EMAIL})
    assert not next(v.allowed for v in email_contact(state).verdicts if v.rule_id == "email_eligibility")


@pytest.mark.parametrize("reason", ["Unsubscribed Address", "Spam Reporting Address"])
def test_a_drop_because_the_address_unsubscribed_or_reported_spam_opts_it_out(reason: str) -> None:
    state = sent(apply_event(None, placed()), "m1", "email")
    state = apply_event(state, status("m1", "email", status="dropped", error_code=reason))
    assert [(o.channel, o.destination) for o in state.opt_outs] == [("email", EMAIL)]
    assert state.bad_destinations == frozenset()
    assert not opt_out_verdict(email_contact(state))


@pytest.mark.parametrize(("kind", "code"), [("blocked", "5.7.1"), ("dropped", "Recipient List over Package Quota")])
def test_a_blocked_bounce_or_another_drop_is_a_failure_but_the_address_stays_usable(kind: str, code: str) -> None:
    state = sent(apply_event(None, placed()), "m1", "email")
    state = apply_event(state, status("m1", "email", status=kind, error_code=code))
    assert state.ledger[0].outcome == "failed"
    assert state.bad_destinations == frozenset() and state.opt_outs == ()
    assert email_contact(state).allowed


def test_a_late_sent_status_does_not_undo_delivered() -> None:
    state = sent(apply_event(None, placed()), "s1")
    state = apply_event(state, status("s1", status="delivered"))
    state = apply_event(state, status("s1", status="sent"))
    assert state.ledger[0].outcome == "delivered"


def test_a_landline_code_bars_texts_to_the_number_but_not_calls() -> None:
    state = sent(apply_event(None, placed()), "s1")
    state = apply_event(state, status("s1", status="undelivered", error_code="30006"))
    assert state.bad_destinations == frozenset({f"sms:{MOBILE}"})


def test_unreachable_number_codes_mark_the_destination_bad_and_21610_opts_it_out() -> None:
    state = sent(sent(apply_event(None, placed()), "s1"), "s2")
    state = apply_event(state, status("s1", status="undelivered", error_code="30005"))
    assert MOBILE in state.bad_destinations
    state = apply_event(state, status("s2", status="failed", error_code="21610"))
    assert [(o.channel, o.destination) for o in state.opt_outs] == [("sms", MOBILE)]


@pytest.mark.parametrize("kind", ["unsubscribe", "group_unsubscribe", "spamreport"])
def test_a_sendgrid_unsubscribe_or_spam_report_opts_that_address_out_of_email(kind: str) -> None:
    mixed_case = {**PROFILE, "emails": [{"address": "Maria@Example.com", "consent": True}]}
    state = apply_event(None, placed_as(mixed_case))
    state = record_attempt(state, Attempt("m1", "email", "Maria@Example.com", ("A",), T0, "sent"))
    state = record_provider_id(state, "m1", "Pm1")
    later = T0 + timedelta(hours=1)
    state = apply_event(state, status("m1", "email", later, status=kind))
    assert [(o.channel, o.destination, o.at) for o in state.opt_outs] == [("email", "maria@example.com", later)]
    again = apply_event(state, status("m1", "email", later + timedelta(hours=1), status="group_resubscribe"))
    assert again.opt_outs == state.opt_outs  # opting back in takes a consent update (COMPLIANCE.md item 5)
    next_email = ProposedContact("email", "Maria@Example.com", ("A",))
    assert not opt_out_verdict(decide(again, next_email, later + timedelta(days=1)))
    assert decide(again, ProposedContact("sms", MOBILE, ("A",)), later + timedelta(days=1)).allowed


def test_a_stop_from_the_e164_number_opts_out_a_profile_number_written_nationally() -> None:
    national = {**PROFILE, "phones": [{"number": "(212) 555-0123", "sms_consent": True, "call_consent": True}]}
    state = apply_event(None, placed_as(national))
    assert [p.number for p in state.profile.phones] == [MOBILE]
    state = apply_event(state, inbound("STOP"))  # Twilio's From is E.164
    (phone,) = state.profile.phones
    assert not opt_out_verdict(decide(state, ProposedContact("sms", phone.number, ("A",)), T0 + timedelta(days=1)))


def test_stop_family_keywords_opt_out_and_start_opts_back_in() -> None:
    base = apply_event(None, placed())
    for text in ("STOP", " stop ", "Stop.", "STOP!!", "stop 🙏", "Opt-Out", "REVOKE", "stop all", "unsubscribe"):
        state = apply_event(base, inbound(text))
        assert [(o.channel, o.destination) for o in state.opt_outs] == [("sms", MOBILE)], text
    assert apply_event(base, inbound("please stop texting me")).opt_outs == ()
    restored = apply_event(apply_event(base, inbound("STOP")), inbound("START", T0 + timedelta(minutes=5)))
    assert restored.opt_outs == ()


def test_an_inbound_message_is_remembered_and_credits_the_attempt_it_answers() -> None:
    state = sent(apply_event(None, placed()), "s1")
    state = apply_event(state, inbound("I can pay Friday", T0 + timedelta(hours=2)))
    assert state.last_inbound("sms") is not None
    assert state.ledger[0].responded
    assert state.response_history()[("sms", "morning")] == (1, 1)


def test_a_consent_update_re_opts_in_an_opted_out_number() -> None:
    no_consent = {**PROFILE, "phones": [{"number": MOBILE, "sms_consent": False}]}
    state = apply_event(
        None, event("account.placed", {"debtor": no_consent, "account": {"id": "A", "creditor": "x", "balance": "1"}})
    )
    state = apply_event(state, inbound("STOP"))
    same = apply_event(state, event("debtor.updated", {"debtor": {"language": "es"}}))
    assert same.opt_outs and same.profile.language == "es"
    granted = apply_event(
        state, event("debtor.updated", {"debtor": {"phones": [{"number": MOBILE, "sms_consent": True}]}})
    )
    assert granted.opt_outs == ()


def test_recording_an_attempt_twice_is_a_no_op() -> None:
    state = sent(apply_event(None, placed()), "s1")
    again = record_attempt(state, state.ledger[0])
    assert again == state and len(again.ledger) == 1


def test_a_send_that_goes_again_replaces_its_ledger_entry_and_its_trial() -> None:
    first = sent(apply_event(None, placed()), "s1", channel="sms", at=T0)
    again = sent(first, "s1", channel="voice", at=T0 + timedelta(hours=3))
    assert [(a.id, a.channel, a.at) for a in again.ledger] == [("s1", "voice", T0 + timedelta(hours=3))]
    assert sum(r.trials for r in again.responses) == 1
    assert sum(r.trials for r in withdraw_attempt(again, "s1").responses) == 0
    assert withdraw_attempt(again, "s1").ledger == ()


def test_old_ledger_entries_are_pruned() -> None:
    state = sent(apply_event(None, placed()), "old", at=T0)
    state = sent(state, "new", at=T0 + LEDGER_RETENTION + timedelta(days=1))
    assert [a.id for a in state.ledger] == ["new"]


def _history() -> list[InboundEvent]:
    return [
        placed(),
        placed("B", "250.00"),
        event("hold.placed", {"account_id": "B", "reason": "dispute"}, T0 + timedelta(hours=1)),
        event("conversation.logged", {"account_ids": ["A"], "at": T0}, T0 + timedelta(hours=2)),
        inbound("STOP", T0 + timedelta(hours=3)),
        event("payment.received", {"account_id": "A", "amount": "10", "paid_at": T0}, T0 + timedelta(hours=4)),
        event("hold.released", {"account_id": "B", "reason": "dispute"}, T0 + timedelta(hours=5)),
    ]


def test_replaying_the_same_events_gives_the_same_state_and_bytes() -> None:
    def replay() -> DebtorState:
        state: DebtorState | None = None
        for item in _history():
            state = apply_event(state, item)
        assert state is not None
        return state

    first, second = replay(), replay()
    assert first == second
    assert to_json_bytes(first) == to_json_bytes(second)
    assert from_json_bytes(to_json_bytes(first)) == first
