"""The sample render context the template tests share."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from orchestrator.templating import AccountFacts, RenderContext


@pytest.fixture
def context() -> RenderContext:
    return RenderContext(
        debtor_id="D-1",
        first_name="Ana",
        last_name="Ruiz",
        accounts=(AccountFacts(id="A-1", creditor="Acme Bank", balance=Decimal("1250.00")),),
        amount_due=Decimal("75.5"),
        due_date=date(2026, 3, 16),
        first_contact=False,
        now=datetime(2026, 3, 2, 15, 0, tzinfo=UTC),
    )
