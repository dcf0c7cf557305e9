"""Every Redis key shape Parley writes, in one place (as arq's ``constants.py``).

Per-debtor keys share the hash tag ``{d:<debtor_id>}`` and per-partition keys ``{p:<n>}``, so each
Lua script touches one cluster slot only (Redis Cluster ready). The global indexes are single keys,
written with plain commands.

=============================================  ==========  ===============================================
key                                            type        holds
=============================================  ==========  ===============================================
``P:{d:ID}:state``                             string      ``<version>:<state blob>`` (one compact string)
``P:{d:ID}:evt:<event_id>``                    string      replay blob of a processed event, until its
                                                           outputs are published (TTL as a backstop)
``P:{d:ID}:send:<send_id>``                    hash        a pending send: status, partition, due_ms,
                                                           attempts, payload (deleted when it finishes)
``P:{d:ID}:pending``                           hash        send_id → due_ms, for pending sends
``P:{p:N}:due``                                zset        ``<debtor_id>|<send_id>`` scored by due ms
``P:idx:dest:<bucket>``                        hash        normalised destination → its debtor's id (NUL +
                                                           a JSON array when several share it), in 1,024
                                                           buckets by CRC-32 (small listpacks, not a
                                                           key per phone number or address)
=============================================  ==========  ===============================================

A send has a key only while it is pending: once final, what became of it is in the debtor's ledger
(the attempt: channel, destination, time, provider message id, outcome) and on the output topics, and
the debtor's record remembers its fingerprint for a while, so a send id planned again is not
scheduled twice. Provider callbacks name their debtor and send (callback URL, SendGrid
``custom_args``), so no index by provider message id is kept either.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from orchestrator.events import KEY_SEPARATOR
from orchestrator.storage import SendRef

MEMBER_SEPARATOR = KEY_SEPARATOR  # joins a debtor id and a send id in the due sets (ids are refused holding it)
DESTINATION_BUCKETS = 1024  # fixed for good: changing it would move every entry


class InvalidKeyPart(ValueError):
    """Raised when an id cannot be placed in a key (empty, or a debtor id containing ``|``)."""


def _check_debtor_id(debtor_id: str) -> None:
    if not debtor_id:
        raise InvalidKeyPart("debtor id is empty")
    if MEMBER_SEPARATOR in debtor_id:
        raise InvalidKeyPart(f"debtor id {debtor_id!r} contains {MEMBER_SEPARATOR!r}, the due-set separator")


def _check_part(kind: str, value: str) -> None:
    if not value:
        raise InvalidKeyPart(f"{kind} is empty")


# A slot key's kind follows its hash tag: ``{d:<debtor>}:state``, ``{d:<debtor>}:evt:<id>``, ``{p:<n>}:due``.
_KIND = re.compile(r"\{[dp]:.*?\}:(state|pending|due|evt|send)(?::|$)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class StoreKeys:
    """Builds the keys under one prefix (``settings.key_prefix``)."""

    prefix: str

    def __post_init__(self) -> None:
        if "{" in self.prefix or "}" in self.prefix:
            raise InvalidKeyPart(f"key prefix {self.prefix!r} must not contain braces (it would become the hash tag)")

    # --- debtor slot ---
    def debtor_tag(self, debtor_id: str) -> str:
        _check_debtor_id(debtor_id)
        return f"{self.prefix}:{{d:{debtor_id}}}"

    def state(self, debtor_id: str) -> str:
        return f"{self.debtor_tag(debtor_id)}:state"

    def event(self, debtor_id: str, event_id: str) -> str:
        _check_part("event id", event_id)
        return f"{self.debtor_tag(debtor_id)}:evt:{event_id}"

    def send(self, debtor_id: str, send_id: str) -> str:
        _check_part("send id", send_id)
        return f"{self.debtor_tag(debtor_id)}:send:{send_id}"

    def pending(self, debtor_id: str) -> str:
        return f"{self.debtor_tag(debtor_id)}:pending"

    # --- partition slot ---
    def due(self, partition: int) -> str:
        if partition < 0:
            raise InvalidKeyPart(f"partition {partition} is negative")
        return f"{self.prefix}:{{p:{partition}}}:due"

    # --- global indexes ---
    def destination(self, destination: str) -> str:
        """The bucket holding ``destination`` (its field there is the destination itself)."""
        _check_part("destination", destination)
        return f"{self.prefix}:idx:dest:{zlib.crc32(destination.encode()) % DESTINATION_BUCKETS}"

    def kind_of(self, key: str) -> str:
        """What a key under this prefix holds — ``state``, ``evt``, ``send``, ``pending``, ``due``,
        ``idx:dest`` — for memory reports; ``other`` for anything else."""
        rest = key.removeprefix(f"{self.prefix}:")
        if rest.startswith("idx:"):
            return ":".join(rest.split(":", 2)[:2])
        shaped = _KIND.match(rest)
        return shaped.group(1) if shaped else "other"


def send_member(debtor_id: str, send_id: str) -> str:
    """The due-set (and provider-index) value naming a send: ``<debtor_id>|<send_id>``."""
    _check_debtor_id(debtor_id)
    _check_part("send id", send_id)
    return f"{debtor_id}{MEMBER_SEPARATOR}{send_id}"


def parse_send_member(member: bytes | str) -> SendRef:
    """Inverse of ``send_member`` (debtor ids never contain ``|``; send ids may)."""
    text = member.decode() if isinstance(member, bytes) else member
    debtor_id, separator, send_id = text.partition(MEMBER_SEPARATOR)
    if not separator or not debtor_id or not send_id:
        raise InvalidKeyPart(f"malformed send member {text!r}")
    return SendRef(debtor_id, send_id)
