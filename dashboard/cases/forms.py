"""The manual case form: every field rule Debitura documents for POST /cases, checked before sending."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, Form, StringField, TextAreaField
from wtforms.validators import Email, ValidationError

from dashboard.cases import fields
from dashboard.forms import DashboardForm, IdempotencyKeyField, MaxLength, validated
from dashboard.services import return_urls, submissions
from dashboard.services.submissions import CaseDraft, DebtorDraft

# Debitura's field paths (its 400 bodies) → the form's fields.
WIRE_FIELDS = {
    "currencyCode": "currency_code",
    "amountToRecover": "amount_to_recover",
    "date": "invoice_date",
    "dueDate": "due_date",
    "creditorReference": "creditor_reference",
    "claimDescription": "claim_description",
    "comments": "comments",
    "returnUrl": "return_url",
    "debtor.type": "debtor_type",
    "debtor.name": "debtor_name",
    "debtor.contactPerson": "debtor_contact_person",
    "debtor.companyRegistrationNumber": "debtor_registration_number",
    "debtor.address": "debtor_address",
    "debtor.zipCode": "debtor_zip_code",
    "debtor.city": "debtor_city",
    "debtor.countryAlpha2": "debtor_country",
    "debtor.country": "debtor_country",
    "debtor.stateAlpha2": "debtor_state",
    "debtor.state": "debtor_state",
    "debtor.email": "debtor_email",
    "debtor.phone": "debtor_phone",
}
# Fields that are not part of what the operator typed.
_CONTROL_FIELDS = ("csrf_token", "idempotency_key")


class CaseFields(Form):
    """One case's fields and rules: the manual case form, and each first case of a new client."""

    currency_code = fields.currency_field()
    amount_to_recover = fields.AmountField(
        "Amount to recover",
        validators=[fields.amount_rules("Enter the total principal amount to recover.", "currency_code")],
    )
    invoice_date = fields.CalendarField(
        "Invoice date", validators=[fields.present("Enter the invoice date."), fields.not_in_future("The invoice date")]
    )
    due_date = fields.CalendarField("Due date", validators=[fields.optional(), fields.not_in_future("The due date")])
    creditor_reference = StringField("Creditor reference", validators=[MaxLength(50)])
    claim_description = TextAreaField("Claim description", validators=[MaxLength(4000)])
    comments = TextAreaField("Comments for the collector", validators=[MaxLength(4000)])

    debtor_type = fields.debtor_type_field()
    debtor_name = StringField(
        "Debtor name",
        validators=[
            fields.present("Enter the debtor's legal name (company name or the person's full name)."),
            MaxLength(300),
        ],
    )
    debtor_contact_person = StringField("Contact person", validators=[MaxLength(200)])
    debtor_registration_number = StringField("Registration or VAT number", validators=[MaxLength(100)])
    debtor_address = StringField("Street address", validators=[MaxLength(500)])
    debtor_zip_code = StringField("Postal code", validators=[MaxLength(20)])
    debtor_city = StringField("City", validators=[MaxLength(100)])
    debtor_country = fields.country_field()
    debtor_state = fields.state_field()
    debtor_email = EmailField(
        "Debtor e-mail",
        validators=[
            fields.optional(),
            Email(message="Enter a valid e-mail address, e.g. billing@debtor.example."),
            MaxLength(320),
        ],
    )
    debtor_phone = StringField("Debtor phone", validators=[MaxLength(50)])

    allow_pending_contracts = BooleanField("Accept the case while contracts are unsigned", default=True)
    is_test = BooleanField("Test case (validated and stored, never collected)")
    return_url = StringField("Return URL after signing", validators=[fields.optional()])

    def __init__(self, *args, tenant_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._tenant_id = tenant_id  # None: no client's existing references to check against (a new client)

    def validate_due_date(self, field):
        if field.data and self.invoice_date.data and field.data < self.invoice_date.data:
            raise ValidationError("The due date cannot be before the invoice date.")

    def validate_debtor_state(self, field):
        fields.check_us_state(self.debtor_country.data, field.data)

    def validate_creditor_reference(self, field):
        if self._tenant_id is None or not (field.data or "").strip():
            return
        used_by = submissions.reference_in_use(self._tenant_id, field.data)
        if used_by:
            raise ValidationError(
                f"Case {used_by} of this client already uses this reference; references must be unique."
            )

    def validate_return_url(self, field):
        try:
            field.data = return_urls.validate(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from None

    def typed_input(self) -> dict[str, str]:
        """What the operator typed, field by field, to show again later exactly as typed."""
        typed = {}
        for field in self:
            if field.short_name in _CONTROL_FIELDS:
                continue
            typed[field.short_name] = field.raw_data[0] if field.raw_data else ""
        return typed

    def to_draft(self) -> CaseDraft:
        text = fields.optional_text
        country = self.debtor_country.data
        return CaseDraft(
            currency=self.currency_code.data,
            amount=self.amount_to_recover.data,
            invoice_date=validated(self.invoice_date.data),
            due_date=self.due_date.data,
            creditor_reference=text(self.creditor_reference.data),
            claim_description=text(self.claim_description.data),
            comments=text(self.comments.data),
            debtor=DebtorDraft(
                type=self.debtor_type.data,
                name=validated(self.debtor_name.data).strip(),
                country=country,
                state=self.debtor_state.data if country == "US" else None,
                contact_person=text(self.debtor_contact_person.data),
                registration_number=text(self.debtor_registration_number.data),
                address=text(self.debtor_address.data),
                zip_code=text(self.debtor_zip_code.data),
                city=text(self.debtor_city.data),
                email=text(self.debtor_email.data),
                phone=text(self.debtor_phone.data),
            ),
            allow_pending_contracts=bool(self.allow_pending_contracts.data),
            is_test=bool(self.is_test.data),
            return_url=text(self.return_url.data),
        )


class CaseForm(DashboardForm, CaseFields):
    """The manual case form: one case for an existing tenant, sent under its Idempotency-Key."""

    idempotency_key = IdempotencyKeyField()
