"""Forms of the admin pages: operators and webhook subscriptions."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from flask import current_app
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField, URLField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from dashboard.forms import DashboardForm, MaxLength
from dashboard.models.operators import ROLES
from dashboard.services.cases import case_id_for_reference
from dashboard.services.passwords import MIN_PASSWORD_LENGTH
from dashboard.services.webhook_admin import EVENTS, TEST_EVENTS

ROLE_DESCRIPTIONS = {
    "viewer": "Viewer: reads everything, changes nothing",
    "operator": "Operator: submits cases, files and KYC, re-issues URLs, creates clients",
    "admin": "Admin: also manages operators, webhooks, sync and withdrawals",
}
ROLE_CHOICES = {role: ROLE_DESCRIPTIONS[role] for role in ROLES}
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
PASSWORD_RULE = f"Passwords need at least {MIN_PASSWORD_LENGTH} characters (at most 200)."


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ActionForm(DashboardForm):
    """Buttons that change something carry nothing but the CSRF token."""


class InviteForm(DashboardForm):
    email = EmailField("E-mail", validators=[DataRequired(), Email(), MaxLength(320)])
    name = StringField("Name", validators=[Optional(), MaxLength(200)])
    role = SelectField("Role", choices=ROLE_CHOICES, default="operator")
    password = PasswordField(
        "Initial password",
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200, message=PASSWORD_RULE)],
        description=f"Leave empty to generate one; it is shown once. At least {MIN_PASSWORD_LENGTH} characters.",
    )


class RoleForm(DashboardForm):
    role = SelectField("Role", choices={role: role.title() for role in ROLES})


class ResetPasswordForm(DashboardForm):
    password = PasswordField(
        "New password",
        validators=[Optional(), Length(min=MIN_PASSWORD_LENGTH, max=200, message=PASSWORD_RULE)],
        description="Leave empty to generate one; it is shown once.",
    )


def _event_choices() -> dict[str, str]:
    return {event: event for event in EVENTS}


class WebhookEventsForm(DashboardForm):
    events = MultiCheckboxField(
        "Events", choices=_event_choices(), validators=[DataRequired("Choose at least one event.")]
    )


class WebhookForm(WebhookEventsForm):
    url = URLField("Delivery URL", validators=[DataRequired(), MaxLength(1024)])
    is_test_mode = BooleanField("Test mode: receive only events about test data")

    def validate_url(self, field) -> None:
        parts = urlsplit(field.data.strip())
        if not parts.netloc or parts.scheme not in ("https", "http"):
            raise ValidationError("Enter a full address, starting with https://.")
        if parts.scheme == "http" and not _plain_http_allowed(field.data.strip(), parts.hostname or ""):
            raise ValidationError("Debitura delivers only to https:// addresses.")


def _plain_http_allowed(url: str, host: str) -> bool:
    """The sandbox also delivers over plain http to this machine (a documented deviation from Debitura)."""
    config = current_app.config
    if config["DEBITURA_ENV"] != "sandbox":
        return False
    return host in LOOPBACK_HOSTS or url.startswith(config["DASHBOARD_PUBLIC_URL"].rstrip("/") + "/")


class SendTestEventForm(DashboardForm):
    event_type = SelectField("Event", choices={event: event for event in TEST_EVENTS})
    # No Optional(): it would stop the chain on an empty value before the rules below say which id the event needs.
    case_id = StringField(
        "Case",
        validators=[MaxLength(64)],
        description="For case events: the case reference the lists show (e.g. 8RGAEWVM), or its Debitura id.",
    )
    external_tenant_id = StringField(
        "Tenant id", validators=[MaxLength(255)], description="For client events: a linked client's externalTenantId."
    )

    def validate_case_id(self, field) -> None:
        if TEST_EVENTS.get(self.event_type.data) != "case":
            return
        if not field.data:
            raise ValidationError("A case event needs the reference or id of one of your cases.")
        typed = field.data.strip()
        try:
            uuid.UUID(typed)
        except ValueError:
            case_id = case_id_for_reference(typed)
            if case_id is None:
                raise ValidationError(
                    f"No case with the reference {typed} is known here; copy it from the cases list, "
                    "or give Debitura's case id (e.g. 3f2b5c1e-0d4a-4c1b-9a53-6a2f3e8b7c10)."
                ) from None
            field.data = case_id

    def validate_external_tenant_id(self, field) -> None:
        if TEST_EVENTS.get(self.event_type.data) == "tenant" and not (field.data or "").strip():
            raise ValidationError("A client event needs the tenant id of one of your linked clients.")
