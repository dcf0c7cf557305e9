"""Acceptance: the classifier meets issue 8's thresholds on the labelled evaluation set."""

import json
from pathlib import Path

import pytest

from orchestrator.replies import Intent
from orchestrator.replies.evaluation import EvaluationReport, LabelledReply, evaluate

HERE = Path(__file__).parent


def load(name: str) -> list[LabelledReply]:
    lines = (HERE / name).read_text(encoding="utf-8").splitlines()
    return [LabelledReply.from_json(json.loads(line)) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def report() -> EvaluationReport:
    return evaluate(load("eval_set.jsonl"))


def test_the_evaluation_set_is_large_and_covers_every_intent_in_both_languages() -> None:
    examples = load("eval_set.jsonl")
    assert len(examples) >= 300
    assert {example.intent for example in examples} == set(Intent)
    assert sum(example.intent is Intent.OPT_OUT for example in examples) >= 40


def test_opt_out_recall_is_total_and_precision_at_least_98_percent(report: EvaluationReport) -> None:
    opt_out = report.per_intent[Intent.OPT_OUT]
    assert opt_out.recall == 1.0
    assert opt_out.precision >= 0.98


def test_overall_intent_accuracy_is_at_least_90_percent(report: EvaluationReport) -> None:
    assert report.accuracy >= 0.90


def test_stated_amounts_and_dates_match_exactly_at_least_90_percent_of_the_time(report: EvaluationReport) -> None:
    assert report.amount_stated >= 30 and report.date_stated >= 40
    assert report.amount_match >= 0.90
    assert report.date_match >= 0.90


def test_the_holdout_set_also_keeps_every_opt_out(report: EvaluationReport) -> None:
    holdout = evaluate(load("holdout_set.jsonl"))
    assert holdout.per_intent[Intent.OPT_OUT].recall == 1.0
    assert holdout.accuracy >= 0.90
