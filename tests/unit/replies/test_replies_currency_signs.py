"""Which currencies a bare "$" can mean: those their own countries write with it (CLDR, through Babel)."""

import pytest

from orchestrator.replies.currency_signs import written_with


@pytest.mark.parametrize("currency", ["USD", "CAD", "AUD", "NZD", "MXN", "ARS", "CLP", "COP", "UYU", "SGD"])
def test_dollars_and_pesos_written_with_a_bare_dollar_sign_at_home_are_dollar_sign_currencies(currency: str) -> None:
    assert written_with("$", currency)


@pytest.mark.parametrize("currency", ["EUR", "GBP", "BRL", "HKD", "JPY", "XXX", "usd", ""])
def test_currencies_written_otherwise_or_unknown_codes_are_not(currency: str) -> None:
    assert not written_with("$", currency)


def test_other_signs_are_read_the_same_way() -> None:
    assert (written_with("€", "EUR"), written_with("£", "GBP"), written_with("€", "USD")) == (True, True, False)
