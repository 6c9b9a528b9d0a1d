"""Webhook subscriptions at Debitura: list with delivery health, create, edit events, enable/disable,
rotate the secret, delete, and send a test event."""

from flask import flash, redirect, url_for

from dashboard.admin import bp
from dashboard.admin.forms import SendTestEventForm, WebhookEventsForm, WebhookForm
from dashboard.admin.views import actor
from dashboard.authz import role_required
from dashboard.debitura import DebituraError
from dashboard.errors.forms import show_debitura_error
from dashboard.errors.handlers import debitura_message
from dashboard.forms import validated
from dashboard.htmx import render
from dashboard.services import webhook_admin
from dashboard.services.webhook_admin import WebhookAdminError
from dashboard.wiring import debitura

# Debitura's field names (camelCase) to the form's.
FORM_FIELDS = {"url": "url", "events": "events", "isTestMode": "is_test_mode"}


def _back():
    return redirect(url_for("admin.webhooks"), code=303)


def _new_webhook_form() -> WebhookForm:
    form = WebhookForm()
    if not form.is_submitted():
        form.url.data = webhook_admin.receiver_url()
        form.events.data = list(webhook_admin.EVENTS)
    return form


def _page(create_form: WebhookForm | None = None, test_form: SendTestEventForm | None = None, *, status: int = 200):
    subscriptions, unavailable = None, None
    try:
        subscriptions = webhook_admin.list_subscriptions(actor=actor(), debitura=debitura())
    except DebituraError as error:
        # The local delivery health is still worth seeing while Debitura does not answer.
        unavailable = debitura_message(error)
    return render(
        "admin/webhooks.html",
        status=status,
        subscriptions=subscriptions,
        unavailable=unavailable,
        health=webhook_admin.delivery_health(),
        receiver_url=webhook_admin.receiver_url(),
        create_form=create_form or _new_webhook_form(),
        test_form=test_form or SendTestEventForm(formdata=None),
        test_events=webhook_admin.can_send_test_events(),
        rotation_grace=webhook_admin.rotation_grace_phrase(),
    )


@bp.route("/webhooks")
@role_required("admin")
def webhooks():
    """Every subscription with its status and disabled reason, and how deliveries have been going."""
    return _page()


@bp.route("/webhooks/new", methods=["POST"])
@role_required("admin")
def create_webhook():
    """Subscribe an address (by default this dashboard's receiver); its secret is stored, never shown."""
    form = _new_webhook_form()
    if not form.validate_on_submit():
        return _page(create_form=form, status=422)
    try:
        webhook_admin.create_subscription(
            validated(form.url.data).strip(),
            form.events.data or [],
            is_test_mode=form.is_test_mode.data,
            actor=actor(),
            debitura=debitura(),
        )
    except DebituraError as error:  # a refusal lands on its field, an outage on top; the input stays either way
        show_debitura_error(form, error, FORM_FIELDS)
        return _page(create_form=form, status=422)
    except WebhookAdminError as error:
        form.form_errors.append(str(error))
        return _page(create_form=form, status=422)
    flash("Subscription created. Its signing secret is stored for the receiver and is not shown.", "success")
    return _back()


@bp.get("/webhooks/<webhook_id>/events")
@role_required("admin")
def edit_webhook(webhook_id: str):
    """Which events a subscription receives; admins change them here."""
    webhook = webhook_admin.get_subscription(webhook_id, actor=actor(), debitura=debitura())
    form = WebhookEventsForm(formdata=None, events=list(webhook.events))
    return render("admin/webhook_events.html", webhook=webhook, form=form)


@bp.post("/webhooks/<webhook_id>/events")
@role_required("admin")
def update_webhook_events(webhook_id: str):
    """Save the chosen events."""
    form = WebhookEventsForm()
    if form.validate_on_submit():
        try:
            webhook_admin.update_events(webhook_id, form.events.data or [], actor=actor(), debitura=debitura())
        except DebituraError as error:
            show_debitura_error(form, error, FORM_FIELDS)
        else:
            flash("The subscription's events are saved.", "success")
            return _back()
    webhook = webhook_admin.get_subscription(webhook_id, actor=actor(), debitura=debitura())
    return render("admin/webhook_events.html", webhook=webhook, form=form, status=422)


@bp.route("/webhooks/<webhook_id>/enable", methods=["POST"])
@role_required("admin")
def enable_webhook(webhook_id: str):
    """Turn a subscription on again, also after Debitura disabled it."""
    webhook_admin.set_active(webhook_id, True, actor=actor(), debitura=debitura())
    flash("Subscription enabled; Debitura delivers to it again.", "success")
    return _back()


@bp.route("/webhooks/<webhook_id>/disable", methods=["POST"])
@role_required("admin")
def disable_webhook(webhook_id: str):
    """Pause deliveries to a subscription."""
    webhook_admin.set_active(webhook_id, False, actor=actor(), debitura=debitura())
    flash("Subscription disabled; Debitura stops delivering to it.", "success")
    return _back()


@bp.route("/webhooks/<webhook_id>/rotate", methods=["POST"])
@role_required("admin")
def rotate_webhook_secret(webhook_id: str):
    """A new signing secret; the old one keeps being accepted for a grace period."""
    webhook_admin.rotate_secret(webhook_id, actor=actor(), debitura=debitura())
    flash(f"New signing secret stored; {webhook_admin.rotation_grace_phrase()}.", "success")
    return _back()


@bp.route("/webhooks/<webhook_id>/delete", methods=["POST"])
@role_required("admin")
def delete_webhook(webhook_id: str):
    """Remove a subscription at Debitura."""
    webhook_admin.delete_subscription(webhook_id, actor=actor(), debitura=debitura())
    flash("Subscription deleted.", "success")
    return _back()


@bp.route("/webhooks/test", methods=["POST"])
@role_required("admin")
def send_test_event():
    """Ask Debitura (test environment or sandbox) to deliver a test event about a real case or client."""
    form = SendTestEventForm()
    if not form.validate_on_submit():
        return _page(test_form=form, status=422)
    needs = webhook_admin.TEST_EVENTS[form.event_type.data]
    try:
        queued = webhook_admin.send_test_event(
            form.event_type.data,
            case_id=(form.case_id.data or "").strip() or None,
            external_tenant_id=(form.external_tenant_id.data or "").strip() or None,
            actor=actor(),
            debitura=debitura(),
        )
    except WebhookAdminError as error:
        form.form_errors.append(str(error))
        return _page(test_form=form, status=422)
    except DebituraError as error:
        if error.http_status not in (400, 404):
            raise
        field = form.case_id if needs == "case" else form.external_tenant_id
        field.errors = [
            *field.errors,
            "Debitura knows no such case or linked client." if error.http_status == 404 else error.user_message,
        ]
        return _page(test_form=form, status=422)
    flash(f"Test {form.event_type.data} queued for {queued} subscription(s).", "success")
    return _back()
