"""`parley demo` writes a self-contained HTML report: the four charts as inline SVG, nothing fetched."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from parley.cli.demo import demo


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo") / "report"
    result = CliRunner().invoke(demo, ["--debtors", "40", "--days", "10", "--seed", "5", "--report", str(folder)])
    assert result.exit_code == 0, result.output
    assert "report:" in result.output
    return folder


def test_the_demo_writes_the_report_and_the_raw_outputs(report_dir: Path) -> None:
    assert (report_dir / "index.html").stat().st_size > 5_000
    lines = (report_dir / "outputs.jsonl").read_bytes().splitlines()
    assert any(b'"type":"message.dispatched"' in line for line in lines)


def test_the_report_draws_its_four_charts_as_inline_svg(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r"<svg\b", html)) >= 4
    for heading in ("Contacts per day", "Send hour", "Suppression", "Funnel"):
        assert re.search(heading, html, re.IGNORECASE), heading


def test_the_report_needs_no_network(report_dir: Path) -> None:
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    external = re.findall(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", html)
    assert external == []
