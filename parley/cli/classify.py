"""``parley classify [FILE.jsonl | -]``: classify debtor replies, one JSON object per line in and out."""

from __future__ import annotations

import json
from datetime import datetime
from typing import IO, Any

import click

from orchestrator.replies import ReplyClassification, UnknownTimezone
from orchestrator.replies import classify as classify_reply

REQUIRED_FIELDS = ("text", "channel", "received_at", "timezone")


class BadReplyLine(ValueError):
    """Raised when an input line is not a usable reply object; the message says why."""


@click.command()
@click.argument("source", type=click.File("r", encoding="utf-8"), default="-")
def classify(source: IO[str]) -> None:
    """Classify debtor replies (JSONL in, JSONL out).

    Each input line is {"text", "channel", "received_at" (ISO 8601), "timezone" (IANA)}. Each output
    line is {"intent", "confidence", "amount", "currency", "date", "cues"}, or {"error": reason} for a bad line.
    """
    for line_number, line in enumerate(source, start=1):
        if not line.strip():
            continue
        click.echo(json.dumps(classify_line(line, line_number), ensure_ascii=False))


def classify_line(line: str, line_number: int) -> dict[str, Any]:
    try:
        text, channel, received_at, timezone = _parse(line)
        result = classify_reply(text, channel, received_at, timezone)
    except (BadReplyLine, UnknownTimezone) as error:
        return {"error": f"line {line_number}: {error}"}
    return as_json(result)


def as_json(result: ReplyClassification) -> dict[str, Any]:
    return {
        "intent": result.intent.value,
        "confidence": result.confidence,
        "amount": str(result.amount) if result.amount is not None else None,
        "currency": result.currency,
        "date": result.date.isoformat() if result.date is not None else None,
        "cues": list(result.cues),
    }


def _parse(line: str) -> tuple[str, str, datetime, str]:
    try:
        row = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadReplyLine(f"not JSON ({error.msg})") from error
    if not isinstance(row, dict):
        raise BadReplyLine("not a JSON object")
    missing = [name for name in REQUIRED_FIELDS if not isinstance(row.get(name), str)]
    if missing:
        raise BadReplyLine(f"missing or non-string field(s): {', '.join(missing)}")
    try:
        received_at = datetime.fromisoformat(row["received_at"])
    except ValueError as error:
        raise BadReplyLine(f"received_at is not an ISO 8601 time: {row['received_at']!r}") from error
    return row["text"], row["channel"], received_at, row["timezone"]
