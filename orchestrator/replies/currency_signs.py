"""Which currencies a bare sign can mean, from CLDR (through Babel).

"$50" is the US dollar's sign, and also the Canadian, Australian… dollar's and the Mexican, Argentine,
Colombian… peso's: each is written with a bare "$" in an official language of a country whose tender
it is ("$" in es_MX, en_CA). A symbol with letters ("R$", "HK$", "RD$") is not a bare "$".
"""

from __future__ import annotations

from functools import cache

from babel.core import Locale, UnknownLocaleError, get_global
from babel.numbers import get_currency_symbol


@cache
def written_with(sign: str, currency: str) -> bool:
    """True when ``currency`` is written as ``sign`` alone where it is tender: ("$", "MXN"), ("$", "CAD"),
    ("$", "USD"); not ("$", "BRL") (R$) nor ("$", "EUR"). Cached: the first look-up of a code loads a few
    locales (a few ms)."""
    territory_languages = get_global("territory_languages")
    for territory, tenders in get_global("territory_currencies").items():
        if not any(code == currency and until is None and tender for code, _, until, tender in tenders):
            continue
        for language, facts in territory_languages.get(territory, {}).items():
            if not facts.get("official_status"):
                continue
            try:
                locale = Locale.parse(f"{language}_{territory}")
            except (UnknownLocaleError, ValueError):
                continue
            if get_currency_symbol(currency, locale) == sign:
                return True
    return False
