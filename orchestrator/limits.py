"""How long and how many: every bound of the inbound contract, in one place.

Parley repeats what an event carries. Every delivery event names the debtor, the accounts and the event
that caused it; ``reply.received`` repeats the reply and its sender; the debtor's record in Redis keeps
the profile. The worker's Kafka producer sends at most 1,000,000 bytes in one request: an output over
that is refused, its batch is retried for ever and the stream stops (as an oversized dead letter did,
see orchestrator/codec.py). So every string and list is bounded where it enters. A value over its bound
makes the event a dead letter that says which field, how long it was and what the bound is
(``events.py``, ``codec.py``). The one exception is a reply's text, which is cut and never refused (see
:data:`REPLY_TEXT_LENGTH`).

The bounds are far above anything real systems send, so no genuine event meets them. With every value at
its bound, the largest output is a few tens of kilobytes, and the debtor's record stays far below the
producer's limit too: tests/integration/service/test_largest_events.py measures it. Lengths are in
characters (JSON Schema's ``maxLength``). A profile read back from Parley's own store is exempt
(``events.STORED_PROFILE``): it was accepted before these bounds existed, perhaps, and must stay readable.
"""

from __future__ import annotations

# --- strings --------------------------------------------------------------------------------

ID_LENGTH = 128
"""An id: debtor, account, ``subject``, and the event's ``id``. A UUID has 36 characters, a ULID 26, an
account number rarely more than 30, a URN-style or composite key (``urn:acme:loan:2024:…``) seldom 80."""

ID_BYTES = 255
"""UTF-8 bytes of a debtor or account id. A payment link carries both ids, each in at most 255 bytes
(orchestrator/templating/payment_links.py), so an id it could not carry is refused on intake rather
than failing every send about the debt. Only a long id in another script could reach it (128 accented
Latin letters, 86 ideographs)."""

SOURCE_LENGTH = 512
"""The event's ``source`` (a URI-reference naming the producer, e.g. ``urn:acme:servicing:prod`` or a
service URL). It is hashed into every derived id, so it costs nothing downstream."""

TEXT_LENGTH = 200
"""A name (first, last), a creditor, an address field. The systems that feed collections keep a name part
or an address line in 50 to 100 characters; a creditor's legal name rarely passes 80."""

NOTE_LENGTH = 1_000
"""A free-text note from an upstream system, such as why an account was closed."""

DESTINATION_LENGTH = 254
"""An e-mail address or a phone number as written: 254 is the longest address SMTP can carry
(RFC 5321 §4.5.3.1.3, less the angle brackets; RFC 3696 errata 1690). A phone number becomes E.164 (at
most 16 characters) on intake."""

ZONE_NAME_LENGTH = 64
"""A stated IANA time zone (the longest name in the tz database, ``America/Argentina/ComodRivadavia``,
has 32 characters); it must be a known zone besides."""

PROVIDER_VALUE_LENGTH = 256
"""A value a provider reports: a message id, status, error code, answering-machine result, or Parley's
own send id echoed back. Twilio SIDs have 34 characters, SendGrid message ids about 22, e-mail
Message-IDs rarely 100; Parley's webhooks cut a longer value (a Message-ID is hashed instead)."""

URL_LENGTH = 8_192
"""A clicked link (``message.clicked``): what common web servers accept in a request line (Apache's
8,190, nginx's 8k buffer). Parley's own payment links are under 1,000."""

REPLY_TEXT_LENGTH = 2_000
"""Characters of a reply's text Parley keeps and publishes. Twilio delivers at most 1,600 characters of
SMS, so a text message is never cut; an e-mail reply can be any length (it usually quotes the message it
answers below it), and is cut to its first 2,000 characters with ``text_truncated`` set, never refused:
losing a debtor's STOP to the length of their e-mail would be worse than losing the quoted tail. The
debtor's own words come first, and the classifier reads them there (a quote header the cut left
unfinished at the end still starts the quote: ``replies.quoting``)."""

# --- lists ----------------------------------------------------------------------------------

MAX_PHONES = 10
MAX_EMAILS = 10
MAX_OPT_OUTS = 50
MAX_INCONVENIENT_TIMES = 50
MAX_ACCOUNT_IDS = 100
"""Accounts a ``conversation.logged`` names."""
MAX_ACCOUNTS_PER_DEBTOR = 100
"""Accounts one debtor may have (open or not): every output about the debtor lists their open accounts,
and their record holds all of them. A placement beyond it is a dead letter."""
MAX_CHANNELS = 3
"""Entries of ``preferences.channels`` and ``blocked_channels``: there are three channels."""
MAX_DAYS = 7
"""Days of an inconvenient time: there are seven."""

__all__ = [
    "DESTINATION_LENGTH",
    "ID_BYTES",
    "ID_LENGTH",
    "MAX_ACCOUNTS_PER_DEBTOR",
    "MAX_ACCOUNT_IDS",
    "MAX_CHANNELS",
    "MAX_DAYS",
    "MAX_EMAILS",
    "MAX_INCONVENIENT_TIMES",
    "MAX_OPT_OUTS",
    "MAX_PHONES",
    "NOTE_LENGTH",
    "PROVIDER_VALUE_LENGTH",
    "REPLY_TEXT_LENGTH",
    "SOURCE_LENGTH",
    "TEXT_LENGTH",
    "URL_LENGTH",
    "ZONE_NAME_LENGTH",
]
