"""Cadence files: the default covers every event; mistakes are reported with file, path and cause."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from orchestrator.cadence import (
    CadenceError,
    default_cadences,
    load_cadences,
    parse_duration,
    required_template_channels,
    step_due_at,
    step_passed,
)
from orchestrator.events import ACCOUNT_EVENT_TYPES, Contract, ConversationLogged, PaymentReceived, PromiseCreated

STARTER_TEMPLATES = {
    "first_notice",
    "payment_reminder",
    "missed_payment",
    "promise_confirmation",
    "promise_reminder",
    "broken_promise",
    "payment_thanks",
    "opt_out_confirmation",
    "help_reply",
    "voice_script",
    "voicemail",
}
EMPTY_OTHERS = "".join(f"  {name}: {{steps: []}}\n" for name in ACCOUNT_EVENT_TYPES if name != "payment.missed")


def cadence_file(missed_steps: str) -> str:
    """A complete file whose payment.missed entry is ``missed_steps`` (YAML lines, indented 4)."""
    return "version: 1\nevents:\n" + EMPTY_OTHERS + "  payment.missed:\n" + textwrap.indent(missed_steps, "    ")


def error_of(text: str) -> CadenceError:
    with pytest.raises(CadenceError) as caught:
        load_cadences(text, "ops/cadences.yaml")
    return caught.value


GOOD_STEP = """\
steps:
  - id: nudge
    template: missed_payment
    channel: sms
    purpose: missed_payment
    delay: {delay}
"""


def test_the_default_cadences_load_and_cover_every_account_event_type() -> None:
    cadences = default_cadences()
    assert set(cadences.events) == set(ACCOUNT_EVENT_TYPES)


def test_default_templates_all_come_from_the_starter_pack() -> None:
    templates = {template for template, _ in required_template_channels(default_cadences())}
    assert templates <= STARTER_TEMPLATES


def test_a_placed_account_gets_the_first_notice_by_email_and_sms_at_once() -> None:
    steps = default_cadences().for_event("account.placed").steps
    first = [(s.channel, s.purpose) for s in steps if s.template == "first_notice"]
    assert sorted(first) == [("email", "validation_notice"), ("sms", "first_notice")]
    assert all(s.delay == timedelta(0) for s in steps if s.template == "first_notice")
    reminders = [s for s in steps if s.template == "payment_reminder"]
    assert [s.delay.days for s in reminders] == [3, 7, 14]
    assert all(s.channel == "best" and "account_paid" in s.skip_when for s in reminders)
    assert [s.delay.days for s in steps if s.channel == "voice"] == [5]


def test_payment_cancels_the_account_then_thanks_and_closing_or_holds_cancel_without_sending() -> None:
    cadences = default_cadences()
    received = cadences.for_event("payment.received")
    assert received.cancel == "account"
    assert [s.template for s in received.steps] == ["payment_thanks"]
    for event_type in ("account.closed", "hold.placed"):
        assert cadences.for_event(event_type).cancel in ("account", "all")
        assert cadences.for_event(event_type).steps == ()


def test_the_missed_payment_sequence_runs_at_days_0_2_and_5() -> None:
    steps = default_cadences().for_event("payment.missed").steps
    assert [s.delay.days for s in steps] == [0, 2, 5]


def test_the_promise_reminder_falls_the_day_before_due_at_ten_local() -> None:
    reminder = default_cadences().for_event("promise.created").steps[1]
    promise = PromiseCreated(account_id="a", amount=Decimal(200), due_date=date(2024, 3, 10))
    due = step_due_at(
        reminder, event_time=datetime(2024, 3, 1, tzinfo=UTC), data=promise, zone=ZoneInfo("America/Chicago")
    )
    assert due == datetime(2024, 3, 9, 10, tzinfo=ZoneInfo("America/Chicago"))


def test_an_event_time_step_is_due_delay_after_the_event() -> None:
    thanks = default_cadences().for_event("payment.received").steps[0]
    event_time = datetime(2024, 3, 1, 12, tzinfo=UTC)
    paid = PaymentReceived(account_id="a", amount=Decimal(1), paid_at=event_time)
    assert step_due_at(thanks, event_time=event_time, data=paid, zone=ZoneInfo("UTC")) == event_time


def test_a_best_step_needs_its_template_on_every_channel_and_voice_needs_voicemail() -> None:
    needed = required_template_channels(default_cadences())
    assert {("payment_reminder", "sms"), ("payment_reminder", "email"), ("payment_reminder", "voice")} <= needed
    assert ("voicemail", "voice") in needed
    assert ("first_notice", "voice") not in needed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0m", timedelta(0)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("3d", timedelta(days=3)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("2w", timedelta(weeks=2)),
        ("P3D", timedelta(days=3)),
        ("PT2H30M", timedelta(hours=2, minutes=30)),
    ],
)
def test_durations_parse_in_compact_and_iso_form(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "3", "3 days", "3D", "d", "-1d", "1h2d", "P", "PT"])
def test_ambiguous_or_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="invalid duration"):
        parse_duration(text)


def test_signed_durations_accept_a_sign() -> None:
    assert parse_duration("-1d", signed=True) == timedelta(days=-1)


def test_a_bad_delay_names_the_file_the_step_and_the_field() -> None:
    error = error_of(cadence_file(GOOD_STEP.format(delay="3 days")))
    assert error.source == "ops/cadences.yaml"
    assert error.path == "events.payment.missed.steps[0] (nudge).delay"
    assert "invalid duration '3 days'" in error.cause
    assert str(error).startswith("ops/cadences.yaml: events.payment.missed.steps[0] (nudge).delay: ")


def test_a_misspelt_field_is_reported_as_unknown() -> None:
    text = cadence_file(GOOD_STEP.format(delay="1d").replace("template:", "templat:"))
    error = error_of(text)
    assert error.path == "events.payment.missed.steps[0] (nudge).templat"
    assert error.cause == "unknown field 'templat' (and 1 more problem)"


def test_an_unknown_condition_is_reported_with_the_vocabulary() -> None:
    error = error_of(cadence_file(GOOD_STEP.format(delay="1d") + "    skip_when: [account_payed]\n"))
    assert error.path == "events.payment.missed.steps[0] (nudge).skip_when[0]"
    assert "'account_paid'" in error.cause
    assert "got 'account_payed'" in error.cause


def test_a_duplicate_step_id_is_refused() -> None:
    step = GOOD_STEP.format(delay="1d")
    twice = step + "\n".join(step.splitlines()[1:]) + "\n"
    error = error_of(cadence_file(twice))
    assert "duplicate step id 'nudge'" in error.cause
    assert error.path == "events.payment.missed"


def test_an_unknown_event_type_is_refused() -> None:
    text = cadence_file(GOOD_STEP.format(delay="1d")) + "  payment.forgotten:\n    steps: []\n"
    assert "unknown event types ['payment.forgotten']" in error_of(text).cause


def test_every_event_type_must_be_listed() -> None:
    text = "version: 1\nevents:\n" + EMPTY_OTHERS
    assert "missing ['payment.missed']" in error_of(text).cause


def test_an_anchor_must_be_a_date_field_of_the_event() -> None:
    step = GOOD_STEP.format(delay="0m") + "    anchor: amount_due\n    at_local: '10:00'\n"
    assert "'amount_due' is not a date field of payment.missed; use event_time or one of ['due_date']" in (
        error_of(cadence_file(step)).cause
    )


def test_a_date_anchor_needs_a_local_time() -> None:
    step = GOOD_STEP.format(delay="0m") + "    anchor: due_date\n    offset: -1d\n"
    assert "at_local ('HH:MM') is required" in error_of(cadence_file(step)).cause


def test_an_unquoted_local_time_is_read_as_a_time_not_a_yaml_1_1_number() -> None:
    step = GOOD_STEP.format(delay="0m") + "    anchor: due_date\n    offset: -1d\n    at_local: 10:00\n"
    cadences = load_cadences(cadence_file(step), "t.yaml")
    assert cadences.for_event("payment.missed").steps[0].at_local == time(10, 0)


def test_cancel_account_needs_an_event_that_names_an_account() -> None:
    text = cadence_file(GOOD_STEP.format(delay="0m")).replace(
        "  debtor.updated: {steps: []}", "  debtor.updated: {cancel: account, steps: []}"
    )
    assert "`account` needs an event that names an account" in error_of(text).cause


def test_broken_yaml_and_duplicate_keys_are_located_by_line() -> None:
    assert error_of("version: 1\nevents: [\n").path.startswith("line ")
    duplicated = error_of("version: 1\nversion: 1\nevents: {}\n")
    assert duplicated.path == "line 2, column 1"
    assert "duplicate key 'version'" in duplicated.cause


INSTANT = datetime(2024, 3, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("event_type", "anchor", "data"),
    [
        ("payment.received", "paid_at", PaymentReceived(account_id="a", amount=Decimal(1), paid_at=INSTANT)),
        ("conversation.logged", "at", ConversationLogged(account_ids=("a",), at=INSTANT)),
    ],
)
def test_the_contracts_instants_can_anchor_a_step(event_type: str, anchor: str, data: Contract) -> None:
    """``paid_at`` and ``at`` are AwareDatetime fields; docs/cadences.md names both as anchors."""
    step = (
        f"{{id: later, template: payment_thanks, channel: sms, purpose: payment_thanks, anchor: {anchor}, offset: 2h}}"
    )
    text = cadence_file(GOOD_STEP.format(delay="0m")).replace(
        f"  {event_type}: {{steps: []}}", f"  {event_type}: {{steps: [{step}]}}"
    )
    later = load_cadences(text, "t.yaml").for_event(event_type).steps[0]
    due = step_due_at(later, event_time=INSTANT + timedelta(days=1), data=data, zone=ZoneInfo("UTC"))
    assert due == INSTANT + timedelta(hours=2)


def test_a_new_promise_cancels_only_the_earlier_promises_messages() -> None:
    promise = default_cadences().for_event("promise.created")
    assert promise.cancel == "account"
    assert set(promise.cancel_purposes) == {"promise_confirmation", "promise_reminder"}


def test_cancel_purposes_need_a_cancel_scope() -> None:
    text = cadence_file(GOOD_STEP.format(delay="0m")).replace(
        "  promise.broken: {steps: []}", "  promise.broken: {cancel_purposes: [promise_reminder], steps: []}"
    )
    error = error_of(text)
    assert error.path == "events.promise.broken"
    assert "cancel_purposes narrows a cancel scope" in error.cause


def test_a_promise_reminder_whose_moment_came_before_the_promise_was_made_has_passed() -> None:
    reminder = default_cadences().for_event("promise.created").steps[1]
    chicago = ZoneInfo("America/Chicago")
    due_tomorrow = PromiseCreated(account_id="a", amount=Decimal(50), due_date=date(2024, 3, 10))
    before_ten = datetime(2024, 3, 9, 9, 59, tzinfo=chicago)
    assert not step_passed(reminder, event_time=before_ten, data=due_tomorrow, zone=chicago)
    assert step_passed(reminder, event_time=before_ten + timedelta(minutes=2), data=due_tomorrow, zone=chicago)
    confirmation = default_cadences().for_event("promise.created").steps[0]
    assert not step_passed(confirmation, event_time=before_ten, data=due_tomorrow, zone=chicago)
