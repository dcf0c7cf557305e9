"""``parley templates``: lint, preview and render message templates (the editor's tools)."""

from __future__ import annotations

import dataclasses
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from orchestrator.templating import RenderContext, RenderedMessage, Renderer, TemplateError
from orchestrator.templating.lint import LintReport, lint_sources
from orchestrator.templating.model import CHANNELS
from orchestrator.templating.samples import sample_context
from parley import template_files
from parley.settings import Settings

_PATH = click.Path(exists=True, file_okay=False, path_type=Path)
_DATA = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("templates")
def templates() -> None:
    """Lint, preview and render message templates."""


@templates.command()
@click.argument("path", required=False, type=_PATH)
@click.option("--json", "as_json", is_flag=True, help="Print findings as JSON (for tools).")
@click.option("--max-segments", type=int, help="Most SMS segments a template may render to (default: settings).")
@click.option("--max-grade", type=float, help="Highest Flesch–Kincaid grade for English copy (default: settings).")
@click.option(
    "--require",
    "required",
    multiple=True,
    metavar="TEMPLATE:CHANNEL:LOCALE",
    help="A template, channel and locale the cadences use (repeatable). Default: every template, en and es.",
)
def lint(
    path: Path | None, as_json: bool, max_segments: int | None, max_grade: float | None, required: tuple[str, ...]
) -> None:
    """Check templates for syntax, variables, required content, SMS length, readability and locales.

    PATH is a template folder (default: PARLEY_TEMPLATES_PATH, else the bundled starter pack).
    Exits 1 when any error is found.
    """
    settings = Settings()
    options = template_files.lint_options(settings)
    changes: dict[str, Any] = {}
    if max_segments is not None:
        changes["sms_max_segments"] = max_segments
    if max_grade is not None:
        changes["readability_max_grade"] = max_grade
    if required:
        changes["required"] = [_parse_requirement(item) for item in required]
    options = dataclasses.replace(options, **changes)
    root = path if path is not None else template_files.templates_root(settings)
    report = lint_sources(template_files.read_template_sources(root), options)
    if as_json:
        click.echo(json.dumps(_report_json(report), indent=2, ensure_ascii=False))
    else:
        _print_report(report, str(root))
    sys.exit(0 if report.ok else 1)


@templates.command()
@click.argument("template_id")
@click.option("--channel", type=click.Choice(CHANNELS), default="sms", show_default=True)
@click.option("--locale", default="en", show_default=True, help="e.g. en, es, es-MX (falls back es-MX → es → en).")
@click.option("--data", "data_file", type=_DATA, help="YAML or JSON sample data (default: the template's sample.yaml).")
@click.option("--path", type=_PATH, help="Template folder (default: settings, else the starter pack).")
@click.option("--subsequent", is_flag=True, help="Not the first contact: short disclosure instead of the full one.")
@click.option("--html", "html_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the email HTML here.")
def preview(
    template_id: str,
    channel: str,
    locale: str,
    data_file: Path | None,
    path: Path | None,
    subsequent: bool,
    html_out: Path | None,
) -> None:
    """Render TEMPLATE_ID with sample data and show it as the debtor would get it."""
    settings = Settings()
    renderer = _renderer(settings, path)
    template = _guard(lambda: renderer.catalog.get(template_id))
    sample = _read_data(data_file) if data_file else template.sample
    context = _context(lambda: sample_context(sample, **_identity(settings, sample), first_contact=not subsequent))
    message = _guard(lambda: renderer.render(template_id, channel, locale, context))
    console = Console()
    title = f"{message.template_id} · {message.channel} · {message.locale} · version {message.template_version}"
    if message.subject is not None:
        console.print(Text.assemble(("Subject: ", "bold"), message.subject))
    console.print(Panel(Text(message.body), title=title, expand=False))
    if message.sms is not None:
        sms = message.sms
        console.print(f"SMS: {sms.segments} segment(s), {sms.encoding}, {sms.units} units")
    if message.voicemail is not None:
        console.print(Panel(Text(message.voicemail), title="voicemail", expand=False))
    if html_out is not None:
        if message.html is None:
            raise click.ClickException("this message has no HTML part (use --channel email)")
        html_out.write_text(message.html, encoding="utf-8")
        console.print(f"HTML preview written to {html_out}")


@templates.command()
@click.argument("template_id")
@click.option("--channel", type=click.Choice(CHANNELS), required=True)
@click.option("--locale", default="en", show_default=True)
@click.option("--data", "data_file", type=_DATA, required=True, help="JSON file with the render context.")
@click.option("--path", type=_PATH, help="Template folder (default: settings, else the starter pack).")
def render(template_id: str, channel: str, locale: str, data_file: Path, path: Path | None) -> None:
    """Render TEMPLATE_ID with a JSON data file; print the message as JSON on stdout."""
    settings = Settings()
    renderer = _renderer(settings, path)
    data = _read_data(data_file)
    data.setdefault("now", datetime.now(UTC).isoformat())
    context = _context(lambda: RenderContext.model_validate({**_identity(settings, data), **data}))
    message = _guard(lambda: renderer.render(template_id, channel, locale, context))
    click.echo(json.dumps(_message_json(message), indent=2, ensure_ascii=False))


def _renderer(settings: Settings, path: Path | None) -> Renderer:
    root = path if path is not None else template_files.templates_root(settings)
    catalog = _guard(lambda: template_files.load_catalog(root))
    return Renderer(catalog, template_files.payment_links(settings), template_files.render_limits(settings))


def _identity(settings: Settings, data: Any) -> dict[str, str]:
    given = data if isinstance(data, dict) else {}
    identity = {
        "business_name": settings.business_name,
        "callback_number": settings.callback_number,
        "agent_name": settings.agent_name,
    }
    return {key: value for key, value in identity.items() if key not in given}


def _guard(action: Any) -> Any:
    try:
        return action()
    except TemplateError as error:
        where = f"{error.path}: " if error.path else ""
        raise click.ClickException(f"{where}{error.message} [{error.reason}]") from None


def _context(build: Any) -> RenderContext:
    try:
        context: RenderContext = build()
    except ValidationError as error:
        raise click.ClickException(f"the data does not fit a render context:\n{error}") from None
    return context


def _read_data(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise click.ClickException(f"{path}: cannot read the data: {error}") from None
    if not isinstance(data, dict):
        raise click.ClickException(f"{path}: the data must be a mapping")
    return data


def _parse_requirement(text: str) -> tuple[str, str, str]:
    parts = text.split(":")
    if len(parts) != 3:
        raise click.BadParameter(f"{text!r} is not TEMPLATE:CHANNEL:LOCALE", param_hint="--require")
    return parts[0], parts[1], parts[2]


def _message_json(message: RenderedMessage) -> dict[str, Any]:
    return dataclasses.asdict(message)


def _report_json(report: LintReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "templates_checked": report.templates_checked,
        "errors": len(report.errors),
        "findings": [dataclasses.asdict(finding) for finding in report.findings],
    }


def _print_report(report: LintReport, root: str) -> None:
    console = Console()
    if report.findings:
        table = Table(title=f"Template lint: {root}", show_lines=False)
        for column in ("severity", "where", "check", "what to fix"):
            table.add_column(column, overflow="fold")
        for finding in report.findings:
            colour = "red" if finding.severity == "error" else "yellow"
            where = f"{finding.path}:{finding.line}" if finding.line else finding.path
            table.add_row(Text(finding.severity, style=colour), Text(where), finding.code, Text(finding.message))
        console.print(table)
    verdict = "[green]OK[/green]" if report.ok else f"[red]{len(report.errors)} error(s)[/red]"
    warnings = len(report.findings) - len(report.errors)
    console.print(f"{report.templates_checked} template(s) checked: {verdict}, {warnings} warning(s).")
