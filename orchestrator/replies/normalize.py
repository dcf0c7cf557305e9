"""Turn a raw SMS or email reply into forms the cue patterns and entity extractors can match.

Debtors write with emoji, shouting, accents (or without them), texting abbreviations and typos.
Matching all of that in every pattern would be unreadable, so the text is normalized once:

* ``words``: lower case, accents folded, apostrophes dropped ("don't" -> "dont"), everything that is
  not a letter or digit turned into a space, abbreviations and common typos expanded. Cue patterns
  are written against this form.
* ``entity_text``: lower case and accent-folded but with digits, punctuation and the currency signs
  ``$ € £`` kept, for amounts and dates ("$1,250.00", "€50", "4/1").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Texting shorthand and typos seen in replies, mapped to the word the cue patterns expect.
ABBREVIATIONS: dict[str, str] = {
    "u": "you",
    "ur": "your",
    "pls": "please",
    "plz": "please",
    "plis": "please",
    "pleas": "please",
    "txt": "text",
    "txts": "texts",
    "txting": "texting",
    "tx": "text",
    "msg": "message",
    "msgs": "messages",
    "msging": "messaging",
    "mssg": "message",
    "tmrw": "tomorrow",
    "tmw": "tomorrow",
    "tmr": "tomorrow",
    "tmrow": "tomorrow",
    "tmrrw": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "tomoro": "tomorrow",
    "tomorow": "tomorrow",
    "tommorow": "tomorrow",
    "tommorrow": "tomorrow",
    "wk": "week",
    "wks": "weeks",
    "pmt": "payment",
    "pymt": "payment",
    "pmts": "payments",
    "rn": "right now",
    "b4": "before",
    "stoo": "stop",
    "sotp": "stop",
    "stpo": "stop",
    "stopp": "stop",
    "unsubscibe": "unsubscribe",
    "unsuscribe": "unsubscribe",
    "unsubcribe": "unsubscribe",
    "ill": "ill",
    "im": "im",
    "thx": "thanks",
    "ty": "thanks",
    "xfa": "por favor",
    "porfa": "por favor",
    "porfavor": "por favor",
    "q": "que",
    "xq": "porque",
    "pq": "porque",
    "atty": "attorney",
    "lawer": "lawyer",
    "layer": "lawyer",
}

_APOSTROPHES = re.compile(r"['’‘`´]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_HASH = re.compile(r"#")
_ENTITY_NOISE = re.compile(r"[^a-z0-9$€£.,/:#\- ]+")
_SPACES = re.compile(r"\s+")
_CLAUSE_BREAK = re.compile(r"[.!?;,\n]+")


@dataclass(frozen=True, slots=True)
class NormalizedReply:
    """The forms of one reply; see the module docstring."""

    original: str
    words: str
    entity_text: str

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(self.words.split())

    @property
    def clauses(self) -> tuple[tuple[str, ...], ...]:
        """The words of each sentence or clause, so "…these texts. Stop." keeps "Stop" apart."""
        parts = _CLAUSE_BREAK.split(self.original)
        return tuple(tokens for part in parts if (tokens := normalize_reply(part).tokens))


def fold_accents(text: str) -> str:
    """'mañana' -> 'manana', 'dólares' -> 'dolares'; emoji and other symbols are left for later."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def normalize_reply(text: str) -> NormalizedReply:
    folded = fold_accents(text).lower()
    without_apostrophes = _APOSTROPHES.sub("", folded)
    spaced = _NON_WORD.sub(" ", _HASH.sub(" number ", without_apostrophes))
    words = " ".join(ABBREVIATIONS.get(token, token) for token in spaced.split())
    entity_words = _SPACES.sub(" ", _ENTITY_NOISE.sub(" ", without_apostrophes)).strip()
    entity_text = " ".join(_expand_entity_token(token) for token in entity_words.split(" "))
    return NormalizedReply(original=text, words=words, entity_text=entity_text)


def _expand_entity_token(token: str) -> str:
    """Expand an abbreviation even when punctuation clings to it ("tmrw," -> "tomorrow,")."""
    core = token.strip(".,:")
    expanded = ABBREVIATIONS.get(core)
    return token.replace(core, expanded) if expanded and core else token
