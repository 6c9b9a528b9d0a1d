"""The new-client form: Debitura's CreateClientRequest rules, checked before anything is sent."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, EmailField, FieldList, Form, FormField, RadioField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.3's; its stubs are 3.2's
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from dashboard.cases import fields
from dashboard.cases.forms import WIRE_FIELDS, CaseFields
from dashboard.forms import DashboardForm, MaxLength, validated
from dashboard.models import Tenant
from dashboard.services import first_cases
from dashboard.services.tenants import ClientRequest, ClientUser

USER_ROWS = 3
MAX_FIRST_CASES = 10
CASES_PREFIX = "cases"
# Fields of the manual case form that make no sense for a client's first cases: they always wait for
# signatures (allowPendingContracts), and the return URL belongs to the onboarding the client is sent to.
NOT_FOR_FIRST_CASES = ("allow_pending_contracts", "return_url")
# Debitura takes an ISO 3166-1 alpha-2 code or the country's full English name.
COUNTRY = re.compile(r"^(?:[A-Za-z]{2}|[A-Za-z][A-Za-z .,'()&-]{2,99})$")


def without_case(formdata, removed: int) -> MultiDict:
    """The posted form less first case number `removed`, the later cases renumbered to close the gap."""
    pattern = re.compile(rf"^{CASES_PREFIX}-(\d+)-(.+)$")
    kept: MultiDict[str, str] = MultiDict()
    for key, value in formdata.items(multi=True):
        match = pattern.match(key)
        if match is None:
            kept.add(key, value)
            continue
        index = int(match[1])
        if index == removed:
            continue
        kept.add(f"{CASES_PREFIX}-{index - 1 if index > removed else index}-{match[2]}", value)
    return kept


class UserRow(Form):
    """One user of the client; a row left empty is ignored."""

    name = StringField("Name", validators=[Optional(), MaxLength(200)], filters=[fields.strip])
    email = EmailField(
        "E-mail",
        validators=[Optional(), MaxLength(320), Email("Enter a valid e-mail address.")],
        filters=[fields.strip],
    )

    @property
    def is_blank(self) -> bool:
        return not (self.name.data or self.email.data)


class NewClientForm(DashboardForm):
    external_tenant_id = StringField(
        "Tenant id (externalTenantId)",
        validators=[DataRequired("Enter the id your platform uses for this customer."), MaxLength(255)],
    )
    # The spec states no limit, but Debitura refuses a company name over 300 characters.
    name = StringField("Company name", validators=[DataRequired("Enter the company's legal name."), MaxLength(300)])
    registration_number = StringField("Registration number", validators=[Optional(), MaxLength(100)])
    country = StringField(
        "Country", validators=[DataRequired("Enter the country (e.g. DK or Denmark)."), MaxLength(100)]
    )
    address = StringField("Address", validators=[Optional(), MaxLength(500)])
    zip_code = StringField("Postal code", validators=[Optional(), MaxLength(20)])
    city = StringField("City", validators=[Optional(), MaxLength(100)])
    state = StringField("State or region", validators=[Optional(), MaxLength(100)])
    support_email = EmailField(
        "Support e-mail",
        validators=[
            DataRequired("Enter the company's support e-mail."),
            MaxLength(320),
            Email("Enter a valid e-mail address."),
        ],
        filters=[fields.strip],
    )
    support_phone = StringField("Support phone", validators=[Optional(), MaxLength(50)])
    users = FieldList(FormField(UserRow), min_entries=USER_ROWS, max_entries=USER_ROWS)
    onboarding_user = RadioField(
        "Who goes through onboarding?",
        choices=[SelectChoice(str(index), f"User {index + 1}") for index in range(USER_ROWS)],
        default="0",
    )

    cases = FieldList(FormField(CaseFields), CASES_PREFIX, min_entries=0, max_entries=MAX_FIRST_CASES)

    # Shown only when the tenant id is already in the mirror: sending again is then a deliberate choice.
    for_existing = BooleanField("Send these details for the existing tenant")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for index, row in enumerate(self.users):
            row.form.name.label.text = f"User {index + 1} name"
            row.form.email.label.text = f"User {index + 1} e-mail"

    def fill_from(self, tenant: Tenant) -> None:
        """Start from what the mirror knows of a tenant, to complete what re-issuing its URL needs."""
        self.external_tenant_id.data = tenant.external_tenant_id
        self.name.data = tenant.company_name
        self.registration_number.data = tenant.registration_number
        self.country.data = tenant.country
        self.address.data = tenant.address
        self.zip_code.data = tenant.zip_code
        self.city.data = tenant.city
        self.state.data = tenant.region
        self.support_email.data = tenant.support_email
        self.support_phone.data = tenant.support_phone
        users = [user for user in tenant.users or [] if user.get("email")][:USER_ROWS]
        for row, user in zip(self.users, users, strict=False):
            row.form.name.data = user.get("name")
            row.form.email.data = user.get("email")
        flagged = [index for index, user in enumerate(users) if user.get("isOnboardingUser")]
        self.onboarding_user.data = str(flagged[0] if flagged else 0)
        self.for_existing.data = True
        typed = [
            entry.get("typed") or {}
            for entry in tenant.first_cases or []
            if entry.get("outcome") != first_cases.DROPPED
        ]
        self.cases.process(
            MultiDict(
                [
                    (f"{CASES_PREFIX}-{index}-{name}", value)
                    for index, values in enumerate(typed[:MAX_FIRST_CASES])
                    for name, value in values.items()
                    if value != ""
                ]
            )
        )

    def validate_external_tenant_id(self, field) -> None:
        if field.data != field.data.strip():
            raise ValidationError("Remove the spaces at the start or end: tenant ids are matched exactly.")

    def validate_country(self, field) -> None:
        if not COUNTRY.match(field.data.strip()):
            raise ValidationError("Use a two-letter ISO code (e.g. DK) or the full English name (e.g. Denmark).")

    def validate_users(self, field) -> None:
        filled = 0
        for row in field:
            if row.form.is_blank:
                continue
            filled += 1
            if not row.form.name.data:
                row.form.name.errors.append("Enter this user's name.")
            if not row.form.email.data:
                row.form.email.errors.append("Enter this user's e-mail.")
        if not filled:
            first = self.users[0].form.name
            first.errors = [*first.errors, "Enter at least one user: the person who completes onboarding."]
            raise ValidationError("At least one user is required.")
        if any(row.form.name.errors or row.form.email.errors for row in field):
            raise ValidationError("Check the users.")

    def onboarding_index(self) -> int | None:
        """The user row chosen for onboarding, or None when the posted value names no row."""
        value = self.onboarding_user.data
        return int(value) if value in {str(index) for index in range(USER_ROWS)} else None

    def validate_onboarding_user(self, field) -> None:
        index = self.onboarding_index()
        if index is None:
            field.errors[:] = []  # said better than the generic "Not a valid choice"
            raise ValidationError("Choose which of the users goes through onboarding.")
        if self.users[index].form.is_blank:
            raise ValidationError("Choose one of the users you filled in as the onboarding user.")

    def user_rows(self) -> list[int]:
        """Form row numbers of the users sent, in payload order (to place Debitura's `users[i]` errors)."""
        return [index for index, row in enumerate(self.users) if not row.form.is_blank]

    def to_request(self) -> ClientRequest:
        onboarding = self.onboarding_index()
        cases = [entry.form for entry in self.cases]
        users = [
            ClientUser(
                name=validated(self.users[index].form.name.data),
                email=validated(self.users[index].form.email.data),
                is_onboarding_user=index == onboarding,
            )
            for index in self.user_rows()
        ]
        return ClientRequest(
            external_tenant_id=validated(self.external_tenant_id.data),
            name=validated(self.name.data).strip(),
            country=validated(self.country.data).strip(),
            support_email=validated(self.support_email.data).strip(),
            users=users,
            registration_number=fields.optional_text(self.registration_number.data),
            address=fields.optional_text(self.address.data),
            zip_code=fields.optional_text(self.zip_code.data),
            city=fields.optional_text(self.city.data),
            state=fields.optional_text(self.state.data),
            support_phone=fields.optional_text(self.support_phone.data),
            cases=[case.to_draft() for case in cases],
            typed_cases=[case.typed_input() for case in cases],
        )

    def field_for_path(self, path: str):
        """The field a Debitura 400 path names (`client.country`, `users[1].email`), or None."""
        case = re.match(r"^cases\[(\d+)\]\.(.+)$", path, re.IGNORECASE)
        if case:
            index, wire = int(case[1]), case[2]
            if index >= len(self.cases.entries):
                return None
            name = WIRE_FIELDS.get(wire) or next((n for w, n in WIRE_FIELDS.items() if w.lower() == wire.lower()), None)
            return getattr(self.cases.entries[index].form, name, None) if name else None
        key = path.lower()
        if key.startswith("client."):
            key = key[len("client.") :]
        match = re.match(r"^users\[(\d+)\]\.(name|email)$", key)
        if match:
            rows = self.user_rows()
            index = int(match[1])
            return getattr(self.users[rows[index]].form, match[2]) if index < len(rows) else None
        simple = {
            "externaltenantid": self.external_tenant_id,
            "name": self.name,
            "registrationnumber": self.registration_number,
            "country": self.country,
            "address": self.address,
            "zipcode": self.zip_code,
            "city": self.city,
            "state": self.state,
            "supportemail": self.support_email,
            "supportphone": self.support_phone,
        }
        return simple.get(key)
