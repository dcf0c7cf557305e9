"""An e-mail reply's own words, without the message it quotes.

Mail clients put the message being answered under the reply: as ">" lines, after a header ("On Tue,
Mar 3, 2026, Acme <x@y> wrote:", "El mar, 3 mar 2026, Acme escribió:"), or after an Outlook block
("-----Original Message-----", a line of underscores, "From: … Sent: …"). That text is Parley's, not
the debtor's: its "Reply STOP to opt out" footer would read as an opt-out, its amounts and dates as
the debtor's. SMS has no quoting, so only e-mail is cut.
"""

from __future__ import annotations

import re

# Each marks where the quoted message starts; everything from the first one on is the quote.
_QUOTE_HEADERS = (
    # Gmail, Apple Mail, Outlook mobile, Yahoo: a dated "On … wrote:", which long names wrap over 3 lines.
    re.compile(
        r"^[ \t]*(?:on|el)\b(?=[^\n]*\d)[^\n]*(?:\n[^\n]*){0,2}?\b(?:wrote|escribi[oó])[ \t]*:[ \t]*$", re.I | re.M
    ),
    re.compile(
        r"^[ \t]*-{2,}[ \t]*(?:original message|mensaje original|forwarded message|mensaje reenviado)[ \t]*-{2,}"
        r"|^[ \t]*begin forwarded message:",
        re.I | re.M,
    ),
    re.compile(r"^[ \t]*_{10,}[ \t]*$", re.M),  # Outlook's separator above its From/Sent block
    # Outlook's block without the separator: "From: …" with "Sent:" (or Date, Enviado, Fecha) under it.
    re.compile(
        r"^[ \t]*\*?(?:from|de)\*?:[^\n]*\n(?:[^\n]*\n){0,2}?[ \t]*\*?(?:sent|date|enviado(?: el)?|fecha)\*?:",
        re.I | re.M,
    ),
)
# A reply longer than Parley keeps is cut (orchestrator/limits.py, ``text_truncated``); the cut may fall
# inside the header of the quote under the debtor's words. These are such a header's beginnings, up to
# the cut (the text's end): "On Fri, Mar 20, 2026 at 10:00 AM Acme Coll", "-----Original Mes", "From: …".
# An "On …"/"El …" line counts only in a header's own shape — a weekday abbreviation and a comma
# ("On Fri,", "El vie,"), a time of day, or an address — and with no one speaking in it (a header names
# a sender; "I", "we", "my", "yo" are a debtor's), so that a debtor's "On 4/1/2026 I will pay $200" or
# "On Fri, 4/3 at 10:00 I will call" near the end of a long e-mail stays theirs.
_SPEAKER = r"(?-i:\bI\b)|\b(?:we|we'll|we're|we’ll|we’re|my|our|us|yo|voy|puedo|podemos|nosotros)\b"
_HEADERS_CUT_SHORT = (
    re.compile(
        rf"^[ \t]*(?:on|el)[ \t]+(?![^\n]*(?:{_SPEAKER}))"
        r"(?:(?:mon|tue|wed|thu|fri|sat|sun|lun|mar|mi[eé]|jue|vie|s[aá]b|dom)\.?,|(?=[^\n]*(?:\b\d{1,2}:\d\d|[<@])))"
        r"[^\n]*(?:\n[^\n]*){0,2}\Z",
        re.I | re.M,
    ),
    re.compile(r"^[ \t]*(?:-{2,}|_{5,})[^\n]*\Z", re.M),  # a separator line, cut short
    re.compile(r"^[ \t]*\*?(?:from|de)\*?:[^\n]*(?:\n[^\n]*){0,2}\Z", re.I | re.M),
)
_QUOTED_LINE = re.compile(r"^[ \t]*>[^\n]*(?:\n|$)", re.M)


def own_words(text: str, channel: str, *, cut: bool = False) -> str:
    """What the debtor wrote on ``channel``: an e-mail without the message it quotes, anything else whole.
    ``cut``: the text is the start of a longer reply (``text_truncated``)."""
    return without_quoted_text(text, cut=cut) if channel == "email" else text


def without_quoted_text(text: str, *, cut: bool = False) -> str:
    """The debtor's own words: ">" lines dropped and the text cut at the first quote header.

    A reply written under the quote (bottom-posting) is what remains once the ">" lines and the headers
    are gone; when nothing at all remains, the text is kept whole rather than read as empty. ``cut``: the
    text was cut short, so a header's beginning at its very end starts the quote too (an "On …" header
    line or a "From:" line among its last three lines, a separator as its last line): its date and time
    are not the debtor's.
    """
    text_lf = text.replace("\r\n", "\n").replace("\r", "\n")
    patterns = (*_QUOTE_HEADERS, *_HEADERS_CUT_SHORT) if cut else _QUOTE_HEADERS
    headers = sorted(match.span() for pattern in patterns for match in pattern.finditer(text_lf))
    own = _unquoted(text_lf[: headers[0][0]] if headers else text_lf)
    if not own and headers:
        own = _unquoted(_without_spans(text_lf, headers))
    return own or text


def _unquoted(text: str) -> str:
    return _QUOTED_LINE.sub("", text).strip()


def _without_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` without the (sorted, possibly overlapping) ``spans``."""
    kept, position = [], 0
    for start, end in spans:
        kept.append(text[position:start] if start > position else "")
        position = max(position, end)
    return "".join(kept) + text[position:]
