"""SMS segment counting follows GSM-7 (160/153, extension characters double) and UCS-2 (70/67)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.templating.segments import count_segments, fold_to_gsm7


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("{" * 81, "GSM-7", 162, 2),
        ("á" * 70, "UCS-2", 70, 1),
        ("á" * 71, "UCS-2", 71, 2),
        ("á" * 134, "UCS-2", 134, 2),
        ("á" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),
    ],
)
def test_segments_follow_the_carrier_limits(text: str, encoding: str, units: int, segments: int) -> None:
    counted = count_segments(text)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)


def test_an_escape_pair_never_straddles_two_segments() -> None:
    assert count_segments("a" * 152 + "€" + "a" * 10).segments == 2  # 152 + 2 > 153: € starts segment 2
    assert count_segments("a" * 152 + "€" + "a" * 152).segments == 3  # 306 units, yet 3 segments


def test_spanish_accents_fold_to_gsm7_only_when_the_whole_text_can() -> None:
    assert fold_to_gsm7("Información: ¿Pagó? Señor") == "Informacion: ¿Pago? Señor"
    assert fold_to_gsm7("Información 😀") == "Información 😀"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_segments_always_hold_the_text(text: str) -> None:
    counted = count_segments(text)
    per_segment = {"GSM-7": 153, "UCS-2": 67}[counted.encoding]
    single = {"GSM-7": 160, "UCS-2": 70}[counted.encoding]
    assert counted.units >= len(text) or counted.encoding == "UCS-2"
    if counted.units <= single:
        assert counted.segments == (1 if text else 0)
    else:
        assert counted.segments * per_segment >= counted.units
