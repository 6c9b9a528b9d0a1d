"""Debitura's hosted customer pages, as the sandbox serves them under `/ui` (the `sandbox_ui` blueprint).

These are the pages a partner hands to its customers: onboarding, the SDCA re-sign page, link
approval (standard and Choice), the combined signing chain, the Power of Attorney page and the KYC
form. Plain server-rendered forms with no script and no inline style, so they work under a strict
CSP and can be driven by role and label. Every state change goes through `domain`, which also
writes the webhook events. One module per flow (`onboarding`, `signatures`, `kyc`, `approval`,
`signing`); `blueprint` holds what every page has, `flow` what the flows share.

A `returnUrl` query parameter (absolute http(s), at most 2048 characters, otherwise silently
ignored) is carried through each flow; on completion the customer is sent there with
`completed=true` appended. Without one, a plain "done" page is shown. With one, every step also
offers "I'll do this later", which sends the customer back without `completed=true` (how a partner
tells an abandoned flow from a finished one), and pages that end a flow link "Go back to your app".
"""

from dashboard.sandbox.pages.hosted import approval, kyc, onboarding, signatures, signing  # noqa: F401 (their routes)
from dashboard.sandbox.pages.hosted.blueprint import bp

__all__ = ["bp"]
