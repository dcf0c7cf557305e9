"""Payment-link tokens: a portal verifies them, and every way a token can be wrong has its own error."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.templating import (
    BadSignature,
    ExpiredToken,
    MalformedToken,
    PaymentLinks,
    issue_payment_token,
    verify_payment_token,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
SECRET = b"portal-secret"


def test_a_genuine_token_verifies_to_its_debtor_account_and_expiry() -> None:
    token = issue_payment_token(SECRET, "D-100234", "A-200417", NOW + timedelta(days=30))
    verified = verify_payment_token(token, SECRET, NOW)
    assert (verified.debtor_id, verified.account_id) == ("D-100234", "A-200417")
    assert verified.expires_at == NOW + timedelta(days=30)
    assert len(token) < 50 and token.replace("-", "").replace("_", "").isalnum()


def test_an_expired_token_says_when_it_expired() -> None:
    token = issue_payment_token(SECRET, "D-1", "A-1", NOW)
    with pytest.raises(ExpiredToken) as caught:
        verify_payment_token(token, SECRET, NOW)
    assert caught.value.expires_at == NOW


def test_another_secret_or_an_altered_token_is_a_bad_signature() -> None:
    token = issue_payment_token(SECRET, "D-1", "A-1", NOW + timedelta(days=1))
    with pytest.raises(BadSignature):
        verify_payment_token(token, b"other-secret", NOW)
    altered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    with pytest.raises(BadSignature):
        verify_payment_token(altered, SECRET, NOW)


@pytest.mark.parametrize("token", ["", "not a token!", "AAAA", "A" * 2000, "AWnLDoAI.RC0w"])
def test_garbage_is_malformed(token: str) -> None:
    with pytest.raises(MalformedToken):
        verify_payment_token(token, SECRET, NOW)


def test_the_link_is_the_portal_url_followed_by_a_token_valid_for_the_ttl() -> None:
    links = PaymentLinks(secret=SECRET, base_url="https://pay.example.com/p/", ttl=timedelta(days=7))
    link = links.link("D-1", "A-1", NOW)
    verified = verify_payment_token(link.removeprefix("https://pay.example.com/p/"), SECRET, NOW)
    assert verified.expires_at == NOW + timedelta(days=7)


ids = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(debtor=ids, account=ids)
def test_any_ids_round_trip(debtor: str, account: str) -> None:
    token = issue_payment_token(SECRET, debtor, account, NOW + timedelta(seconds=1))
    verified = verify_payment_token(token, SECRET, NOW)
    assert (verified.debtor_id, verified.account_id) == (debtor, account)
