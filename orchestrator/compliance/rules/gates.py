"""Who may be contacted at all: opt-outs, holds, consent and eligibility, account status.

These blocks do not expire with time (``next_allowed_at`` None): only a new event (START, a consent
update, ``hold.released``) lifts them.
"""

from __future__ import annotations

from orchestrator.compliance.context import OPT_OUT_CONFIRMATION, ContactScope, RuleContext, Verdict
from orchestrator.compliance.rules.base import NamedRule, TimelessRule
from orchestrator.domain.model import OptOutRecord
from orchestrator.events import HoldReason


class MediumOptout(NamedRule):
    """§1006.14(h): an opted-out number, address or medium is barred for every debt; one confirmation allowed."""

    rule_id = "medium_optout"

    def fixed(self, scope: ContactScope) -> Verdict | None:
        """The verdict unless Parley recorded an opt-out (then the moment matters: confirmation, reply)."""
        return self._fixed(scope, _records(scope))

    def _fixed(self, scope: ContactScope, records: list[OptOutRecord]) -> Verdict | None:
        contact = scope.contact
        profile = scope.state.profile
        destination = contact.destination.lower()
        if contact.channel in profile.preferences.blocked_channels:
            return self.block(f"The consumer asked not to be contacted by {contact.channel}.", None)
        for stated in profile.opt_outs:
            if stated.channel == contact.channel and (stated.destination or "").lower() in ("", destination):
                target = "this destination" if stated.destination else f"all {contact.channel}"
                return self.block(f"The debtor's profile records an opt-out of {target}.", None)
        if not records:
            return self.allow(f"No opt-out of {contact.channel} to this destination.")
        return None

    def evaluate(self, ctx: RuleContext) -> Verdict:
        scope = ctx.scope
        records = _records(scope)
        verdict = self._fixed(scope, records)
        if verdict is not None:
            return verdict
        contact = scope.contact
        first = min(records, key=lambda o: o.at)
        if contact.purpose == OPT_OUT_CONFIRMATION:
            window = scope.policy.opt_out_confirmation_window
            confirmed = any(
                a.purpose == OPT_OUT_CONFIRMATION and a.channel == contact.channel and a.at >= first.at
                for a in scope.state.ledger
            )
            if confirmed:
                return self.block("The one confirmation of this opt-out was already sent.", None)
            if first.at <= ctx.at <= first.at + window:
                return self.allow("Opted out; this is the one confirmation of the opt-out that is allowed.")
        inbound = scope.state.last_inbound(contact.channel)
        if inbound is not None and inbound.at > first.at and scope.reply_available(ctx.at):
            return self.allow("Opted out, but this is the one same-medium reply to the consumer's own later contact.")
        return self.block(
            f"The consumer opted out of {contact.channel} to this destination on {first.at:%Y-%m-%d}; "
            "it stays blocked for every debt until they opt back in.",
            None,
        )


def _records(scope: ContactScope) -> list[OptOutRecord]:
    """Parley's opt-out records that cover this contact's channel and destination."""
    channel, destination = scope.contact.channel, scope.contact.destination.lower()
    return [
        o
        for o in scope.state.opt_outs
        if o.channel == channel and (o.destination is None or o.destination.lower() == destination)
    ]


class HoldRule(NamedRule):
    """A hold of one reason: blocks every contact about the held account(s) but the purposes it permits."""

    def __init__(
        self,
        rule_id: str,
        reason: HoldReason,
        describe: str,
        permitted: frozenset[str] = frozenset(),
        reply_allowed: bool = False,
    ) -> None:
        self.rule_id = rule_id
        self.reason = reason
        self.describe = describe
        self.permitted = permitted
        self.reply_allowed = reply_allowed
        self.clear = self.allow(f"No {describe} hold on these accounts.")  # the usual verdict, built once

    def _where(self, scope: ContactScope) -> str:
        """The held accounts ('A-1, every account'); empty when no hold of this reason covers the contact."""
        holds = [h for h in scope.state.holds if h.reason == self.reason and h.covers(scope.account_ids)]
        if not holds:
            return ""
        return ", ".join(sorted({h.account_id or "every account" for h in holds}))

    def _blocked(self, where: str) -> Verdict:
        return self.block(f"A {self.describe} hold is in force on {where}; no contact until it is released.", None)

    def fixed(self, scope: ContactScope) -> Verdict | None:
        """The verdict unless a hold that allows one reply is in force: then it depends on the moment."""
        return self._fixed(scope, self._where(scope))

    def _fixed(self, scope: ContactScope, where: str) -> Verdict | None:
        if not where:
            return self.clear
        if scope.contact.purpose in self.permitted:
            return self.allow(f"Under a {self.describe} hold ({where}), but a {scope.contact.purpose} is permitted.")
        return None if self.reply_allowed else self._blocked(where)

    def evaluate(self, ctx: RuleContext) -> Verdict:
        scope = ctx.scope
        where = self._where(scope)
        verdict = self._fixed(scope, where)
        if verdict is not None:
            return verdict
        if scope.reply_available(ctx.at):
            return self.allow(f"Under a {self.describe} hold ({where}); answering the consumer's own contact once.")
        return self._blocked(where)


def _same_number(a: str, b: str) -> bool:
    return a.replace(" ", "") == b.replace(" ", "")


class SmsEligibility(TimelessRule):
    """§1006.6(d)(5), TCPA: texts only to the debtor's mobile numbers with SMS consent, not known bad."""

    rule_id = "sms_eligibility"

    def verdict(self, scope: ContactScope) -> Verdict:
        contact = scope.contact
        if contact.channel != "sms":
            return self.allow("Not a text message.")
        state = scope.state
        phone = next((p for p in state.profile.phones if _same_number(p.number, contact.destination)), None)
        if phone is None:
            return self.block("The number is not one of the debtor's numbers on file.", None)
        if contact.destination in state.bad_destinations:
            return self.block("The number was reported unreachable or invalid by the provider.", None)
        if f"sms:{contact.destination}" in state.bad_destinations:
            return self.block("The provider reported that this number cannot receive texts (a landline).", None)
        if phone.type != "mobile":
            return self.block("Texts go only to mobile numbers; this number is a landline.", None)
        if not phone.sms_consent:
            return self.block("No consent to text this number is on file.", None)
        return self.allow("A mobile number with consent to text.")


class EmailEligibility(TimelessRule):
    """§1006.6(d)(4), §1006.22(f)(3): email only to consented addresses that are not employer-provided."""

    rule_id = "email_eligibility"

    def verdict(self, scope: ContactScope) -> Verdict:
        contact = scope.contact
        if contact.channel != "email":
            return self.allow("Not an email.")
        state = scope.state
        wanted = contact.destination.lower()
        email = next((e for e in state.profile.emails if e.address.lower() == wanted), None)
        if email is None:
            return self.block("The address is not one of the debtor's addresses on file.", None)
        if contact.destination in state.bad_destinations or wanted in state.bad_destinations:
            return self.block("The address was reported undeliverable by the provider.", None)
        if email.employer_provided:
            return self.block("The address is employer-provided; Parley does not email work addresses.", None)
        if not email.consent:
            return self.block("No consent to email this address is on file.", None)
        return self.allow("A personal address with consent to email.")


class TcpaConsent(TimelessRule):
    """47 U.S.C. §227(b): calls only to the debtor's numbers with call consent, not known bad."""

    rule_id = "tcpa_consent"

    def verdict(self, scope: ContactScope) -> Verdict:
        contact = scope.contact
        if contact.channel != "voice":
            return self.allow("Not a call.")
        state = scope.state
        phone = next((p for p in state.profile.phones if _same_number(p.number, contact.destination)), None)
        if phone is None:
            return self.block("The number is not one of the debtor's numbers on file.", None)
        if contact.destination in state.bad_destinations:
            return self.block("The number was reported wrong, unreachable or invalid.", None)
        if not phone.call_consent:
            return self.block("No consent to call this number is on file.", None)
        return self.allow("A number with consent to call.")


CLOSED_ACCOUNT_PURPOSES = frozenset({"payment_thanks", "payment_confirmation", "account_closed_notice"})


class AccountStatusGate(TimelessRule):
    """Parley policy: nothing about accounts Parley does not hold open, except thanks and closure notices."""

    rule_id = "account_status"

    def verdict(self, scope: ContactScope) -> Verdict:
        if not scope.account_ids:
            return self.block("The debtor has no accounts with Parley.", None)
        problems: list[str] = []
        for account_id in scope.account_ids:
            account = scope.state.account(account_id)
            if account is None:
                problems.append(f"{account_id} is unknown")
            elif account.status != "open" and scope.contact.purpose not in CLOSED_ACCOUNT_PURPOSES:
                problems.append(f"{account_id} is {account.status}")
        if problems:
            return self.block("No collection contact: account " + "; ".join(problems) + ".", None)
        return self.allow("Every account this contact is about is open (or this is a thanks/closure notice).")
