from __future__ import annotations

from datetime import timedelta

from flask import jsonify, make_response, request
from sqlalchemy import func, select

from dashboard.authz import role_required
from dashboard.extensions import csrf, db
from dashboard.htmx import render, unchanged_since
from dashboard.models import WebhookEvent, WebhookRejection
from dashboard.models.base import debitura_now
from dashboard.services import live, webhook_receiver
from dashboard.services.query_args import page_number
from dashboard.webhooks import bp
from dashboard.webhooks.summaries import OUTCOMES

MAX_BODY = 256 * 1024  # Debitura's envelopes are a few kilobytes
PAGE_SIZE = 50


@bp.route("/debitura", methods=["POST"])
@csrf.exempt
def receive():
    """Debitura's webhook deliveries: signed, stored once, applied; refusals get a bare 401."""
    if (request.content_length or 0) > MAX_BODY:
        return make_response("", 413)
    receipt = webhook_receiver.receive(
        request.get_data(cache=False),
        signature=request.headers.get("X-Debitura-Signature"),
        is_test=request.headers.get("X-Debitura-Test", "").strip().lower() == "true",
        remote_addr=request.remote_addr,
    )
    if receipt.status != 200:
        return make_response("", receipt.status)
    return jsonify(received=True, duplicate=receipt.duplicate)


@bp.route("/deliveries")
@role_required("viewer")
def deliveries():
    """Recent webhook deliveries with their outcome, and the deliveries we refused."""
    if (not_changed := unchanged_since(live.events_marker)) is not None:
        return not_changed
    outcome = request.args.get("outcome")
    outcome = outcome if outcome in OUTCOMES else None
    query = select(WebhookEvent).order_by(WebhookEvent.received_at.desc(), WebhookEvent.id.desc())
    if outcome:
        query = query.where(WebhookEvent.outcome == outcome)
    page = db.paginate(query, page=page_number(request.args.get("page", 1)), per_page=PAGE_SIZE, error_out=False)
    counts = dict(db.session.execute(select(WebhookEvent.outcome, func.count()).group_by(WebhookEvent.outcome)).all())
    day_ago = debitura_now() - timedelta(days=1)
    rejections = dict(
        db.session.execute(
            select(WebhookRejection.reason, func.count())
            .where(WebhookRejection.received_at >= day_ago)
            .group_by(WebhookRejection.reason)
        ).all()
    )
    recent_rejections = db.session.scalars(
        select(WebhookRejection).order_by(WebhookRejection.received_at.desc()).limit(10)
    ).all()
    return render(
        "webhooks/deliveries.html",
        block="deliveries",
        page=page,
        outcome_filter=outcome,
        counts=counts,
        outcomes=OUTCOMES,
        rejections=rejections,
        recent_rejections=recent_rejections,
        marker=live.events_marker(),
    )
