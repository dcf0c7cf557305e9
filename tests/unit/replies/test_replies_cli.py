"""`parley classify`: JSONL in, one JSONL line out per input, bad lines reported not fatal."""

import json

from click.testing import CliRunner

from parley.cli import main

GOOD = {"text": "I can pay $50 Friday", "channel": "sms", "received_at": "2026-03-04T15:30:00Z",
        "timezone": "America/New_York"}  # fmt: skip


def run(stdin: str) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(main, ["classify", "-"], input=stdin)
    return result.exit_code, [json.loads(line) for line in result.output.splitlines()]


def test_each_reply_line_gets_one_classification_line() -> None:
    code, lines = run(json.dumps(GOOD) + "\n" + json.dumps({**GOOD, "text": "STOP"}) + "\n")
    assert code == 0
    assert lines[0] == {"intent": "promise_to_pay", "confidence": 0.85, "amount": "50.00", "currency": "USD",
                        "date": "2026-03-06",
                        "cues": ["promise_to_pay:will_pay", "amount:$50", "date:friday"]}  # fmt: skip
    assert (lines[1]["intent"], lines[1]["amount"], lines[1]["currency"], lines[1]["date"]) == (
        "opt_out", None, None, None
    )  # fmt: skip


def test_a_reply_in_euros_is_classified_with_its_currency() -> None:
    code, lines = run(json.dumps({**GOOD, "text": "te pago 50 euros el viernes"}) + "\n")
    assert code == 0
    assert (lines[0]["intent"], lines[0]["amount"], lines[0]["currency"]) == ("promise_to_pay", "50.00", "EUR")


def test_a_bad_line_yields_an_error_line_and_the_rest_is_still_classified() -> None:
    stdin = "\n".join(["not json", json.dumps({"text": "hi"}), json.dumps({**GOOD, "timezone": "Nowhere/X"}),
                       json.dumps({**GOOD, "received_at": "soon"}), json.dumps(GOOD)])  # fmt: skip
    code, lines = run(stdin)
    assert code == 0
    assert [("error" in line) for line in lines] == [True, True, True, True, False]
    assert "channel" in str(lines[1]["error"]) and "Nowhere/X" in str(lines[2]["error"])


def test_a_missing_file_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["classify", "/no/such/file.jsonl"])
    assert result.exit_code == 2


def test_an_email_is_classified_without_the_message_it_quotes_as_the_service_reads_it() -> None:
    email = {**GOOD, "channel": "email", "text": "I can pay $50 Friday\n\nOn Tue, Mar 3, 2026 Acme <x@y> wrote:\n"
             "> Your balance of $420.00 is due 3/15.\n> Reply STOP to opt out."}  # fmt: skip
    code, lines = run(json.dumps(email) + "\n")
    assert code == 0
    assert (lines[0]["intent"], lines[0]["amount"], lines[0]["date"]) == ("promise_to_pay", "50.00", "2026-03-06")
    assert lines[0]["cues"] == ["promise_to_pay:will_pay", "amount:$50", "date:friday"]
