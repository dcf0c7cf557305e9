"""An e-mail reply is read without the message it quotes: the footer's "Reply STOP", its amounts and
dates are Parley's, not the debtor's. SMS is read whole (it has no quoting)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orchestrator.replies import Intent, classify
from orchestrator.replies.quoting import without_quoted_text

RECEIVED = datetime(2026, 3, 4, 15, 30, tzinfo=UTC)  # Wednesday
FRIDAY = date(2026, 3, 6)
QUOTED_FOOTER = "> Your balance of $420.00 is due 3/15.\n> Reply STOP to opt out."

GMAIL = f"I'll pay $50 Friday\n\nOn Tue, Mar 3, 2026 Acme <x@y> wrote:\n{QUOTED_FOOTER}"
GMAIL_WRAPPED = (
    "I'll pay $50 Friday\n\nOn Tue, Mar 3, 2026 at 10:00 AM Acme Collections <\nnoreply@acme.example> wrote:\n\n"
    f"{QUOTED_FOOTER}"
)
SPANISH = f"Le pago 50 el viernes\n\nEl mar, 3 mar 2026, Acme (<x@y>) escribió:\n{QUOTED_FOOTER}"
OUTLOOK = (
    "I'll pay $50 Friday\r\n\r\n________________________________\r\nFrom: Acme Collections <x@y>\r\n"
    "Sent: Tuesday, March 3, 2026 10:00 AM\r\nTo: Ana <ana@example.com>\r\nSubject: Your account\r\n\r\n"
    "Your balance of $420.00 is due 3/15.\r\nReply STOP to opt out."
)
OUTLOOK_NO_SEPARATOR = (
    "I'll pay $50 Friday\n\nFrom: Acme Collections [mailto:x@y]\nSent: Tuesday, March 3, 2026 10:00 AM\n"
    "To: Ana\nSubject: Your account\n\nReply STOP to opt out."
)
OUTLOOK_SPANISH = (
    "Le pago 50 el viernes\n\nDe: Acme Collections <x@y>\nEnviado el: martes, 3 de marzo de 2026 10:00\n"
    "Para: Ana\nAsunto: Su cuenta\n\nResponda STOP para no recibir más mensajes."
)
ORIGINAL_MESSAGE = "I'll pay $50 Friday\n\n-----Original Message-----\nFrom: Acme\nReply STOP to opt out."


@pytest.mark.parametrize(
    "text", [GMAIL, GMAIL_WRAPPED, SPANISH, OUTLOOK, OUTLOOK_NO_SEPARATOR, OUTLOOK_SPANISH, ORIGINAL_MESSAGE]
)
def test_a_promise_above_a_quoted_stop_footer_is_a_promise_with_no_opt_out_cue(text: str) -> None:
    result = classify(text, "email", RECEIVED, "America/New_York")
    assert (result.intent, result.amount, result.date) == (Intent.PROMISE_TO_PAY, Decimal("50.00"), FRIDAY)
    assert not result.opt_out_requested
    assert not [cue for cue in result.cues if cue.startswith("opt_out:")]


def test_the_quoted_message_s_amount_and_date_are_not_the_debtor_s() -> None:
    result = classify(
        f"Can I set up a payment plan?\n\nOn Tue, Mar 3, 2026 Acme <x@y> wrote:\n{QUOTED_FOOTER}",
        "email",
        RECEIVED,
        "America/New_York",
    )
    assert (result.intent, result.amount, result.date) == (Intent.PAYMENT_PLAN_REQUEST, None, None)


@pytest.mark.parametrize(
    "text",
    ["STOP\n> Reply STOP to opt out.", f"STOP\n\nOn Tue, Mar 3, 2026 Acme <x@y> wrote:\n{QUOTED_FOOTER}",
     f"please stop emailing me\n\nEl mar, 3 mar 2026, Acme escribió:\n{QUOTED_FOOTER}"],
)  # fmt: skip
def test_the_debtor_s_own_stop_above_a_quote_is_still_an_opt_out(text: str) -> None:
    result = classify(text, "email", RECEIVED, "America/New_York")
    assert result.intent is Intent.OPT_OUT and result.opt_out_requested


def test_a_bare_stop_above_a_quote_is_read_as_the_carrier_keyword() -> None:
    result = classify("STOP\n> Reply STOP to opt out.", "email", RECEIVED, "UTC")
    assert (result.cues, result.confidence) == (("opt_out:carrier_keyword:stop",), 0.99)


def test_an_sms_is_read_whole_since_texts_are_not_quoted() -> None:
    result = classify(GMAIL, "sms", RECEIVED, "America/New_York")
    assert result.opt_out_requested


def test_a_reply_written_under_the_quote_is_read_without_the_quote() -> None:
    text = f"On Tue, Mar 3, 2026 Acme <x@y> wrote:\n{QUOTED_FOOTER}\n\nI'll pay $50 Friday"
    assert without_quoted_text(text) == "I'll pay $50 Friday"
    assert classify(text, "email", RECEIVED, "America/New_York").intent is Intent.PROMISE_TO_PAY


def test_the_debtor_s_lines_between_quoted_lines_are_kept() -> None:
    text = "> Your balance of $420.00 is due 3/15.\nI can pay $50 Friday\n> Reply STOP to opt out."
    assert without_quoted_text(text) == "I can pay $50 Friday"


def test_a_reply_that_is_nothing_but_quote_is_kept_whole() -> None:
    text = f"On Tue, Mar 3, 2026 Acme <x@y> wrote:\n{QUOTED_FOOTER}"
    assert without_quoted_text(text) == text


@pytest.mark.parametrize(
    "text",
    ["On Friday I can pay $50", "On the 15th I can pay 100.\nThanks", "El viernes le pago 50\ngracias",
     "From: Ana\nI can pay $50 Friday", "I'll pay -- $50 -- on Friday"],
)  # fmt: skip
def test_text_that_only_looks_like_a_header_is_kept(text: str) -> None:
    assert without_quoted_text(text) == text


# --- a long reply cut short (REPLY_TEXT_LENGTH) inside the quote's header ------------------------------

LONG_STORY = "Things have been hard for my family since the plant closed and I am doing what I can. " * 22


@pytest.mark.parametrize(
    "header_start",
    ["On Fri, Mar 20, 2026 at 10:00 AM Acme Collections <noreply@ac",  # cut before "wrote:"
     "On Fri, Mar 20, 2026 at 10:00 AM Acme\nCollections <nore",  # the name wrapped, cut on its second line
     "El vie, 20 mar 2026, 10:00, Acme Cobr",
     "On Fri, Mar 20",  # cut before the year
     "On 3/20/26, 10:00 AM, Acme Coll"],  # Outlook mobile
)  # fmt: skip
def test_a_header_the_cut_left_unfinished_is_the_quote_s_not_the_debtor_s(header_start: str) -> None:
    text = f"I can pay $50.\n\n{LONG_STORY}\n\n{header_start}"
    whole = classify(text, "email", RECEIVED, "America/New_York")
    assert (whole.date, whole.time) != (None, None)  # read as a whole, the header's day or time passes for theirs
    result = classify(text, "email", RECEIVED, "America/New_York", cut=True)
    assert (result.intent, result.amount, result.date, result.time) == (
        Intent.PROMISE_TO_PAY,
        Decimal("50.00"),
        None,
        None,
    )
    assert without_quoted_text(text, cut=True) == f"I can pay $50.\n\n{LONG_STORY}".strip()


@pytest.mark.parametrize(
    "tail", ["-----Original Mess", "________", "From: Acme Collections <noreply@acme.example>\nSent: Fri, Mar 20, 20"]
)
def test_a_separator_or_an_outlook_block_the_cut_left_unfinished_starts_the_quote(tail: str) -> None:
    text = f"I can pay $50.\n\n{LONG_STORY}\n\n{tail}"
    assert without_quoted_text(text, cut=True) == f"I can pay $50.\n\n{LONG_STORY}".strip()


@pytest.mark.parametrize(
    "last_lines",
    ["On Friday I can pay $50", "El viernes le pago 50\ngracias", "On the 20th I will call you",
     "On 4/1/2026 I will pay $200.\nThank you for understanding, I have been trying to get this so",
     "El 1 de abril de 2026 le pago 200 dolares.\nGracias por su paciencia, he intentado resolver est",
     # in a header's shape (a time, a weekday and a comma, an address), but someone speaks in it
     "On 4/1 at 10:00 I will call", "On Fri, I can pay $50", "On Fri, 4/3 at 10:00 we’ll pay 200",
     "On 4/1 I'll email my payment to billing@acme.example", "El vie, 10:00 yo le llamo"],
)  # fmt: skip
def test_the_debtor_s_own_last_lines_stay_when_the_cut_left_no_header(last_lines: str) -> None:
    text = f"{LONG_STORY}\n\n{last_lines}"
    assert without_quoted_text(text, cut=True) == text.strip()


def test_a_dated_promise_at_the_end_of_a_cut_e_mail_is_still_read() -> None:
    text = (
        f"{LONG_STORY}\n\nOn 4/1/2026 I will pay $200.\nThank you for understanding, I have been trying to get this so"
    )
    result = classify(text, "email", RECEIVED, "America/New_York", cut=True)
    assert (result.intent, result.amount, result.date) == (Intent.PROMISE_TO_PAY, Decimal("200.00"), date(2026, 4, 1))
