"""Which of the debtor's accounts a reply is about, when it says so ("the Acme card", "account A-2001").

A debtor with several debts who writes "I can pay $50 Friday" has not said which debt; guessing would
put the promise on the wrong one. An account counts as named only when the reply contains its id or
its creditor's name (whole words, after the same normalization as the cues) and no other account
matches as well.
"""

from __future__ import annotations

from collections.abc import Sequence

from orchestrator.replies.normalize import normalize_reply

# Trailing words of a creditor's name that say nothing about which creditor it is.
GENERIC_NAME_WORDS = frozenset(
    {"bank", "card", "cards", "credit", "financial", "finance", "services", "inc", "llc", "co", "corp", "na"}
)


def named_account(text: str, accounts: Sequence[tuple[str, str]]) -> str | None:
    """The id of the one account in ``accounts`` (id, creditor) that ``text`` names, else None."""
    words = f" {normalize_reply(text).words} "
    named = {account_id for account_id, creditor in accounts if _names(words, account_id, creditor)}
    return named.pop() if len(named) == 1 else None


def _names(words: str, account_id: str, creditor: str) -> bool:
    return any(f" {phrase} " in words for phrase in _phrases(account_id, creditor))


def _phrases(account_id: str, creditor: str) -> list[str]:
    """The id, the creditor's full name, and the name without generic trailing words ("acme" for
    "Acme Bank") when what is left is still a name (three letters or more)."""
    full = normalize_reply(creditor).words
    short = full.split()
    while short and short[-1] in GENERIC_NAME_WORDS:
        short.pop()
    phrases = [normalize_reply(account_id).words, full, " ".join(short) if len(" ".join(short)) >= 3 else ""]
    return [phrase for phrase in phrases if phrase]
