"""Carrier keywords: a reply that is nothing but STOP, START, HELP (or a Spanish equivalent).

Twilio only acts on a message that is exactly one keyword; we also accept the keyword with
punctuation, emoji, repetition and politeness around it ("STOP!!", "stop 🙏", "Stop please",
"STOP STOP", "Opt-Out", "stop all"), because the law counts any reasonable way of saying it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestrator.replies.model import Intent
from orchestrator.replies.normalize import NormalizedReply

CARRIER_KEYWORDS: dict[str, Intent] = {
    # Twilio defaults (PROVIDERS / COMPLIANCE section 2)
    "stop": Intent.OPT_OUT,
    "stopall": Intent.OPT_OUT,
    "unsubscribe": Intent.OPT_OUT,
    "cancel": Intent.OPT_OUT,
    "end": Intent.OPT_OUT,
    "quit": Intent.OPT_OUT,
    "revoke": Intent.OPT_OUT,
    "optout": Intent.OPT_OUT,
    "start": Intent.OPT_IN,
    "unstop": Intent.OPT_IN,
    "yes": Intent.OPT_IN,
    "subscribe": Intent.OPT_IN,
    "help": Intent.HELP,
    "info": Intent.HELP,
    # Spanish equivalents
    "alto": Intent.OPT_OUT,
    "parar": Intent.OPT_OUT,
    "pare": Intent.OPT_OUT,
    "paren": Intent.OPT_OUT,
    "para": Intent.OPT_OUT,
    "detener": Intent.OPT_OUT,
    "detente": Intent.OPT_OUT,
    "baja": Intent.OPT_OUT,
    "darmedebaja": Intent.OPT_OUT,
    "cancelar": Intent.OPT_OUT,
    "basta": Intent.OPT_OUT,
    "suspender": Intent.OPT_OUT,
    "comenzar": Intent.OPT_IN,
    "iniciar": Intent.OPT_IN,
    "inicio": Intent.OPT_IN,
    "alta": Intent.OPT_IN,
    "si": Intent.OPT_IN,
    "ayuda": Intent.HELP,
    "informacion": Intent.HELP,
}

# What Twilio itself acts on by default (COMPLIANCE.md section 2): it blocks or unblocks the sender and
# answers with its own message. Spanish words and phrases around a keyword are not among them.
PROVIDER_KEYWORDS: dict[str, Intent] = {
    **dict.fromkeys(("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"), Intent.OPT_OUT),
    **dict.fromkeys(("start", "yes", "unstop"), Intent.OPT_IN),
    **dict.fromkeys(("help", "info"), Intent.HELP),
}
# A channel whose limits name ``orchestrator.outbound.PROVIDER_KEYWORD_REPLIES`` answers these itself
# (Twilio's default opt-out handling): Parley sends no confirmation or HELP reply on top of the provider's.
_NOT_LETTERS = re.compile(r"[^a-z]+")

# Words that may surround a keyword without changing what it means.
FILLER_WORDS: frozenset[str] = frozenset(
    {"please", "por", "favor", "now", "thanks", "thank", "you", "gracias", "ya", "just", "ok", "okay", "me"}
)


@dataclass(frozen=True, slots=True)
class CarrierKeywordMatch:
    keyword: str
    intent: Intent


def match_carrier_keyword(reply: NormalizedReply) -> CarrierKeywordMatch | None:
    """The keyword when the whole reply is one (give or take filler), else None."""
    meaningful = [token for token in reply.tokens if token not in FILLER_WORDS]
    if not meaningful:
        return None
    joined = "".join(meaningful)
    if joined in CARRIER_KEYWORDS:  # "stop all" -> stopall, "opt out" -> optout
        return CarrierKeywordMatch(joined, CARRIER_KEYWORDS[joined])
    distinct = set(meaningful)
    if len(distinct) == 1:  # "STOP STOP STOP"
        (only,) = distinct
        if only in CARRIER_KEYWORDS:
            return CarrierKeywordMatch(only, CARRIER_KEYWORDS[only])
    return None


def provider_keyword(text: str) -> Intent | None:
    """The intent of ``text`` when the provider's own keyword handling may have acted on it, else None.

    Twilio matches a message that is exactly one keyword, ignoring case and surrounding spaces. Whether
    trailing punctuation or an emoji ("STOP.", "stop 🙏") still matches is not documented, so those
    count as matched too: a confirmation Parley leaves out is allowed, a second one is not.
    """
    return PROVIDER_KEYWORDS.get(_NOT_LETTERS.sub("", text.lower()))
