"""The Referral Partner API (`XApiKey`), paths as in its OpenAPI spec under /referral-api."""

from __future__ import annotations

from pathlib import PurePath
from urllib.parse import urlsplit

from flask import Blueprint, Response, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from dashboard.sandbox import auth, clock, domain, events, idempotency, pricing, reference, validation, wire
from dashboard.sandbox.api import (
    Query,
    answer,
    json_body,
    no_content,
    ok,
    options,
    queries,
    rate_limit_headers,
    rate_limited,
)
from dashboard.sandbox.context import db, sandbox_config
from dashboard.sandbox.errors import ApiError, NotFound, unauthorized
from dashboard.sandbox.models import WebhookDelivery, WebhookSubscription

bp = Blueprint("referral_api", __name__)

MAX_FILE_BYTES = 25 * 1024 * 1024
ALLOWED_EXTENSIONS = frozenset({".pdf", ".doc", ".docx", ".xls", ".xlsx", ".csv", ".txt", ".jpg", ".jpeg", ".png"})


@bp.before_request
def authenticate() -> Response | None:
    if not auth.api_key_valid(request.headers.get("XApiKey"), sandbox_config().api_key):
        return unauthorized()
    return rate_limited(_scope())


bp.after_request(rate_limit_headers)


def _scope() -> str:
    return auth.api_key_scope(sandbox_config().api_key)


# --- clients -----------------------------------------------------------------------------------


@bp.post("/clients")
def create_client():
    """Create, resume or link a client: 201, 202 or 409 (see domain for the matching rules)."""
    payload = json_body()

    def work() -> Response:
        try:
            outcome = domain.create_or_link_client(db(), payload)
        except IntegrityError:
            # A concurrent call created this tenant first: answer as the repeated call this now is.
            db().rollback()
            outcome = domain.create_or_link_client(db(), payload)
        return ok(queries.client_view(db(), outcome.link, outcome.case_results), outcome.status)

    return answer(work)


@bp.get("/clients")
def list_clients():
    return ok(queries.list_clients(db(), Query()))


@bp.get("/clients/<path:external_tenant_id>")
def get_client(external_tenant_id: str):
    return ok(queries.client_view(db(), domain.require_link(db(), external_tenant_id)))


@bp.post("/clients/<path:external_tenant_id>/withdraw")
def withdraw(external_tenant_id: str):
    def work() -> Response:
        domain.withdraw(db(), external_tenant_id)
        return no_content()

    return answer(work)


@bp.get("/clients/<path:external_tenant_id>/is-deletable")
def is_deletable(external_tenant_id: str):
    """Test environment (the sandbox is one): what keeps a client from being deleted."""
    blockers = domain.deletion_blockers(db(), external_tenant_id)
    return ok({"isDeletable": not blockers, "blockers": blockers})


@bp.delete("/clients/<path:external_tenant_id>")
def delete_client(external_tenant_id: str):
    """Test environment: 204 after the cascade; 422 with the blockers while any remain."""

    def work() -> Response:
        domain.delete_client(db(), external_tenant_id)
        return no_content()

    return answer(work)


def _notify_flag() -> bool:
    flag = Query().boolean("sendChatNotification")
    return True if flag is None else flag


@bp.post("/clients/<path:external_tenant_id>/kyc-verification")
def submit_kyc(external_tenant_id: str):
    send = _notify_flag()
    body = request.get_data()

    def handle() -> Response:
        s = db()
        link = domain.require_link(s, external_tenant_id)
        kyc = validation.parse_kyc(json_body(), clock.now(s).date())
        record = domain.submit_kyc(s, link, kyc, send_chat_notification=send)
        return ok(wire.kyc_dto(record), 201)

    response = idempotency.run(
        db(),
        scope=_scope(),
        endpoint="POST /clients/{externalTenantId}/kyc-verification",
        key=request.headers.get(idempotency.HEADER),
        request_fingerprint=idempotency.fingerprint(
            [request.path, request.query_string, idempotency.json_fingerprint("", body)]
        ),
        handler=handle,
    )
    db().commit()
    return response


@bp.post("/oauth/token")
def mint_token():
    """A 30-minute bearer token for any active link (signing is not required)."""
    tenant = validation.parse_token_request(json_body())
    link = domain.require_link(db(), tenant)
    return ok(auth.mint_token(db(), link, sandbox_config().jwt_secret))


# --- cases -------------------------------------------------------------------------------------


@bp.get("/cases")
def list_cases():
    return ok(queries.list_cases(db(), Query()))


def _visible_case(case_id: str):
    case = domain.visible_case(db(), case_id)
    if case is None:
        raise NotFound("Case not found.")
    return case


@bp.get("/cases/<case_id>")
def get_case(case_id: str):
    return ok(wire.case_detail(_visible_case(case_id)))


@bp.post("/cases/preview")
def preview():
    s = db()
    preview_input = validation.parse_preview(json_body(), clock.now(s).date())
    place = pricing.jurisdiction(preview_input.country, preview_input.state_alpha2)
    quote = pricing.quote(
        preview_input.amount,
        preview_input.currency,
        preview_input.country,
        today=clock.now(s).date(),
        due_date=preview_input.due_date,
        buckets=preview_input.buckets,
    )
    if quote is None:
        return ok(
            {
                "isEligible": False,
                "ineligibilityReason": reference.NO_PARTNER_MESSAGE,
                "jurisdiction": place,
                "requiresKycVerification": False,
                "pendingActions": [],
                "combinedSigningUrl": None,
            }
        )
    partner = quote.partner
    # Creditor-less: the partner's own requirements only. An SDCA upgrade concerns one creditor, so (as the
    # spec says) it is listed only where the API knows the client: the Customer API's preview.
    actions = [{"type": "PoA", "collectionPartnerId": partner.id, "dueDate": None}]
    if reference.needs_jpa(preview_input.country):
        actions.append({"type": "Jpa", "collectionPartnerId": partner.id, "dueDate": None})
    if partner.requires_kyc:
        actions.append({"type": "Kyc", "collectionPartnerId": partner.id, "dueDate": None})
    return ok(
        {
            "isEligible": True,
            "ineligibilityReason": None,
            "jurisdiction": place,
            "pricingPreview": wire.pricing_preview(quote, preview_input.currency),
            "requiresKycVerification": partner.requires_kyc,
            "pendingActions": actions,
            "combinedSigningUrl": None,
        }
    )


@bp.post("/cases/<case_id>/files")
def upload_file(case_id: str):
    """Multipart field `file`: 25 MB at most, office documents, text and images only."""
    send = _notify_flag()
    upload = request.files.get("file")
    content = upload.read() if upload is not None else b""
    file_name = (upload.filename or "") if upload is not None else ""

    def handle() -> Response:
        case = _visible_case(case_id)
        if upload is None or not file_name:
            raise ApiError(400, "FileRequired", "Send the file as the multipart form field 'file'.")
        if len(content) > MAX_FILE_BYTES:
            raise ApiError(413, "FileTooLarge", "The file exceeds the 25 MB limit.")
        if PurePath(file_name).suffix.lower() not in ALLOWED_EXTENSIONS:
            raise ApiError(
                415,
                "UnsupportedFileType",
                "Allowed file types: " + ", ".join(sorted(ALLOWED_EXTENSIONS)),
            )
        stored = domain.upload_file(
            db(), case, file_name, content, upload.mimetype or None, send_chat_notification=send
        )
        return ok({"id": stored.id, "fileName": stored.file_name, "dateCreated": wire.iso(stored.date_created)})

    response = idempotency.run(
        db(),
        scope=_scope(),
        endpoint="POST /cases/{caseId}/files",
        key=request.headers.get(idempotency.HEADER),
        request_fingerprint=idempotency.fingerprint([request.path, request.query_string, file_name, content]),
        handler=handle,
    )
    db().commit()
    return response


# --- reporting, partner ------------------------------------------------------------------------


@bp.get("/reporting/transactions")
def transactions():
    return ok(queries.list_transactions(db(), Query()))


@bp.get("/me")
def me():
    return ok(wire.partner_dto(domain.partner(db())))


@bp.get("/referral-partner/filter-options")
def filter_options():
    return ok(options.filter_options(db()))


@bp.get("/coverage")
def coverage():
    return ok(options.coverage())


# --- webhooks ----------------------------------------------------------------------------------


def _http_hosts() -> tuple[str, ...]:
    """Hosts allowed to receive webhooks over plain http: the address this sandbox is served at."""
    return (urlsplit(sandbox_config().public_url).netloc,)


def _subscription(subscription_id: str) -> WebhookSubscription:
    found = db().get(WebhookSubscription, subscription_id)
    if found is None:
        raise NotFound("Webhook not found or does not belong to this partner.")
    return found


@bp.get("/v1/Webhooks")
def list_webhooks():
    rows = db().scalars(select(WebhookSubscription).order_by(WebhookSubscription.created_utc))
    return ok([wire.webhook_dto(row) for row in rows])


@bp.post("/v1/Webhooks")
def create_webhook():
    """The secret is in this answer only (and in a regenerateSecret answer)."""
    request_input = validation.parse_webhook(json_body(), creating=True, http_hosts=_http_hosts())
    subscription = events.create_subscription(db(), domain.partner(db()).id, request_input)
    db().commit()
    return ok(wire.webhook_dto(subscription, with_secret=True))


@bp.get("/v1/Webhooks/<subscription_id>")
def get_webhook(subscription_id: str):
    return ok(wire.webhook_dto(_subscription(subscription_id)))


@bp.put("/v1/Webhooks/<subscription_id>")
def update_webhook(subscription_id: str):
    subscription = _subscription(subscription_id)
    request_input = validation.parse_webhook(json_body(), creating=False, http_hosts=_http_hosts())
    regenerated = events.update_subscription(db(), subscription, request_input)
    db().commit()
    return ok(wire.webhook_dto(subscription, with_secret=regenerated))


@bp.delete("/v1/Webhooks/<subscription_id>")
def delete_webhook(subscription_id: str):
    subscription = _subscription(subscription_id)
    db().execute(delete(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id))
    db().delete(subscription)
    db().commit()
    return no_content()


TRIGGER_FIELDS = (
    "eventType",
    "caseId",
    "externalTenantId",
    "oldLifecycle",
    "newLifecycle",
    "closeCode",
    "closeComment",
)


@bp.post("/v1/Webhooks/test")
def trigger_test_webhook():
    """Queue a test delivery built from real data to every subscription listening to the event."""
    errors = validation.Errors()
    reader = validation.Reader(json_body() or {}, "", errors, TRIGGER_FIELDS)
    event_type = reader.string("eventType", required=True)
    if event_type is not None and event_type not in validation.WEBHOOK_EVENTS:
        errors.add("EventType", f"Unknown event type: {event_type}")
    fields = {name: reader.string(name) for name in TRIGGER_FIELDS[1:]}
    if event_type and event_type.startswith("case.") and not fields["caseId"]:
        errors.add("CaseId", "CaseId is required for case events.")
    if event_type and not event_type.startswith("case.") and not fields["externalTenantId"]:
        errors.add("ExternalTenantId", "ExternalTenantId is required for client events.")
    errors.raise_if_any()
    assert event_type is not None  # required: raise_if_any refused its absence
    s = db()
    if event_type.startswith("case."):
        case_id = fields["caseId"]
        assert case_id  # required for case events, as checked above
        case = _visible_case(case_id)
        extra = {}
        if event_type == "case.updated":
            extra = {"oldLifecycle": fields["oldLifecycle"] or case.lifecycle}
            lifecycle = fields["newLifecycle"] or "Closed"
        elif event_type == "case.closed":
            lifecycle = "Closed"
            extra = {"closeCode": fields["closeCode"] or "Paid", "closeComment": fields["closeComment"]}
        else:
            lifecycle = case.lifecycle
        data, links = domain.case_event_payload(s, case, **extra)
        data["lifecycle"] = lifecycle
    else:
        external_tenant_id = fields["externalTenantId"]
        assert external_tenant_id  # required for client events, as checked above
        link = domain.require_link(s, external_tenant_id)
        data, links = domain.client_event_payload(s, link)
        if event_type == "client.link_declined":
            data["creditor"].pop("isAttributed", None)
    count = events.enqueue_test(s, event_type, data, links)
    s.commit()
    return ok({"eventType": event_type, "enqueuedCount": count, "message": f"Test {event_type} event enqueued."})
