"""Log redaction: no secret, full phone number or full email address survives a log line."""

from __future__ import annotations

import logging

from channels.logsafe import RedactingFilter, mask_email, mask_phone, redact


def test_phone_numbers_keep_only_their_last_four_digits() -> None:
    assert mask_phone("+15005550006") == "+*******0006"
    assert "5005550006" not in redact("To=%2B15005550006&Body=hi")
    assert "0006" in redact("to +15005550006")


def test_email_addresses_keep_only_their_first_letter_and_domain() -> None:
    assert mask_email("jane.doe@example.com") == "j***@example.com"
    assert redact("from jane.doe@example.com and bob%40example.org") == "from j***@example.com and b***%40example.org"


def test_secrets_and_credentials_are_removed() -> None:
    text = redact(
        "token s3cr3t-token used; Authorization: Bearer SG.abcdefgh.ijklmnop; key SG.zzzzzzzz.yyyyyyyy",
        ["s3cr3t-token"],
    )
    assert "s3cr3t-token" not in text and "abcdefgh" not in text and "zzzzzzzz" not in text


def test_the_filter_rewrites_formatted_messages_and_exception_text() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "send to %s with %s", ("+15005550006", "tok-123"), None)
    try:
        raise ValueError("bad address jane@example.com")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    RedactingFilter(["tok-123"]).filter(record)
    assert record.getMessage() == "send to +*******0006 with ***"
    assert record.exc_text is not None and "jane@example.com" not in record.exc_text


def test_passwords_in_urls_are_masked_and_the_rest_of_the_url_kept() -> None:
    assert redact("connecting to redis://:hunter2pw@redis:6379/0") == "connecting to redis://:***@redis:6379/0"
    assert redact("broker kafka://parley:k-pw@k1:9092;k2:9092 up") == "broker kafka://parley:***@k1:9092;k2:9092 up"
    # an unescaped '@' in the password is still masked whole; the path and query stay readable
    assert (
        redact("GET https://api:p@ss@api.example.com/v3/mail?x=1") == "GET https://api:***@api.example.com/v3/mail?x=1"
    )
    assert (
        redact("url='rediss://default:s3cr3t@cache.internal:6380'") == "url='rediss://default:***@cache.internal:6380'"
    )
    untouched = "POST https://api.twilio.com:443/2010-04-01/Accounts/AC1/Messages.json"
    assert redact(untouched) == untouched


def test_the_filter_masks_a_url_password_passed_as_a_log_argument() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "state %s", ("redis://:hunter2pw@redis:6379/0",), None)
    RedactingFilter().filter(record)
    assert record.getMessage() == "state redis://:***@redis:6379/0"
