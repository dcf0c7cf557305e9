"""The form of a number or address in the destination index, which finds the debtor a reply is from:
E.164 as given for phones, the bare address in lower case for email."""

from __future__ import annotations

from orchestrator.domain import DebtorState
from orchestrator.events import Channel


def normalise_destination(channel: Channel, raw: str) -> str:
    """The form the destination index uses: E.164 as given for phones, lower-case for email."""
    if channel == "email":
        address = raw.strip()
        if "<" in address and address.endswith(">"):
            address = address[address.rindex("<") + 1 : -1]
        return address.lower()
    return raw.strip()


def destinations_of(state: DebtorState | None) -> set[str]:
    """The debtor's normalised numbers and addresses, indexed so inbound replies find their debtor."""
    if state is None:
        return set()
    phones = {normalise_destination("sms", phone.number) for phone in state.profile.phones}
    return phones | {normalise_destination("email", email.address) for email in state.profile.emails}
