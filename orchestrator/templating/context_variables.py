"""From a RenderContext to the variables a template sees: plain values, dicts and lists only."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

import phonenumbers

from orchestrator.templating.model import AccountFacts, RenderContext
from orchestrator.templating.required_content import RequiredContent


@lru_cache(maxsize=256)
def readable_number(number: str) -> str:
    """``+18005550100`` → ``(800) 555-0100``; numbers outside the US keep their international form."""
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return number
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


def _account(facts: AccountFacts) -> dict[str, Any]:
    return {"id": facts.id, "creditor": facts.creditor, "balance": facts.balance, "currency": facts.currency}


def template_variables(context: RenderContext, declared: frozenset[str], required: RequiredContent) -> dict[str, Any]:
    """The declared variables this message has a value for; the rest stay undefined (a clear error if used)."""
    account = context.account()
    values: dict[str, Any] = {
        "first_name": context.first_name,
        "last_name": context.last_name,
        "full_name": f"{context.first_name} {context.last_name}".strip(),
        "accounts": [_account(facts) for facts in context.accounts],
        "total_balance": sum((facts.balance for facts in context.accounts), Decimal(0)),
        "amount_due": context.amount_due,
        "due_date": context.due_date,
        "promise_amount": context.promise_amount,
        "promise_date": context.promise_date,
        "payment_amount": context.payment_amount,
        "payment_date": context.payment_date,
        "business_name": context.business_name,
        "callback_number": readable_number(context.callback_number),
        "agent_name": context.agent_name,
        "is_first_contact": context.first_contact,
        "now": context.now,
        "disclosure": required.disclosure,
        "opt_out": required.opt_out,
    }
    if account is not None:
        values.update(
            account=_account(account), creditor=account.creditor, balance=account.balance, currency=account.currency
        )
    return {name: value for name, value in values.items() if value is not None and name in declared}
