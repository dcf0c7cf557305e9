"""From a debtor's state and a planned send to the renderer's context, and the rendered message."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from orchestrator.domain import DebtorState
from orchestrator.events import Channel
from orchestrator.service.context import ServiceContext
from orchestrator.service.sends import PlannedSend
from orchestrator.templating.model import AccountFacts, RenderContext, RenderedMessage

VOICEMAIL_TEMPLATE = "voicemail"


def render_context(
    ctx: ServiceContext,
    state: DebtorState,
    account_id: str | None,
    now: datetime,
    facts: tuple[tuple[str, str], ...] = (),
) -> RenderContext:
    """What templates may say about this debtor now: current state, plus what the cause event said
    (the payment being thanked for, the amount that was missed)."""
    profile = state.profile
    account = state.account(account_id) if account_id else None
    promise = account.promise if account else None
    quoted = dict(facts)
    return RenderContext(
        debtor_id=profile.id,
        first_name=profile.name.first,
        last_name=profile.name.last,
        language=profile.language,
        accounts=tuple(
            AccountFacts(id=a.id, creditor=a.creditor, balance=a.balance, currency=a.currency) for a in state.accounts
        ),
        account_id=account_id,
        amount_due=quoted.get("amount_due", account.balance if account else None),
        promise_amount=promise.amount if promise else quoted.get("promise_amount"),
        promise_date=promise.due if promise else quoted.get("promise_date"),
        payment_amount=quoted.get("payment_amount"),
        payment_date=quoted.get("payment_date"),
        due_date=quoted.get("due_date"),
        first_contact=state.needs_full_disclosure(account_id) if account_id else False,
        business_name=ctx.identity.business_name,
        callback_number=ctx.identity.callback_number,
        agent_name=ctx.identity.agent_name,
        now=now,
    )


def render_for(
    ctx: ServiceContext, state: DebtorState, planned: PlannedSend, channel: Channel, now: datetime
) -> RenderedMessage:
    """Render the planned template for the chosen channel in the debtor's language."""
    account_id = planned.account_ids[0] if planned.account_ids else None
    context = render_context(ctx, state, account_id, now, planned.facts)
    rendered = ctx.renderer.render(planned.template_id, channel, state.profile.language, context)
    if channel == "voice" and not rendered.voicemail:
        # A machine gets only the limited-content voicemail (§1006.2(j)), its own template.
        voicemail = ctx.renderer.render(VOICEMAIL_TEMPLATE, "voicemail", state.profile.language, context)
        rendered = replace(rendered, voicemail=voicemail.body)
    return rendered
