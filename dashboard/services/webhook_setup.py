"""In sandbox mode, subscribe this dashboard's receiver to every event, so the demo is live at once.

Outside the sandbox, subscriptions are an administrator's decision (the webhook admin page);
this module never creates one against a real Debitura environment.
"""

from __future__ import annotations

from flask import current_app

from dashboard.debitura import DebituraClient, WebhookSubscription, WebhookUpdate
from dashboard.services.mirror_events import KNOWN_EVENTS
from dashboard.services.webhook_secrets import has_stored_secret, store_secret

RECEIVER_PATH = "/webhooks/debitura"


def receiver_url() -> str:
    return current_app.config["DASHBOARD_PUBLIC_URL"].rstrip("/") + RECEIVER_PATH


def ensure_sandbox_subscription(debitura: DebituraClient) -> str | None:
    """Make sure the sandbox delivers every event to our receiver with a secret we hold; says what it did."""
    if current_app.config["DEBITURA_ENV"] != "sandbox":
        return None
    referral = debitura.referral
    url = receiver_url()
    ours = [(hook.id, hook) for hook in referral.list_webhooks() if hook.url == url and hook.id]
    if not ours:
        created = referral.create_webhook(WebhookSubscription(url, tuple(KNOWN_EVENTS)))
        store_secret(created.secret or "")
        return f"Sandbox webhooks now reach {url}."
    hook_id, hook = ours[0]
    complete = hook.is_active and set(KNOWN_EVENTS) <= set(hook.events)
    if complete and has_stored_secret():
        return None
    # Debitura shows a secret only on creation or regeneration: without ours stored, regenerate it.
    updated = referral.update_webhook(
        hook_id, WebhookUpdate(events=tuple(KNOWN_EVENTS), is_active=True, regenerate_secret=not has_stored_secret())
    )
    if updated.secret:
        store_secret(updated.secret)
    return f"Sandbox webhooks to {url} re-enabled for every event."
