"""A short demo campaign's summary counts what the campaign saw: payments the simulated debtors make
after the campaign's end were never fed to the runner, so they are not the campaign's recoveries; and
the suppressed-sends figure counts sends, not the rules that stopped them."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from parley.cli.demo import DEFAULT_START
from parley.embedded.campaign import CampaignRun, run_campaign
from parley.embedded.portfolio import generate_portfolio
from parley.embedded.session import run_embedded

DEBTORS, DAYS, SEED = 60, 5, 2
END = DEFAULT_START + timedelta(days=DAYS)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> CampaignRun:
    portfolio = generate_portfolio(DEBTORS, SEED, DEFAULT_START, horizon_days=DAYS)
    outputs = tmp_path_factory.mktemp("short") / "outputs.jsonl"
    return run_embedded(run_campaign(portfolio, seed=SEED, start=DEFAULT_START, days=DAYS, outputs_path=outputs))


def _payments(run: CampaignRun) -> list[tuple[datetime, Decimal, str]]:
    return [
        (datetime.fromisoformat(str(event["time"])), Decimal(str(event["data"]["amount"])), str(event["subject"]))  # type: ignore[index]
        for event in run.world.generated_cloudevents()
        if event["type"] == "payment.received"
    ]


def test_payments_made_after_the_campaign_ended_are_not_counted(run: CampaignRun) -> None:
    payments = _payments(run)
    within = [(amount, debtor) for at, amount, debtor in payments if at <= END]
    assert within and len(within) < len(payments), "the world must pay both before and after the end"
    assert run.summary.payments == len(within)
    assert run.summary.amount_recovered == sum((amount for amount, _ in within), Decimal(0))
    assert run.summary.funnel["paid"] <= len({debtor for _, debtor in within})
    assert run.summary.contacts_per_payment == run.summary.contacts / len(within)


def test_suppressed_sends_count_suppression_events_not_rules(run: CampaignRun) -> None:
    with run.outputs_path.open("rb") as lines:
        suppressed = [event for event in map(json.loads, lines) if event["type"] == "message.suppressed"]
    rules = sum(len(event["data"]["rules"]) for event in suppressed)
    assert rules > len(suppressed), "some send must be stopped by more than one rule for the test to mean anything"
    assert run.summary.suppressed_sends == len(suppressed)
    assert sum(run.summary.suppressions_by_rule.values()) == rules
