"""The demo's HTML report: one self-contained ``index.html`` with inline SVG charts, and the raw outputs.

Viewable offline in any browser (no scripts, no fonts or images fetched), so it can be attached to a
ticket or opened from a CI artifact.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import date
from html import escape
from pathlib import Path

from parley.embedded.summary import CampaignSummary, format_money
from parley.embedded.svg import Series, bar_chart, column_chart

CHANNEL_COLORS = {"sms": "#2563eb", "email": "#16a34a", "voice": "#f59e0b"}
OURS_COLOR = "#4f46e5"
BASELINE_COLOR = "#9ca3af"
OUTPUTS_NAME = "outputs.jsonl"

_CSS = """
body { margin: 0; background: #f3f4f6; color: #111827;
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 24px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
.sub { color: #6b7280; margin: 0 0 22px; }
.kpis { display: grid; grid-template-columns: repeat(5, 1fr); gap: 12px; margin-bottom: 18px; }
.kpi { background: #fff; border-radius: 10px; padding: 14px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.06); }
.kpi .label { color: #6b7280; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.kpi .value { font-size: 24px; font-weight: 650; margin-top: 4px; }
.kpi .base { color: #6b7280; font-size: 12px; margin-top: 2px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
section { background: #fff; border-radius: 10px; padding: 16px 18px; margin-bottom: 16px;
          box-shadow: 0 1px 2px rgba(0,0,0,.06); }
section h2 { font-size: 16px; margin: 0 0 2px; }
section p.note { color: #6b7280; font-size: 13px; margin: 0 0 10px; }
svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: right; padding: 6px 10px; border-bottom: 1px solid #e5e7eb; }
th:first-child, td:first-child { text-align: left; }
th { color: #6b7280; font-weight: 600; }
footer { color: #6b7280; font-size: 13px; margin-top: 8px; }
"""


def write_report(
    directory: Path,
    summary: CampaignSummary,
    baseline: CampaignSummary | None,
    outputs_jsonl_path: Path | None,
    title: str = "Parley demo campaign",
) -> Path:
    """Write ``index.html`` (and a copy of the outputs JSONL) into ``directory``; return the HTML path."""
    directory.mkdir(parents=True, exist_ok=True)
    if outputs_jsonl_path is not None:
        target = directory / OUTPUTS_NAME
        if outputs_jsonl_path.resolve() != target.resolve():
            shutil.copyfile(outputs_jsonl_path, target)
    index = directory / "index.html"
    index.write_text(render_report(summary, baseline, title, outputs_jsonl_path is not None), encoding="utf-8")
    return index


def render_report(
    summary: CampaignSummary,
    baseline: CampaignSummary | None,
    title: str = "Parley demo campaign",
    with_outputs: bool = True,
) -> str:
    """The report's HTML as a string."""
    days = sum(1 for counts in summary.contacts_per_day.values() if any(counts.values()))
    body = [
        f"<h1>{escape(title)}</h1>",
        f"<p class='sub'>{summary.debtors:,} debtors · {summary.accounts:,} accounts · "
        f"{format_money(summary.total_balance)} placed · {days} days with contacts</p>",
        _kpis(summary, baseline),
        _section("Contacts per day, by channel", "Messages and calls sent (UTC day).", _contacts_per_day(summary)),
        _section(
            "Send hour (debtor's local time)",
            "When messages went out, in each debtor's own zone"
            + (" — Parley vs the fixed-10:00 baseline." if baseline else "."),
            _send_hours(summary, baseline),
        ),
        "<div class='grid'>",
        _section("Suppressions by rule",
                 f"{summary.suppressed_sends:,} sends the compliance gates stopped, counted under each rule that "
                 "stopped them (a send stopped by several rules counts under each).",
                 _counts_chart(summary.suppressions_by_rule, "#dc2626")),
        _section("Funnel", "Debtors reaching each stage (share of all debtors).", _funnel(summary)),
        "</div>",
    ]  # fmt: skip
    if baseline is not None:
        body.append(_comparison(summary, baseline))
    body.append(
        "<div class='grid'>"
        + _section("Replies by intent", "What debtors wrote back, as Parley classified it.",
                   _counts_chart(summary.replies_by_intent, "#0891b2"))
        + _section("Contacts by channel", "", _channel_table(summary, baseline))
        + "</div>"
    )  # fmt: skip
    if with_outputs:
        body.append(
            f"<footer>Raw outputs (one CloudEvent per line): <a href='{OUTPUTS_NAME}'>{OUTPUTS_NAME}</a></footer>"
        )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><title>{escape(title)}</title>"
        f"<style>{_CSS}</style></head><body><main>{''.join(body)}</main></body></html>\n"
    )


def _section(heading: str, note: str, content: str) -> str:
    note_html = f"<p class='note'>{escape(note)}</p>" if note else ""
    return f"<section><h2>{escape(heading)}</h2>{note_html}{content}</section>"


def contacts_per_payment(summary: CampaignSummary) -> str:
    """Contacts per payment to one decimal; "—" when there were no payments (there is no such figure)."""
    return f"{summary.contacts_per_payment:.1f}" if summary.contacts_per_payment is not None else "—"


def _kpis(summary: CampaignSummary, baseline: CampaignSummary | None) -> str:
    cards = [
        ("Contacts", f"{summary.contacts:,}", baseline and f"{baseline.contacts:,}"),
        ("Payments", f"{summary.payments:,}", baseline and f"{baseline.payments:,}"),
        ("Recovered", format_money(summary.amount_recovered), baseline and format_money(baseline.amount_recovered)),
        ("Recovery rate", f"{summary.recovery_rate:.2%}", baseline and f"{baseline.recovery_rate:.2%}"),
        ("Contacts per payment", contacts_per_payment(summary), baseline and contacts_per_payment(baseline)),
    ]
    html = ["<div class='kpis'>"]
    for label, value, base in cards:
        base_html = f"<div class='base'>baseline: {escape(base)}</div>" if base else ""
        html.append(
            f"<div class='kpi'><div class='label'>{escape(label)}</div>"
            f"<div class='value'>{escape(value)}</div>{base_html}</div>"
        )
    html.append("</div>")
    return "".join(html)


def _contacts_per_day(summary: CampaignSummary) -> str:
    days = list(summary.contacts_per_day)
    labels = [date.fromisoformat(day).strftime("%b %d") for day in days]
    series = [
        Series(channel, [summary.contacts_per_day[day].get(channel, 0) for day in days], color)
        for channel, color in CHANNEL_COLORS.items()
    ]
    every = max(1, len(days) // 12)
    return column_chart(labels, series, stacked=True, width=1060, height=320, y_label="contacts",
                        label_every=every, title="Contacts per day by channel")  # fmt: skip


def _send_hours(summary: CampaignSummary, baseline: CampaignSummary | None) -> str:
    hours = list(range(24))
    labels = [f"{hour:02d}" for hour in hours]
    ours_total = sum(summary.send_hours.values()) or 1
    series = [Series(summary.policy, [summary.send_hours.get(h, 0) / ours_total for h in hours], OURS_COLOR)]
    if baseline is not None:
        base_total = sum(baseline.send_hours.values()) or 1
        series.append(
            Series(baseline.policy, [baseline.send_hours.get(h, 0) / base_total for h in hours], BASELINE_COLOR)
        )
    return column_chart(labels, series, width=1060, height=280, y_label="share of sends", percent=True,
                        title="Send-hour distribution")  # fmt: skip


def _counts_chart(counts: dict[str, int], color: str) -> str:
    items = list(counts.items())[:12]
    return bar_chart([k for k, _ in items], [float(v) for _, v in items], color=color, width=500, label_width=190)


def _funnel(summary: CampaignSummary) -> str:
    total = summary.funnel.get("debtors", 0) or 1
    labels = list(summary.funnel)
    values = [float(summary.funnel[stage]) for stage in labels]
    shown = [f"{int(v):,} ({v / total:.0%})" for v in values]
    return bar_chart(labels, values, color=OURS_COLOR, width=500, value_labels=shown, label_width=100)


def _comparison(summary: CampaignSummary, baseline: CampaignSummary) -> str:
    cpp_chart = column_chart(
        ["contacts per payment"],
        [
            Series(summary.policy, [summary.contacts_per_payment], OURS_COLOR),
            Series(baseline.policy, [baseline.contacts_per_payment], BASELINE_COLOR),
        ],
        width=500, height=260, show_values=True, title="Contacts per payment", missing="no payments",
    )  # fmt: skip
    rate_chart = column_chart(
        ["recovery rate"],
        [
            Series(summary.policy, [summary.recovery_rate], OURS_COLOR),
            Series(baseline.policy, [baseline.recovery_rate], BASELINE_COLOR),
        ],
        width=500, height=260, percent=True, show_values=True, title="Recovery rate",
    )  # fmt: skip
    rows = [
        ("Contacts", f"{summary.contacts:,}", f"{baseline.contacts:,}"),
        ("Payments", f"{summary.payments:,}", f"{baseline.payments:,}"),
        ("Amount recovered", format_money(summary.amount_recovered), format_money(baseline.amount_recovered)),
        ("Recovery rate", f"{summary.recovery_rate:.2%}", f"{baseline.recovery_rate:.2%}"),
        ("Contacts per payment", contacts_per_payment(summary), contacts_per_payment(baseline)),
        ("Suppressed sends", f"{summary.suppressed_sends:,}", f"{baseline.suppressed_sends:,}"),
    ]  # fmt: skip
    table = _table(("", summary.policy, baseline.policy), rows)
    note = "Same portfolio and debtors; the baseline uses a fixed channel order and sends at 10:00 local time."
    charts = f"<div class='grid'><div>{cpp_chart}</div><div>{rate_chart}</div></div>"
    return _section(f"{summary.policy.capitalize()} against the naive baseline", note, charts + table)


def _channel_table(summary: CampaignSummary, baseline: CampaignSummary | None) -> str:
    header = ("channel", summary.policy, *((baseline.policy,) if baseline else ()))
    rows = [
        (channel, f"{count:,}", *((f"{baseline.contacts_by_channel.get(channel, 0):,}",) if baseline else ()))
        for channel, count in summary.contacts_by_channel.items()
    ]
    return _table(header, rows)


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
