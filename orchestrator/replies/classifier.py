"""``classify()``: one reply in, intent + confidence + amount + date + the cues that decided it.

How a reply is decided:

0. An e-mail reply is read without the message it quotes (``quoting``): its footer's "Reply STOP",
   amounts and dates are not the debtor's.
1. A reply that is only a carrier keyword (STOP, START, HELP, ALTO, AYUDA…, with punctuation,
   emoji, repetition or "please" around it) is that keyword's intent, confidence 0.99.
2. Otherwise every cue pattern in ``intent_cues`` is tried against the normalized words; each
   intent scores the weight of its strongest cue. A bare imperative "stop" adds a weak opt-out cue.
3. The highest score wins; ties go to the intent earlier in ``PRECEDENCE`` (legal holds, cease,
   opt-out, …). No cue at all is ``other``.
4. Amount (with the currency its sign or word names), date and time of day are extracted independently
   of the intent; dates resolve against the day the reply arrived in the debtor's zone, looking back
   instead of forward for past-tense intents.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orchestrator.replies.amounts import extract_amount
from orchestrator.replies.carrier_keywords import match_carrier_keyword
from orchestrator.replies.dates import extract_date
from orchestrator.replies.intent_cues import CUES, Cue, bare_stop_cue
from orchestrator.replies.model import PRECEDENCE, Intent, ReplyClassification
from orchestrator.replies.normalize import NormalizedReply, normalize_reply
from orchestrator.replies.quoting import own_words
from orchestrator.replies.times import extract_time

KEYWORD_CONFIDENCE = 0.99
NO_CUE_CONFIDENCE = 0.5
# A runner-up within this distance of the winner makes the call less certain.
_CONTEST_PENALTY = 0.25
PAST_TENSE_INTENTS = frozenset({Intent.ALREADY_PAID, Intent.DECEASED, Intent.BANKRUPTCY})
_PRECEDENCE_RANK = {intent: rank for rank, intent in enumerate(PRECEDENCE)}


class UnknownTimezone(ValueError):
    """Raised when the reply's timezone is not an IANA zone name."""


def classify(
    text: str, channel: str, received_at: datetime, timezone: str, *, cut: bool = False
) -> ReplyClassification:
    """Classify one SMS or email reply. ``received_at`` without tzinfo is taken as UTC.

    SMS and email use the same cues; an email (``channel == "email"``) is first cut to the debtor's own
    words, without the quoted message it answers (``cut``: ``text`` is the start of a longer reply).
    """
    today = local_date(received_at, timezone)
    reply = normalize_reply(own_words(text, channel, cut=cut))
    intent, confidence, intent_cues = _decide_intent(reply)
    amount_match = extract_amount(reply.entity_text)
    date_match = extract_date(reply.entity_text, today, prefer_past=intent in PAST_TENSE_INTENTS)
    time_match = extract_time(reply.entity_text)
    cues = list(intent_cues)
    if amount_match is not None:
        cues.append(f"amount:{amount_match.text}")
    if date_match is not None:
        cues.append(f"date:{date_match.text}")
    if time_match is not None:
        cues.append(f"time:{time_match.text}")
    return ReplyClassification(
        intent=intent,
        confidence=confidence,
        amount=amount_match.amount if amount_match else None,
        currency=amount_match.currency if amount_match else None,
        currency_sign=amount_match.sign if amount_match else None,
        date=date_match.value if date_match else None,
        cues=tuple(cues),
        time=time_match.value if time_match else None,
    )


def local_date(received_at: datetime, timezone: str) -> date:
    """The calendar date of ``received_at`` in the debtor's zone."""
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownTimezone(f"unknown timezone {timezone!r}") from error
    aware = received_at if received_at.tzinfo is not None else received_at.replace(tzinfo=UTC)
    return aware.astimezone(zone).date()


def _decide_intent(reply: NormalizedReply) -> tuple[Intent, float, tuple[str, ...]]:
    keyword = match_carrier_keyword(reply)
    if keyword is not None:
        return keyword.intent, KEYWORD_CONFIDENCE, (f"{keyword.intent.value}:carrier_keyword:{keyword.keyword}",)
    matched = [cue for cue in CUES if cue.pattern.search(reply.words)]
    bare_stop = bare_stop_cue(reply.clauses)
    if bare_stop is not None:
        matched.append(bare_stop)
    if not matched:
        return Intent.OTHER, NO_CUE_CONFIDENCE, ()
    scores = _strongest_cue_per_intent(matched)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], _PRECEDENCE_RANK[item[0]]))
    winner, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    confidence = round(top * (1 - _CONTEST_PENALTY * (runner_up / top)), 3)
    cue_names = tuple(f"{cue.intent.value}:{cue.name}" for cue in matched)
    return winner, confidence, cue_names


def _strongest_cue_per_intent(matched: list[Cue]) -> dict[Intent, float]:
    scores: dict[Intent, float] = {}
    for cue in matched:
        scores[cue.intent] = max(scores.get(cue.intent, 0.0), cue.weight)
    return scores
