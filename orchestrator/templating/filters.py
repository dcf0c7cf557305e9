"""The filters editors use: money and dates in the message's locale (Babel), first names, payment links."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency

from orchestrator.templating.errors import RenderError
from orchestrator.templating.sandbox import current_state


@lru_cache(maxsize=64)
def babel_locale(locale: str) -> Locale:
    """Babel's locale for a template locale (``es-MX`` → ``es_MX``), parsed once."""
    return Locale.parse(locale.replace("-", "_"))


def money(value: Any, currency: str | None = None) -> str:
    """``1234.5`` → ``$1,234.50`` (en) or ``1234,50 US$`` (es), in the account's currency by default."""
    state = current_state()
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise RenderError(f"money: {value!r} is not an amount") from error
    if not amount.is_finite():
        raise RenderError(f"money: {value!r} is not a finite amount")
    return _formatted_money(amount, currency or state.currency, state.locale)


@lru_cache(maxsize=4096)
def _formatted_money(amount: Decimal, currency: str, locale: str) -> str:
    """Babel's formatting, remembered: the same balances recur in every reminder of an account."""
    return format_currency(amount, currency, locale=babel_locale(locale))


def _as_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError as error:
            raise RenderError(f"date: {value!r} is not a date (YYYY-MM-DD)") from error
    raise RenderError(f"date: {value!r} is not a date")


def short_date(value: Any) -> str:
    """``2026-03-09`` → ``Mar 9, 2026`` (en) or ``9 mar 2026`` (es)."""
    return format_date(_as_date(value), format="medium", locale=babel_locale(current_state().locale))


def long_date(value: Any) -> str:
    """``2026-03-09`` → ``March 9, 2026`` (en) or ``9 de marzo de 2026`` (es)."""
    return format_date(_as_date(value), format="long", locale=babel_locale(current_state().locale))


def first_name(value: Any) -> str:
    """The first name of a full name (``"maria del carmen lopez"`` → ``"Maria"``), nicely capitalised."""
    if isinstance(value, Mapping):
        value = value.get("first_name") or value.get("first") or ""
    words = str(value).split()
    if not words:
        return ""
    word = words[0]
    return word if any(char.isupper() for char in word[1:]) else word[:1].upper() + word[1:].lower()


def payment_link(value: Any) -> str:
    """The signed payment link for an account (``{{ account|payment_link }}`` or an account id)."""
    state = current_state()
    if state.payment_link is None:
        raise RenderError("payment_link: payment links are not configured")
    account_id = value.get("id") if isinstance(value, Mapping) else value
    if not isinstance(account_id, str) or not account_id:
        raise RenderError(f"payment_link: {value!r} is not an account")
    return state.payment_link(account_id)


EDITOR_FILTERS = {
    "money": money,
    "date": short_date,
    "longdate": long_date,
    "first_name": first_name,
    "payment_link": payment_link,
}
