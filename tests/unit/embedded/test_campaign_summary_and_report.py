"""The campaign summary counts what the outputs say; the report shows it as inline SVG."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from parley.embedded.portfolio import Portfolio, generate_portfolio
from parley.embedded.report import write_report
from parley.embedded.summary import CampaignSummary, print_summary, summarise
from parley.embedded.svg import nice_ticks

START = datetime(2026, 3, 2, 13, tzinfo=UTC)
END = datetime(2026, 3, 9, 13, tzinfo=UTC)


@pytest.fixture(scope="module")
def portfolio() -> Portfolio:
    return generate_portfolio(4, seed=3, start=START)


def out(kind: str, time: str, subject: str, **data: Any) -> dict[str, Any]:
    return {"specversion": "1.0", "id": f"{kind}-{time}-{subject}", "type": kind, "time": time,
            "subject": subject, "data": data}  # fmt: skip


def outputs_for(portfolio: Portfolio) -> list[dict[str, Any]]:
    d1, d2, d3 = (d.id for d in portfolio.debtors[:3])
    return [
        out("message.dispatched", "2026-03-03T15:00:00Z", d1, channel="sms", to="x", account_ids=["a"]),
        out("message.dispatched", "2026-03-03T16:00:00Z", d1, channel="email", to="x", account_ids=["a"]),
        out("message.dispatched", "2026-03-04T15:00:00Z", d2, channel="voice", to="x", account_ids=["a"]),
        out("message.dispatched", "2026-03-04T18:00:00Z", d3, channel="sms", to="x", account_ids=["a"]),
        out("message.delivered", "2026-03-03T15:00:05Z", d1),
        out("call.completed", "2026-03-04T15:01:00Z", d2, answered_by="human", duration_s=60),
        out("message.suppressed", "2026-03-04T12:00:00Z", d3,
            rules=[{"rule_id": "time_window_federal", "reason": "r"}, {"rule_id": "quiet_days", "reason": "r"}]),
        out("message.suppressed", "2026-03-05T12:00:00Z", d3, rules=[{"rule_id": "time_window_federal", "reason": ""}]),
        out("reply.received", "2026-03-03T18:00:00Z", d1, intent="promise_to_pay", text="I can pay $50 Friday"),
        out("reply.received", "2026-03-04T19:00:00Z", d3, intent="opt_out", text="STOP"),
        out("payment_intent.detected", "2026-03-03T18:00:01Z", d1, amount="50.00"),
    ]  # fmt: skip


def inputs_for(portfolio: Portfolio) -> list[dict[str, Any]]:
    d1, d2 = (d.id for d in portfolio.debtors[:2])
    a1, a2 = portfolio.accounts[d1][0].id, portfolio.accounts[d2][0].id
    return [
        out("promise.created", "2026-03-03T18:10:00Z", d1, account_id=a1, amount="50.00", due_date="2026-03-06"),
        out("payment.received", "2026-03-06T17:00:00Z", d1, account_id=a1, amount="50.00", paid_at="2026-03-06"),
        out("payment.received", "2026-03-05T17:00:00Z", d2, account_id=a2, amount="120.50", paid_at="2026-03-05"),
    ]


@pytest.fixture(scope="module")
def summary(portfolio: Portfolio) -> CampaignSummary:
    return summarise(outputs_for(portfolio), portfolio, inputs_for(portfolio), policy="parley", until=END)


def test_contacts_suppressions_and_replies_are_counted_from_outputs(summary: CampaignSummary) -> None:
    assert summary.contacts_by_channel == {"sms": 2, "email": 1, "voice": 1}
    assert summary.suppressed_sends == 2
    assert summary.suppressions_by_rule == {"time_window_federal": 2, "quiet_days": 1}
    assert summary.replies_by_intent == {"promise_to_pay": 1, "opt_out": 1}
    assert (summary.payment_intents, summary.promises_logged) == (1, 1)


def test_payments_recovery_and_contacts_per_payment(summary: CampaignSummary, portfolio: Portfolio) -> None:
    assert summary.payments == 2
    assert summary.amount_recovered == Decimal("170.50")
    assert summary.contacts_per_payment == 2.0
    total = sum(a.balance for owned in portfolio.accounts.values() for a in owned)
    assert summary.recovery_rate == pytest.approx(float(Decimal("170.50") / total))


def test_inputs_dated_after_the_campaign_end_are_not_counted(portfolio: Portfolio) -> None:
    d3 = portfolio.debtors[2].id
    a3 = portfolio.accounts[d3][0].id
    late = [
        out("payment.received", "2026-03-09T13:00:00.001Z", d3, account_id=a3, amount="999.00", paid_at="2026-03-09"),
        out("promise.created", "2026-03-10T09:00:00Z", d3, account_id=a3, amount="10.00", due_date="2026-03-12"),
    ]
    on_time = summarise(outputs_for(portfolio), portfolio, inputs_for(portfolio), until=END)
    with_late = summarise(outputs_for(portfolio), portfolio, inputs_for(portfolio) + late, until=END)
    assert with_late == on_time
    at_the_end = out("payment.received", "2026-03-09T13:00:00Z", d3, account_id=a3, amount="9.50", paid_at="2026-03-09")
    inclusive = summarise(outputs_for(portfolio), portfolio, [*inputs_for(portfolio), at_the_end], until=END)
    assert (inclusive.payments, inclusive.amount_recovered) == (3, Decimal("180.00"))


def test_contacts_per_day_and_local_send_hours(summary: CampaignSummary, portfolio: Portfolio) -> None:
    with_contacts = {day: counts for day, counts in summary.contacts_per_day.items() if any(counts.values())}
    assert with_contacts == {"2026-03-03": {"sms": 1, "email": 1, "voice": 0},
                             "2026-03-04": {"sms": 1, "email": 0, "voice": 1}}  # fmt: skip
    assert sum(summary.send_hours.values()) == 4 and set(summary.send_hours) == set(range(24))


def test_the_funnel_counts_debtors_reaching_at_least_each_stage(summary: CampaignSummary) -> None:
    # d1: delivered, replied, promised, paid; d2: answered a call and paid; d3: replied (STOP).
    assert summary.funnel == {"debtors": 4, "contacted": 3, "delivered": 3, "replied": 3, "promised": 2, "paid": 2}


def test_the_rich_summary_prints_headline_figures(summary: CampaignSummary) -> None:
    console = Console(record=True, width=120)
    print_summary(summary, console, baseline=summary)
    text = console.export_text()
    assert "$170.50" in text and "time_window_federal" in text and "contacts per payment" in text
    # Two sends were suppressed (by three rules between them): the headline counts the sends.
    assert re.search(r"suppressed sends\s*│\s*2\s*│\s*2\s*│", text), text


def test_the_report_is_self_contained_html_with_charts_numbers_and_the_raw_outputs(
    summary: CampaignSummary, tmp_path: Path
) -> None:
    raw = tmp_path / "run.jsonl"
    raw.write_text("".join(json.dumps(line) + "\n" for line in [{"type": "message.dispatched"}]), encoding="utf-8")
    baseline = CampaignSummary(**{**summary.__dict__, "policy": "baseline", "payments": 1,
                                  "amount_recovered": Decimal("20.00")})  # fmt: skip
    index = write_report(tmp_path / "report", summary, baseline, raw)
    html = index.read_text(encoding="utf-8")
    assert html.count("<svg") >= 6
    for needle in ("Contacts per day", "Send hour", "Suppressions by rule", "Funnel", "against the naive baseline",
                   "time_window_federal", "$170.50", "$20.00", "contacts per payment"):  # fmt: skip
        assert needle in html, needle
    assert not re.search(r"<script|https?://(?!www\.w3\.org/2000/svg)", html)
    assert (tmp_path / "report" / "outputs.jsonl").read_text() == raw.read_text()
    # Two suppressed sends (three rules between them): the comparison counts sends.
    assert re.search(r"<td>Suppressed sends</td><td>2</td><td>2</td>", html)


def test_the_report_works_without_a_baseline_or_suppressions(portfolio: Portfolio, tmp_path: Path) -> None:
    empty = summarise([], portfolio, until=END)
    html = write_report(tmp_path, empty, None, None).read_text(encoding="utf-8")
    assert "nothing to show" in html and "naive baseline" not in html and "outputs.jsonl" not in html


def test_axis_ticks_are_round_and_cover_the_maximum() -> None:
    assert nice_ticks(470) == [0, 100, 200, 300, 400, 500]
    assert nice_ticks(0.0735)[-1] >= 0.0735 and len(nice_ticks(0.0735)) <= 7


def test_contacts_per_payment_without_payments_is_a_dash_not_zero(summary: CampaignSummary, tmp_path: Path) -> None:
    unpaid = CampaignSummary(**{**summary.__dict__, "policy": "baseline", "payments": 0,
                                "amount_recovered": Decimal(0)})  # fmt: skip
    html = write_report(tmp_path, summary, unpaid, None).read_text(encoding="utf-8")
    assert "<td>Contacts per payment</td><td>2.0</td><td>—</td>" in html
    chart = re.search(r"<svg[^>]*aria-label='Contacts per payment'.*?</svg>", html)
    assert chart is not None
    assert "parley · contacts per payment" in chart.group(0)
    assert "baseline · contacts per payment" not in chart.group(0)  # no bar for the side that had no payments
    assert "no payments" in chart.group(0)
    html = write_report(tmp_path, unpaid, summary, None).read_text(encoding="utf-8")
    assert "<td>Contacts per payment</td><td>—</td><td>2.0</td>" in html


def test_every_day_of_the_campaign_is_on_the_per_day_axis(summary: CampaignSummary, tmp_path: Path) -> None:
    # The campaign runs from START (Mar 2) to END (Mar 9); contacts fell on Mar 3 and Mar 4 only.
    days = list(summary.contacts_per_day)
    assert days == [f"2026-03-{day:02d}" for day in range(2, 10)]
    assert summary.contacts_per_day["2026-03-06"] == {"sms": 0, "email": 0, "voice": 0}
    html = write_report(tmp_path, summary, None, None).read_text(encoding="utf-8")
    chart = re.search(r"<svg[^>]*aria-label='Contacts per day by channel'.*?</svg>", html)
    assert chart is not None
    for label in ("Mar 02", "Mar 05", "Mar 09"):
        assert f">{label}</text>" in chart.group(0), label
    assert "2 days with contacts" in html
