"""Scoring the classifier against a labelled set: per-intent precision/recall, accuracy, entities.

Pure: takes already-parsed examples, so the CLI script and the acceptance test share one scorer.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from orchestrator.replies.classifier import classify
from orchestrator.replies.model import Intent, ReplyClassification


@dataclass(frozen=True, slots=True)
class LabelledReply:
    text: str
    channel: str
    received_at: datetime
    timezone: str
    intent: Intent
    amount: Decimal | None
    date: date | None

    @classmethod
    def from_json(cls, row: dict[str, object]) -> LabelledReply:
        amount, when = row.get("amount"), row.get("date")
        return cls(
            text=str(row["text"]),
            channel=str(row["channel"]),
            received_at=datetime.fromisoformat(str(row["received_at"])),
            timezone=str(row["timezone"]),
            intent=Intent(str(row["intent"])),
            amount=Decimal(str(amount)).quantize(Decimal("0.01")) if amount is not None else None,
            date=date.fromisoformat(str(when)) if when is not None else None,
        )


@dataclass(frozen=True, slots=True)
class IntentScore:
    support: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.support if self.support else 1.0


@dataclass(frozen=True, slots=True)
class Miss:
    example: LabelledReply
    prediction: ReplyClassification
    what: str


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    total: int
    correct: int
    per_intent: dict[Intent, IntentScore]
    amount_stated: int
    amount_exact: int
    amount_spurious: int
    date_stated: int
    date_exact: int
    date_spurious: int
    misses: list[Miss] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0

    @property
    def amount_match(self) -> float:
        return self.amount_exact / self.amount_stated if self.amount_stated else 1.0

    @property
    def date_match(self) -> float:
        return self.date_exact / self.date_stated if self.date_stated else 1.0


def evaluate(examples: list[LabelledReply]) -> EvaluationReport:
    """Classify every example and compare with its labels.

    Amount and date are scored where the text states them (label not null); values extracted where
    the label is null are counted separately as spurious.
    """
    support: Counter[Intent] = Counter()
    predicted: Counter[Intent] = Counter()
    correct: Counter[Intent] = Counter()
    amount_stated = amount_exact = amount_spurious = 0
    date_stated = date_exact = date_spurious = 0
    misses: list[Miss] = []
    for example in examples:
        prediction = classify(example.text, example.channel, example.received_at, example.timezone)
        support[example.intent] += 1
        predicted[prediction.intent] += 1
        if prediction.intent == example.intent:
            correct[example.intent] += 1
        else:
            misses.append(Miss(example, prediction, f"intent {prediction.intent} != {example.intent}"))
        if example.amount is not None:
            amount_stated += 1
            amount_exact += prediction.amount == example.amount
            if prediction.amount != example.amount:
                misses.append(Miss(example, prediction, f"amount {prediction.amount} != {example.amount}"))
        elif prediction.amount is not None:
            amount_spurious += 1
            misses.append(Miss(example, prediction, f"spurious amount {prediction.amount}"))
        if example.date is not None:
            date_stated += 1
            date_exact += prediction.date == example.date
            if prediction.date != example.date:
                misses.append(Miss(example, prediction, f"date {prediction.date} != {example.date}"))
        elif prediction.date is not None:
            date_spurious += 1
            misses.append(Miss(example, prediction, f"spurious date {prediction.date}"))
    per_intent = {
        intent: IntentScore(support[intent], predicted[intent], correct[intent])
        for intent in Intent
        if support[intent] or predicted[intent]
    }
    return EvaluationReport(
        total=len(examples),
        correct=sum(correct.values()),
        per_intent=per_intent,
        amount_stated=amount_stated,
        amount_exact=amount_exact,
        amount_spurious=amount_spurious,
        date_stated=date_stated,
        date_exact=date_exact,
        date_spurious=date_spurious,
        misses=misses,
    )
