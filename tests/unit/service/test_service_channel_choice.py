"""Channel and send-time choice for ``best`` steps: stated order first, then what works, reproducibly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.policy.channel_choice import HOUR_BANDS, aim_at_band, band_of, choose_channel

NEW_YORK = ZoneInfo("America/New_York")


def test_the_debtors_stated_channel_order_comes_first() -> None:
    choice = choose_channel("snd_1", ["sms", "email", "voice"], ("email", "sms"), {})
    assert choice is not None and choice.channel == "email"
    assert choice.reason == "stated preference"


def test_a_stated_channel_that_is_not_eligible_is_passed_over() -> None:
    choice = choose_channel("snd_1", ["sms", "voice"], ("email", "voice"), {})
    assert choice is not None and choice.channel == "voice"


def test_no_eligible_channel_means_no_choice() -> None:
    assert choose_channel("snd_1", [], ("sms",), {}) is None


def test_the_same_send_id_always_gets_the_same_choice() -> None:
    history = {("sms", "evening"): (3, 5)}
    choices = {choose_channel("snd_42", ["sms", "email", "voice"], (), history) for _ in range(20)}
    assert len(choices) == 1


def test_a_debtor_who_answers_texts_in_the_evening_mostly_gets_evening_texts() -> None:
    history = {("sms", "evening"): (9, 10), **{(c, b.name): (0, 10) for c in ("email", "voice") for b in HOUR_BANDS}}
    picks = [choose_channel(f"snd_{i}", ["sms", "email", "voice"], (), history) for i in range(200)]
    evening_texts = sum(1 for p in picks if p is not None and (p.channel, p.band) == ("sms", "evening"))
    assert evening_texts > 150


@settings(max_examples=200, deadline=None)
@given(
    minute=st.integers(min_value=0, max_value=60 * 24 * 14),
    band=st.sampled_from([b.name for b in HOUR_BANDS]),
)
def test_aiming_at_a_band_lands_inside_it_and_never_earlier(minute: int, band: str) -> None:
    earliest = datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=minute)
    aimed = aim_at_band(earliest, band, NEW_YORK)
    assert aimed >= earliest
    assert band_of(aimed.astimezone(NEW_YORK)) == band
