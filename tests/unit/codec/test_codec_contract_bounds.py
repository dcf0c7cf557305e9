"""Every string and list an inbound event carries is bounded (orchestrator/limits.py): a value at its bound
is accepted, one character more makes the event a dead letter saying which field, how long and the bound.
Outputs repeat these values, and an output over the producer's limit would stall the stream. A reply's
text is the exception: it is cut to its start, never refused."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from orchestrator.codec import DecodeError, decode_inbound
from orchestrator.events import INBOUND_EVENT_TYPES, STORED_PROFILE, DebtorProfile, ProviderInbound
from orchestrator.limits import (
    DESTINATION_LENGTH,
    ID_BYTES,
    ID_LENGTH,
    MAX_CHANNELS,
    MAX_DAYS,
    NOTE_LENGTH,
    PROVIDER_VALUE_LENGTH,
    REPLY_TEXT_LENGTH,
    SOURCE_LENGTH,
    TEXT_LENGTH,
    URL_LENGTH,
    ZONE_NAME_LENGTH,
)
from orchestrator.templating.payment_links import issue_payment_token, verify_payment_token
from tests.unit.codec.test_codec_decode import PLACED_DATA

ROOT = Path(__file__).resolve().parents[3]
TWO_MEGABYTES = 2_000_000

STATUS_DATA: dict[str, Any] = {"channel": "email", "provider_message_id": "msg-1", "status": "click"}
INBOUND_DATA: dict[str, Any] = {"channel": "email", "from": "ana@example.com", "to": "reply@parley.test", "text": "ok"}
DATA: dict[str, dict[str, Any]] = {
    "account.placed": PLACED_DATA,
    "payment.missed": {"account_id": "acc-1", "amount_due": "150.00", "due_date": "2024-03-01"},
    "account.closed": {"account_id": "acc-1", "reason": "settled"},
    "account.updated": {"account": {"id": "acc-1", "creditor": "Acme Bank"}},
    "debtor.updated": {"debtor": {"id": "deb-1", "timezone": "America/Chicago"}},
    "conversation.logged": {"account_ids": ["acc-1"], "at": "2024-03-04T14:10:00Z"},
    "provider.status": STATUS_DATA,
    "provider.inbound": INBOUND_DATA,
}


def record(event_type: str, data: Any = None, **attributes: Any) -> bytes:
    envelope: dict[str, Any] = {
        "specversion": "1.0",
        "id": "evt-1",
        "source": "urn:acme:servicing",
        "type": event_type,
        "subject": "deb-1",
        "time": "2024-03-04T15:00:00Z",
        "data": copy.deepcopy(DATA[event_type]) if data is None else data,
    }
    envelope.update(attributes)
    return json.dumps(envelope).encode()


def with_value(event_type: str, path: tuple[str | int, ...], value: Any, subject: str = "deb-1") -> bytes:
    """The event with ``data`` at ``path`` set to ``value``."""
    data = copy.deepcopy(DATA[event_type])
    target = data
    for step in path[:-1]:
        target = target.setdefault(step, {}) if isinstance(step, str) else target[step]
    target[path[-1]] = value
    return record(event_type, data, subject=subject)


def reason_for(value: bytes) -> str:
    with pytest.raises(DecodeError) as caught:
        decode_inbound(value, topic=None)
    return caught.value.reason


# What each bounded field holds at its bound (a valid value of exactly that length) and its bound.
BOUNDED_FIELDS: dict[str, tuple[str, tuple[str | int, ...], str, int]] = {
    "debtor id": ("account.placed", ("debtor", "id"), "d", ID_LENGTH),
    "account id": ("account.placed", ("account", "id"), "a", ID_LENGTH),
    "first name": ("account.placed", ("debtor", "name", "first"), "A", TEXT_LENGTH),
    "last name": ("account.placed", ("debtor", "name", "last"), "R", TEXT_LENGTH),
    "address line": ("account.placed", ("debtor", "address", "line1"), "1", TEXT_LENGTH),
    "city": ("account.placed", ("debtor", "address", "city"), "c", TEXT_LENGTH),
    "state": ("account.placed", ("debtor", "address", "state"), "s", TEXT_LENGTH),
    "postal code": ("account.placed", ("debtor", "address", "postal_code"), "0", TEXT_LENGTH),
    "country": ("account.placed", ("debtor", "address", "country"), "U", TEXT_LENGTH),
    "creditor": ("account.placed", ("account", "creditor"), "C", TEXT_LENGTH),
    "patched creditor": ("account.updated", ("account", "creditor"), "C", TEXT_LENGTH),
    "missed payment's account": ("payment.missed", ("account_id",), "a", ID_LENGTH),
    "conversation's account": ("conversation.logged", ("account_ids", 0), "a", ID_LENGTH),
    "closing reason": ("account.closed", ("reason",), "r", NOTE_LENGTH),
    "provider message id": ("provider.status", ("provider_message_id",), "m", PROVIDER_VALUE_LENGTH),
    "status": ("provider.status", ("status",), "s", PROVIDER_VALUE_LENGTH),
    "error code": ("provider.status", ("error_code",), "e", PROVIDER_VALUE_LENGTH),
    "answered by": ("provider.status", ("answered_by",), "h", PROVIDER_VALUE_LENGTH),
    "echoed send id": ("provider.status", ("send_id",), "s", PROVIDER_VALUE_LENGTH),
    "clicked link": ("provider.status", ("url",), "u", URL_LENGTH),
    "reply sender": ("provider.inbound", ("from",), "f", DESTINATION_LENGTH),
    "reply recipient": ("provider.inbound", ("to",), "t", DESTINATION_LENGTH),
    "reply message id": ("provider.inbound", ("provider_message_id",), "m", PROVIDER_VALUE_LENGTH),
}


def _email_of_length(length: int) -> str:
    return "a" * (length - len("@example.com")) + "@example.com"


@pytest.mark.parametrize("field", BOUNDED_FIELDS.values(), ids=BOUNDED_FIELDS.keys())
def test_a_value_at_its_bound_is_accepted_and_one_character_more_is_a_dead_letter(
    field: tuple[str, tuple[str | int, ...], str, int],
) -> None:
    event_type, path, character, limit = field
    subject = character * limit if path == ("debtor", "id") else "deb-1"  # a placed debtor is the subject
    decode_inbound(with_value(event_type, path, character * limit, subject), topic=None)

    reason = reason_for(with_value(event_type, path, character * (limit + 1)))

    assert reason.startswith(f"invalid data for {event_type}: data.")
    assert f"must have at most {limit:,} characters, got {limit + 1:,}" in reason


@pytest.mark.parametrize(
    ("path", "at_bound"),
    [
        (("debtor", "emails"), [{"address": _email_of_length(DESTINATION_LENGTH), "consent": True}]),
        (("debtor", "opt_outs"), [{"channel": "email", "destination": _email_of_length(DESTINATION_LENGTH)}]),
    ],
    ids=["email address", "opted-out address"],
)
def test_an_email_address_may_have_the_254_characters_smtp_carries_and_no_more(
    path: tuple[str, ...], at_bound: list[dict[str, Any]]
) -> None:
    decode_inbound(with_value("account.placed", path, at_bound), topic=None)
    key = "address" if "address" in at_bound[0] else "destination"
    over = [{**at_bound[0], key: "a" + at_bound[0][key]}]
    assert "must have at most 254 characters, got 255" in reason_for(with_value("account.placed", path, over))


def test_a_two_megabyte_debtor_id_is_a_dead_letter_that_quotes_only_its_start() -> None:
    huge = "d" * TWO_MEGABYTES
    data = copy.deepcopy(PLACED_DATA)
    data["debtor"]["id"] = huge

    reason = reason_for(record("account.placed", data, subject=huge))

    assert reason == f"attribute 'subject' must have at most 128 characters, got 2,000,000: '{'d' * 40}…'"


def test_a_two_megabyte_account_id_in_the_data_is_a_dead_letter_naming_the_field() -> None:
    reason = reason_for(with_value("account.placed", ("account", "id"), "a" * TWO_MEGABYTES))
    assert reason == (
        "invalid data for account.placed: data.account.id: Value error, must have at most 128 characters, "
        f"got 2,000,000: '{'a' * 40}…'"
    )


def test_personal_data_over_its_bound_is_not_quoted_in_the_reason() -> None:
    reason = reason_for(with_value("account.placed", ("debtor", "name", "first"), "Anastasia" * 1000))
    assert reason.endswith("data.debtor.name.first: Value error, must have at most 200 characters, got 9,000")
    assert "Anastasia" not in reason


@pytest.mark.parametrize(("attribute", "limit"), [("id", ID_LENGTH), ("source", SOURCE_LENGTH), ("subject", ID_LENGTH)])
def test_the_envelope_s_id_source_and_subject_are_bounded(attribute: str, limit: int) -> None:
    event = decode_inbound(record("payment.missed", **{attribute: "x" * limit}), topic="account-events")
    assert getattr(event, attribute) == "x" * limit

    reason = reason_for(record("payment.missed", **{attribute: "x" * (limit + 1)}))

    assert reason == f"attribute '{attribute}' must have at most {limit:,} characters, got {limit + 1:,}: '{'x' * 40}…'"


def test_a_binary_mode_event_id_is_held_to_the_same_bound() -> None:
    headers = [
        ("ce_specversion", b"1.0"),
        ("ce_id", b"e" * (ID_LENGTH + 1)),
        ("ce_source", b"urn:acme:servicing"),
        ("ce_type", b"payment.missed"),
        ("ce_subject", b"deb-1"),
        ("ce_time", b"2024-03-04T15:00:00Z"),
    ]
    with pytest.raises(DecodeError, match="attribute 'id' must have at most 128 characters"):
        decode_inbound(json.dumps(DATA["payment.missed"]).encode(), headers, topic="account-events")


def test_an_id_a_payment_link_could_not_carry_is_refused_though_short_enough_in_characters() -> None:
    """128 characters of 'é' are 256 bytes of UTF-8; a payment link carries each id in at most 255."""
    accepted = "é" * (ID_BYTES // 2)
    decode_inbound(with_value("account.placed", ("account", "id"), accepted), topic=None)

    reason = reason_for(with_value("account.placed", ("account", "id"), "é" * ID_LENGTH))

    assert "must have at most 255 bytes of UTF-8 (a payment link carries it), got 256" in reason


def test_every_id_the_contract_accepts_fits_a_payment_link() -> None:
    now = datetime(2024, 3, 4, tzinfo=UTC)
    debtor, account = "d" * ID_BYTES, "a" * ID_BYTES
    token = issue_payment_token(b"secret", debtor, account, now + timedelta(days=1))
    verified = verify_payment_token(token, b"secret", now)
    assert (verified.debtor_id, verified.account_id) == (debtor, account)


def test_a_time_zone_name_longer_than_any_iana_zone_is_refused_before_it_is_looked_up() -> None:
    reason = reason_for(with_value("account.placed", ("debtor", "timezone"), "Z" * (ZONE_NAME_LENGTH + 1)))
    assert "data.debtor.timezone: Value error, must have at most 64 characters, got 65" in reason


def test_a_phone_number_is_bounded_as_written_before_it_is_read() -> None:
    phones = [{"number": "1" * (DESTINATION_LENGTH + 1), "sms_consent": True}]
    assert "must have at most 254 characters, got 255" in reason_for(
        with_value("account.placed", ("debtor", "phones"), phones)
    )


def test_lists_of_channels_and_days_have_at_most_one_of_each() -> None:
    channels = ["sms", "email", "voice"]
    window = {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "21:00", "end": "22:00"}
    preferences = {"channels": channels, "blocked_channels": channels, "inconvenient_times": [window]}
    decode_inbound(with_value("account.placed", ("debtor", "preferences"), preferences), topic=None)

    too_many = {"channels": [*channels, "sms"], "inconvenient_times": [{**window, "days": [*window["days"], "mon"]}]}
    reason = reason_for(with_value("account.placed", ("debtor", "preferences"), too_many))

    assert f"data.debtor.preferences.channels: Value error, at most {MAX_CHANNELS} items, got 4" in reason
    assert f"data.debtor.preferences.inconvenient_times[0].days: Value error, at most {MAX_DAYS} items, got 8" in reason


def test_a_reply_longer_than_parley_keeps_is_cut_to_its_start_and_flagged_never_refused() -> None:
    text = "STOP\n\n> On Monday Acme Collections wrote:\n" + "> " + "q" * 900_000
    event = decode_inbound(record("provider.inbound", {**INBOUND_DATA, "text": text}), topic="provider-events")

    assert isinstance(event.data, ProviderInbound)
    assert event.data.text == text[:REPLY_TEXT_LENGTH] and event.data.text_truncated is True


def test_a_reply_within_the_bound_is_kept_whole_and_not_flagged() -> None:
    text = "s" * REPLY_TEXT_LENGTH
    event = decode_inbound(record("provider.inbound", {**INBOUND_DATA, "text": text}), topic="provider-events")
    assert isinstance(event.data, ProviderInbound)
    assert (event.data.text, event.data.text_truncated) == (text, False)


def test_a_profile_read_back_from_the_store_keeps_values_stored_before_the_bounds() -> None:
    stored = {
        "id": "d" * 300,
        "name": {"first": "A" * 500},
        "emails": [{"address": "a" * 400 + "@example.com"}],
        "preferences": {"channels": ["sms"] * 5},
    }
    profile = DebtorProfile.model_validate(stored, context={STORED_PROFILE: True})
    assert (len(profile.id), len(profile.name.first), len(profile.preferences.channels)) == (300, 500, 5)


# --- the published contract -------------------------------------------------------------------


def _unbounded_strings(node: Any, path: str) -> list[str]:
    """Paths of the string schemas under ``node`` with no bound on their length: no maxLength, enum,
    const or format. A decimal (a number, or a string of at most 14 digits) is bounded by its digits."""
    found: list[str] = []
    if isinstance(node, dict):
        branches = node.get("anyOf", [])
        decimal = {"number", "string"} <= {b.get("type") for b in branches if isinstance(b, dict)}
        bounded = any(key in node for key in ("maxLength", "enum", "const", "format"))
        if node.get("type") == "string" and not bounded:
            found.append(path)
        for key, child in node.items():
            if key == "examples" or (decimal and key == "anyOf"):
                continue
            if key == "anyOf" and "maxLength" in node:  # e.g. an optional string: the bound sits beside anyOf
                child = [{**branch, "maxLength": node["maxLength"]} for branch in child]
            found += _unbounded_strings(child, f"{path}.{key}")
    elif isinstance(node, list):
        for n, child in enumerate(node):
            found += _unbounded_strings(child, f"{path}[{n}]")
    return found


@pytest.mark.parametrize("event_type", sorted(INBOUND_EVENT_TYPES))
def test_every_string_of_an_inbound_schema_states_its_bound(event_type: str) -> None:
    schema = json.loads((ROOT / "schemas" / f"{event_type}.json").read_text())
    assert _unbounded_strings(schema, event_type) == []


def test_the_events_doc_states_each_bound() -> None:
    text = (ROOT / "docs" / "events.md").read_text()
    bounds = (ID_LENGTH, ID_BYTES, SOURCE_LENGTH, TEXT_LENGTH, NOTE_LENGTH, DESTINATION_LENGTH)
    for bound in (*bounds, PROVIDER_VALUE_LENGTH, URL_LENGTH, REPLY_TEXT_LENGTH):
        assert f"{bound:,}" in text, bound
