"""Short ready-to-send notes for the customer, with `{url}` where the hosted URL goes.

Debitura never e-mails these URLs: delivering them is the partner's job, so support staff
copy a note like this into an e-mail or chat.
"""

from __future__ import annotations

from datetime import datetime

from dashboard.models import Tenant

_NOTES = {
    "onboarding": (
        "Hello{name}, to switch on debt collection in {product}, please finish the short Debitura set-up "
        "(company details, users, signing the agreement) here: {{url}}"
    ),
    "resign_needed": (
        "Hello{name}, Debitura has updated its debt collection agreement. Please review and sign the new "
        "version so your cases keep moving: {{url}}"
    ),
    "approval_pending": (
        "Hello{name}, you already have a Debitura account. To use debt collection from {product}, please "
        "approve the link between the two here{deadline}: {{url}}"
    ),
}


def customer_message(tenant: Tenant, product: str, now: datetime) -> str | None:
    """The note for the tenant's state as of `now`, or None when there is nothing to send."""
    state = tenant.state_at(now)
    template = _NOTES.get(state)
    if template is None:
        return None
    deadline = ""
    if state == "approval_pending" and tenant.approval_expires_at is not None:
        moment = tenant.approval_expires_at
        said = f"{moment.day} {moment:%B %Y}, {moment:%H:%M} UTC"
        # An estimate counts from when we first saw the request, so the real deadline is no later.
        deadline = (
            f" as soon as you can, by {said} at the latest" if tenant.approval_deadline_estimated else f" before {said}"
        )
    name = f" {tenant.company_name}" if tenant.company_name else ""
    return template.format(name=name, product=product, deadline=deadline)
