"""The amount a debtor mentions: "$50", "50 dollars", "50 dólares", "€50", "50 euros", "£20", "1,250", "75.50".

A number counts as money only when something says so: a currency sign (``$ € £`` before it, ``€ £``
after it), a currency word after it, or a paying verb right before it ("I can pay 75.50", "le pago
80"). That keeps dates ("4/1", "the 15th"), times ("after 5", "3pm"), phone, account and
confirmation numbers out. "pounds" and "libras" are weights as often as money ("I lost 20 pounds"),
so they make a number money only after a paying verb or in a payment phrase ("I can pay 30 pounds",
"a payment of 30 pounds"); ``£`` and "gbp" always do.

The sign or word also says which currency the debtor means (``AmountMatch.currency``), so an amount
is never read in another currency than the one named. A dollar word ("dollars", "usd", "US$") is USD;
a bare ``$`` reads as USD too, but many currencies write it (the Canadian dollar, the Mexican peso…),
so it is flagged (``AmountMatch.sign``) for the caller to read in the account's currency when that
is one of them. "pesos" (said of dollars too) and a bare number name none, and are read in the
account's currency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?"
_PHONE = re.compile(r"\+?1?[ (.-]*\d{3}[ ).-]*\d{3}[ .-]\d{4}\b")
_REFERENCE = re.compile(r"(#|\bno\.?|\bnumber|\bconfirmation|\bcase|\bacct|\baccount|\bref)\s*:?\s*[\d-]+")
# Money words that are never anything else; "pounds"/"libras" (weights too) count only where payment is said.
_MONEY_WORDS = r"dollars?|dolares|dolar|dlls?|dls|dlrs|bucks|usd|pesos|euros?|eur|gbp"
_POUND_WORDS = r"pounds?|libras?"
# A currency word after a sign says more than the sign: "$50 usd" is plainly USD.
_CURRENCY_SIGN = re.compile(
    rf"(?P<marker>(?<![a-z])us\$|[$€£])\s?{_NUMBER}(?![\d/])(?:\s?(?P<word>{_MONEY_WORDS}|{_POUND_WORDS})\b)?"
)
_CURRENCY_SIGN_AFTER = re.compile(rf"(?<![\d/.,$€£]){_NUMBER}\s?(?P<marker>[€£])")
_CURRENCY_WORD = re.compile(rf"(?<![\d/.,$€£]){_NUMBER}\s?(?P<marker>{_MONEY_WORDS})\b")
# The currency each marker names; a marker missing here ("pesos") makes a number money but names none.
_DOLLAR_MARKERS = ("$", "us$", "dollar", "dollars", "dolar", "dolares", "dll", "dlls", "dls", "dlrs", "bucks", "usd")
CURRENCY_OF_MARKER: dict[str, str] = {
    **dict.fromkeys(_DOLLAR_MARKERS, "USD"),
    **dict.fromkeys(("€", "euro", "euros", "eur"), "EUR"),
    **dict.fromkeys(("£", "pound", "pounds", "libra", "libras", "gbp"), "GBP"),
}
_SIZED_PAYMENT = re.compile(
    rf"\b(?:make|making|made|send|sending)\s+(?:a|an|one)\s+{_NUMBER}\s+(?:(?P<marker>dollar|pound)\s+)?payment"
)
_PAYMENT_OF_NUMBER = re.compile(
    rf"\b(?:payment|pago|abono)\s+(?:of|de)\s+{_NUMBER}(?![\d/:])(?:\s?(?P<marker>{_POUND_WORDS})\b)?"
)
_PAY_VERB_NUMBER = re.compile(
    r"\b(pay|send|sent|paid|do|give|deposit|deposited|mail|offer|pago|pagar|pagare|dar|abonar|abono|mando"
    r"|mandar|deposito|deposite|envio|enviar)\s+(?:you\s+|like\s+|about\s+|le\s+|los\s+|only\s+)?"
    rf"{_NUMBER}(?![\d/:]|\s?%|\s?(?:st|nd|rd|th|am|pm|days?|weeks?|months?|de|o clock|y medio)\b)"
    rf"(?:\s?(?P<marker>{_POUND_WORDS})\b)?"
)
# Tried in this order; the first match of the first pattern that has one is the amount.
_PATTERNS = (_CURRENCY_SIGN, _CURRENCY_SIGN_AFTER, _CURRENCY_WORD, _SIZED_PAYMENT, _PAYMENT_OF_NUMBER, _PAY_VERB_NUMBER)
# The one sign several currencies write alone: read as USD unless the account is in another of them.
SHARED_SIGNS = frozenset({"$"})


@dataclass(frozen=True, slots=True)
class AmountMatch:
    amount: Decimal
    text: str
    currency: str | None = None  # ISO 4217 code its sign or word names; None when it names none
    sign: str | None = None  # "$" when a bare dollar sign named ``currency``: other currencies write it too


def extract_amount(entity_text: str) -> AmountMatch | None:
    """The first stated amount, quantized to cents; None when the reply names no money."""
    cleaned = _REFERENCE.sub(" ", _PHONE.sub(" ", entity_text))
    for pattern in _PATTERNS:
        for match in pattern.finditer(cleaned):
            integer_part, fraction = _number_groups(match)
            amount = _to_decimal(integer_part, fraction)
            if amount is not None and amount > 0:
                named = match.groupdict()
                word = named.get("word")  # after a sign: it says more, unless it names no currency ("pesos")
                marker = word if word in CURRENCY_OF_MARKER else named.get("marker")
                currency = CURRENCY_OF_MARKER.get(marker) if marker else None
                sign = marker if marker in SHARED_SIGNS else None
                return AmountMatch(amount=amount, text=match.group(0).strip(), currency=currency, sign=sign)
    return None


def _to_decimal(integer_part: str, fraction: str | None) -> Decimal | None:
    try:
        value = Decimal(integer_part.replace(",", "") + (fraction or ""))
    except InvalidOperation:
        return None
    return value.quantize(Decimal("0.01"))


def _number_groups(match: re.Match[str]) -> tuple[str, str | None]:
    """The integer and fraction groups of whichever alternative matched (the first pair that is set)."""
    groups = match.groups()
    for index, group in enumerate(groups):
        if group is not None and group[:1].isdigit():
            fraction = groups[index + 1] if index + 1 < len(groups) else None
            return group, fraction
    raise ValueError(f"no number in {match.group(0)!r}")
