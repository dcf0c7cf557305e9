"""Sample data for previews and lint: a template's ``sample.yaml`` over sensible defaults."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from orchestrator.templating.model import AccountFacts, RenderContext

DEFAULT_SAMPLE: dict[str, Any] = {
    "debtor_id": "D-100234",
    "first_name": "Maria",
    "last_name": "Lopez",
    "accounts": [AccountFacts(id="A-200417", creditor="Acme Bank", balance=Decimal("1250.00"))],
    "amount_due": Decimal("75.00"),
    "due_date": date(2026, 3, 16),
    "promise_amount": Decimal("50.00"),
    "promise_date": date(2026, 3, 20),
    "payment_amount": Decimal("75.00"),
    "payment_date": date(2026, 3, 10),
    "first_contact": True,
    "now": datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
}


def sample_context(sample: Mapping[str, Any] | None, **overrides: Any) -> RenderContext:
    """A RenderContext from sample data (a template's sample.yaml, or a --data file) over the defaults.

    Raises pydantic's ``ValidationError`` when the data does not fit (the caller reports it).
    """
    data: dict[str, Any] = {**DEFAULT_SAMPLE, **dict(sample or {}), **overrides}
    return RenderContext.model_validate(data)
