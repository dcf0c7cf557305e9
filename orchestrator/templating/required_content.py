"""What every message must carry, and what some must never say (COMPLIANCE.md policy item 9).

- SMS and email about a debt carry the debt-collector disclosure (§1006.18(e): the full one on the
  first contact about an account, the short one after) and an opt-out instruction (§1006.6(e)), in the
  message's language. The renderer places them as a footer unless the template places them itself.
- The live call script carries the disclosure for the agent to say.
- A voicemail is a limited-content message (§1006.2(j)): business name, a request to call back, a
  person's name, a callback number; optionally a salutation, date and time, "any representative".
- A HELP reply (edge case 29) and an opt-out confirmation (§1006.14(h)) convey nothing about a debt, so
  they are not communications and carry no disclosure: they must stay free of debt content. The HELP
  reply states how to opt out; a confirmation of an opt-out does not ask for another one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchestrator.templating.model import Purpose, TemplateChannel

# Bump when the wording below changes: it is part of every template version hash.
REQUIRED_CONTENT_VERSION = "1"

FULL_DISCLOSURE = {
    "en": "We are a debt collector. This is an attempt to collect a debt, and any information we get will be "
    "used for that purpose.",
    "es": "Somos un cobrador de deudas. Intentamos cobrar una deuda y todo dato que obtengamos se usa con ese fin.",
}
SHORT_DISCLOSURE = {
    "en": "This message is from a debt collector.",
    "es": "Este mensaje es de un cobrador de deudas.",
}
OPT_OUT = {
    "sms": {"en": "Reply STOP to opt out.", "es": "Responda STOP para no recibir mensajes."},
    "email": {
        "en": "To stop emails to this address, reply UNSUBSCRIBE or use the unsubscribe link.",
        "es": "Para no recibir correos en esta dirección, responda UNSUBSCRIBE o use el enlace para darse de baja.",
    },
}
# Words that mark a text as being about a debt; content-limited messages must not contain them.
_DEBT_WORDS = {
    "en": r"debts?|balances?|owed?|owing|amounts?|payments?|pay|paid|collect\w*|creditors?|accounts?|overdue|"
    r"past[- ]due|loans?|receivables?|recover\w*|owns?|arrears|delinquen\w*",
    "es": r"deudas?|saldos?|debe\w*|montos?|importes?|pagos?|pagar\w*|cobr\w*|acreedor\w*|cuentas?|"
    r"vencid\w*|atrasad\w*|préstamos?|prestamos?|recuper\w*|morosi\w*",
}
_FORBIDDEN = re.compile(
    r"\b(?:" + "|".join(_DEBT_WORDS.values()) + r")\b|[$€£]|\d[\d,.]*\s*(?:USD|MXN|EUR)|https?://|www\.",
    re.IGNORECASE,
)
CONTENT_LIMITED_PURPOSES: frozenset[Purpose] = frozenset({"help_reply", "opt_out_confirmation", "voicemail"})
# Variables a content-limited message may use: none of them says anything about a debt.
CONTENT_LIMITED_VARIABLES = frozenset({"business_name", "callback_number", "agent_name", "now", "opt_out"})


@dataclass(frozen=True, slots=True)
class RequiredContent:
    """The disclosure and opt-out a message must carry (None: not required for this message)."""

    disclosure: str | None
    opt_out: str | None
    content_limited: bool


def language_of(locale: str) -> str:
    """``es-MX`` → ``es``; unknown languages fall back to English wording."""
    language = locale.split("-")[0].lower()
    return language if language in SHORT_DISCLOSURE else "en"


def required_content(
    purpose: Purpose,
    channel: TemplateChannel,
    locale: str,
    *,
    first_contact: bool,
    opt_out_text: str | None = None,
) -> RequiredContent:
    """What a message of this purpose, channel and language must carry."""
    language = language_of(locale)
    limited = channel == "voicemail" or purpose in CONTENT_LIMITED_PURPOSES
    disclosure = None
    if not limited and channel in ("sms", "email", "voice"):
        disclosure = (FULL_DISCLOSURE if first_contact else SHORT_DISCLOSURE)[language]
    opt_out = None
    if channel in ("sms", "email") and purpose != "opt_out_confirmation":
        opt_out = opt_out_text or OPT_OUT[channel][language]
    return RequiredContent(disclosure=disclosure, opt_out=opt_out, content_limited=limited)


def forbidden_mentions(text: str) -> list[str]:
    """The words in ``text`` that a content-limited message must not contain (debt, amounts, links…)."""
    return sorted({match.group(0).strip() for match in _FORBIDDEN.finditer(text)})


def business_name_problem(business_name: str) -> str | None:
    """Why a business name may not appear in a voicemail (it suggests debt collection), or None."""
    found = forbidden_mentions(business_name)
    return f"business name {business_name!r} suggests debt collection ({', '.join(found)})" if found else None
