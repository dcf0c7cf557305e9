"""Lint finds every listed defect in the broken fixtures, and passes the starter pack."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrator.templating.lint import LintOptions, lint_sources
from parley.cli.templates import templates
from parley.template_files import bundled_root, read_template_sources

BROKEN = Path(__file__).parent / "fixtures" / "broken"

EXPECTED = {
    "syntax_error": {"syntax"},
    "undeclared_variable": {"undeclared_variable"},
    "missing_opt_out": {"missing_opt_out"},
    "missing_disclosure": {"missing_disclosure"},
    "sms_too_long": {"sms_too_long"},
    "hard_to_read": {"readability"},
    "voicemail_forbidden": {"voicemail_forbidden"},
    "voicemail_words": {"voicemail_forbidden"},
    "missing_locale": {"missing_locale"},
    "bad_meta": {"meta_invalid"},
}


@pytest.fixture(scope="module")
def broken_report() -> dict[str, set[str]]:
    report = lint_sources(read_template_sources(BROKEN))
    found: dict[str, set[str]] = {}
    for finding in report.errors:
        found.setdefault(finding.path.split("/")[0], set()).add(finding.code)
    return found


@pytest.mark.parametrize("template_id", sorted(EXPECTED))
def test_each_broken_fixture_is_caught_for_its_own_defect(template_id: str, broken_report: dict[str, set[str]]) -> None:
    assert broken_report.get(template_id) == EXPECTED[template_id]


def test_a_syntax_error_names_its_file_and_line() -> None:
    report = lint_sources(read_template_sources(BROKEN / ".." / "broken"))
    syntax = next(finding for finding in report.errors if finding.code == "syntax")
    assert (syntax.path, syntax.line) == ("syntax_error/en/sms.txt", 2)


def test_a_business_name_suggesting_debt_collection_fails_the_voicemail() -> None:
    report = lint_sources(read_template_sources(bundled_root()), LintOptions(business_name="The Receivables Group"))
    assert {finding.path for finding in report.errors if finding.code == "voicemail_forbidden"} == {
        "voicemail/en/voicemail.txt",
        "voicemail/es/voicemail.txt",
    }


def test_a_locale_a_cadence_needs_is_reported_missing() -> None:
    options = LintOptions(required=[("payment_reminder", "sms", "fr"), ("payment_reminder", "sms", "es-MX")])
    report = lint_sources(read_template_sources(bundled_root()), options)
    assert [(finding.code, finding.path) for finding in report.errors] == [("missing_locale", "payment_reminder/fr/")]


def test_the_starter_pack_lints_clean() -> None:
    report = lint_sources(read_template_sources(bundled_root()))
    assert report.findings == ()
    assert report.templates_checked == 11


def test_cli_lint_exits_zero_on_the_starter_pack() -> None:
    result = CliRunner().invoke(templates, ["lint"])
    assert result.exit_code == 0, result.output
    assert "11 template(s) checked: OK" in result.output


def test_cli_lint_json_lists_findings_and_exits_non_zero() -> None:
    result = CliRunner().invoke(templates, ["lint", str(BROKEN), "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.output)
    assert payload["ok"] is False and payload["errors"] == len(payload["findings"])
    assert {"syntax", "sms_too_long", "readability", "missing_locale"} <= {f["code"] for f in payload["findings"]}


def test_cli_preview_shows_segments_and_writes_the_html(tmp_path: Path) -> None:
    out = tmp_path / "preview.html"
    sms = CliRunner().invoke(templates, ["preview", "payment_reminder", "--channel", "sms", "--locale", "es"])
    assert sms.exit_code == 0, sms.output
    assert "segment(s), GSM-7" in sms.output
    email = CliRunner().invoke(templates, ["preview", "first_notice", "--channel", "email", "--html", str(out)])
    assert email.exit_code == 0, email.output
    assert "validation notice" in out.read_text()


def test_cli_render_prints_the_message_as_json(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(
        json.dumps(
            {
                "debtor_id": "D-9",
                "first_name": "Sam",
                "accounts": [{"id": "A-9", "creditor": "Acme", "balance": "20.00"}],
                "payment_amount": "20.00",
                "payment_date": "2026-03-01",
                "now": "2026-03-02T10:00:00Z",
            }
        )
    )
    result = CliRunner().invoke(
        templates, ["render", "payment_thanks", "--channel", "sms", "--locale", "en", "--data", str(data)]
    )
    assert result.exit_code == 0, result.output
    message = json.loads(result.output)
    assert message["template_id"] == "payment_thanks" and "Thank you, Sam!" in message["body"]
    assert message["sms"]["segments"] >= 1


def test_cli_render_reports_a_missing_value_clearly(tmp_path: Path) -> None:
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"debtor_id": "D-9", "first_name": "Sam", "now": "2026-03-02T10:00:00Z"}))
    result = CliRunner().invoke(templates, ["render", "payment_thanks", "--channel", "sms", "--data", str(data)])
    assert result.exit_code == 1
    assert "missing_variable" in result.output
