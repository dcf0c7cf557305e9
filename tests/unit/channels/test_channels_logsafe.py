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
