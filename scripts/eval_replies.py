"""Evaluate the reply classifier on the labelled set and print the figures.

Usage: .venv/bin/python scripts/eval_replies.py [EVAL_SET.jsonl] [--misses] [--speed]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from orchestrator.replies import classify
from orchestrator.replies.evaluation import EvaluationReport, LabelledReply, evaluate

DEFAULT_SET = Path(__file__).resolve().parent.parent / "tests" / "unit" / "replies" / "eval_set.jsonl"


def load(path: Path) -> list[LabelledReply]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [LabelledReply.from_json(json.loads(line)) for line in lines if line.strip()]


def print_report(report: EvaluationReport, show_misses: bool) -> None:
    print(f"{'intent':<22}{'support':>8}{'precision':>11}{'recall':>9}")
    for intent, score in sorted(report.per_intent.items(), key=lambda item: item[0].value):
        print(f"{intent.value:<22}{score.support:>8}{score.precision:>11.1%}{score.recall:>9.1%}")
    print(f"\noverall intent accuracy: {report.accuracy:.1%} ({report.correct}/{report.total})")
    print(
        f"amount exact-match: {report.amount_match:.1%} ({report.amount_exact}/{report.amount_stated} stated; "
        f"{report.amount_spurious} extracted where none stated)"
    )
    print(
        f"date exact-match:   {report.date_match:.1%} ({report.date_exact}/{report.date_stated} stated; "
        f"{report.date_spurious} extracted where none stated)"
    )
    if show_misses:
        print("\nmisses:")
        for miss in report.misses:
            print(f"  {miss.what:<45} {miss.example.text!r}  cues={list(miss.prediction.cues)}")


def measure_speed(examples: list[LabelledReply], rounds: int = 20) -> None:
    started = time.perf_counter()
    for _ in range(rounds):
        for example in examples:
            classify(example.text, example.channel, example.received_at, example.timezone)
    elapsed = time.perf_counter() - started
    count = rounds * len(examples)
    print(f"\nspeed: {count / elapsed:,.0f} replies/s ({count} classifications in {elapsed:.2f} s, one core)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("eval_set", nargs="?", type=Path, default=DEFAULT_SET)
    parser.add_argument("--misses", action="store_true", help="list every wrong intent, amount or date")
    parser.add_argument("--speed", action="store_true", help="also measure classifications per second")
    args = parser.parse_args(argv)
    examples = load(args.eval_set)
    print_report(evaluate(examples), args.misses)
    if args.speed:
        measure_speed(examples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
