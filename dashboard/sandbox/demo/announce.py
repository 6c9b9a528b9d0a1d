"""Replaying, as webhooks, the link-request events the demo's history holds but never fired.

Loading the demo fires nothing: it is the world as it was before any dashboard subscribed. But a
link request that is pending, declined or expired is not in GET /clients, so a partner knows of it
only through its `client.link_requested`, `client.link_declined` or `client.link_expired` webhook.
A host that subscribes after the demo is loaded (the dashboard's `flask setup` does) calls this
once, after subscribing, to have those events recorded now and queued for its subscriptions.

This is not part of loading the demo and never runs by itself; it is the one demo step that writes
webhook events.
"""

from __future__ import annotations

from sqlalchemy import select

from dashboard.sandbox import wire
from dashboard.sandbox.domain.notify import client_event
from dashboard.sandbox.models import LinkRequest
from dashboard.sandbox.store import Store


def announce_link_requests(store: Store) -> int:
    """Record one webhook event per pending, declined or expired link request, queued for every
    current subscription; returns how many events.

    A declined or expired request's event is dated when that happened, as Debitura would have dated
    it; a pending request's is dated now. Calling it twice records (and delivers) the events twice.
    """

    announced = 0
    with store.session() as s:
        unlinked = select(LinkRequest).where(LinkRequest.status.in_(("pending", "declined", "expired")))
        for link_request in s.scalars(unlinked.order_by(LinkRequest.id)).all():
            tenant, creditor = link_request.external_tenant_id, link_request.creditor
            if link_request.status == "pending":
                client_event(
                    s,
                    "client.link_requested",
                    tenant,
                    creditor,
                    is_attributed=False,
                    expiresAt=wire.iso(link_request.expires_at),
                )
            elif link_request.status == "declined":
                client_event(
                    s, "client.link_declined", tenant, creditor, is_attributed=None, at=link_request.decided_at
                )
            else:
                expired_at = link_request.decided_at or link_request.expires_at
                client_event(
                    s,
                    "client.link_expired",
                    tenant,
                    creditor,
                    is_attributed=False,
                    at=expired_at,
                    expiredAt=wire.iso(expired_at),
                )
            announced += 1
    return announced
