"""SMS length in segments, as carriers count it (3GPP TS 23.038).

A body made only of GSM-7 characters travels 7-bit: 160 characters in one segment, 153 per segment
when concatenated; the extension characters (``^{}\\[~]|€`` and form feed) take two. Anything else
forces UCS-2: 70 UTF-16 units in one segment, 67 per segment; a surrogate pair is never split.
"""

from __future__ import annotations

import unicodedata

from orchestrator.templating.model import SmsSegments

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

_SINGLE = {"GSM-7": 160, "UCS-2": 70}
_MULTI = {"GSM-7": 153, "UCS-2": 67}

# Characters outside GSM-7 that read the same without their accent (Spanish mostly), and typographic
# punctuation editors paste from word processors.
_FOLD = str.maketrans(
    {
        "á": "a", "í": "i", "ó": "o", "ú": "u", "Á": "A", "Í": "I", "Ó": "O", "Ú": "U",
        "â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ç": "Ç", "È": "E", "Ì": "I", "Ò": "O",
        "‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " ",
    }
)  # fmt: skip


GSM7 = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    """True when every character of ``text`` has a GSM-7 encoding."""
    return GSM7.issuperset(text)


def fold_to_gsm7(text: str) -> str:
    """``text`` with accents GSM-7 lacks dropped, when that makes the whole text GSM-7; else unchanged."""
    folded = unicodedata.normalize("NFC", text).translate(_FOLD)
    return folded if is_gsm7(folded) else text


def count_segments(text: str) -> SmsSegments:
    """Encoding, length in encoding units, and number of segments of an SMS body."""
    if is_gsm7(text):
        widths = [2 if char in GSM7_EXTENSION else 1 for char in text]
        return _pack("GSM-7", widths)
    widths = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return _pack("UCS-2", widths)


def _pack(encoding: str, widths: list[int]) -> SmsSegments:
    units = sum(widths)
    if units <= _SINGLE[encoding]:
        return SmsSegments(encoding=encoding, units=units, segments=1 if units else 0)  # type: ignore[arg-type]
    capacity = _MULTI[encoding]
    segments, used = 1, 0
    for width in widths:  # an escape pair or surrogate pair never straddles two segments
        if used + width > capacity:
            segments, used = segments + 1, 0
        used += width
    return SmsSegments(encoding=encoding, units=units, segments=segments)  # type: ignore[arg-type]
