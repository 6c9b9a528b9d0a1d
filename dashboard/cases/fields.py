"""Form fields and rules shared by the case form and the pricing form, worded for operators.

Each rule mirrors one Debitura documents, so the operator sees the problem next to the field
before anything is sent; Debitura checks again and its 400s land on the same fields.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from wtforms import DateField, DecimalField, RadioField, SelectField
from wtforms.validators import StopValidation, ValidationError

from dashboard import debitura_day
from dashboard.cases import reference

MAX_AMOUNT = Decimal("1000000000000")


def today() -> date:
    """The day Debitura counts as today (its clock, in UTC)."""
    return debitura_day.today().debitura


class AmountField(DecimalField):
    """A money amount typed as text and kept exact: never a float."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip().replace(" ", "")
        if not text:
            self.data = None
            return
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError("Enter an amount such as 1250.00 (digits, a dot for decimals, no thousands separators).") from None
        if not value.is_finite():
            self.data = None
            raise ValueError("Enter an amount such as 1250.00.")
        self.data = value


class CalendarField(DateField):
    """A date input whose parse error says what to type."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a date as YYYY-MM-DD.") from None


def _typed_something(field) -> bool:
    return bool(field.raw_data and (field.raw_data[0] or "").strip())


def present(message: str):
    """Required, but a value that could not be read keeps its own, more precise error."""

    def check(form, field):
        if field.data is None or (isinstance(field.data, str) and not field.data.strip()):
            if _typed_something(field) and field.errors:
                raise StopValidation()
            field.errors[:] = []
            raise StopValidation(message)

    return check


def optional():
    """Empty is fine (and clears a parse error for an empty input); anything typed is checked."""

    def check(form, field):
        if not _typed_something(field):
            field.errors[:] = []
            raise StopValidation()

    return check


def amount_rules(required_message: str):
    def check(form, field):
        present(required_message)(form, field)
        if field.data <= 0:
            raise StopValidation("The amount must be more than 0.")
        if field.data >= MAX_AMOUNT:
            raise StopValidation("That amount is too large to be a real claim; check the digits.")
        if -field.data.as_tuple().exponent > 2:
            raise StopValidation("Use at most two decimals.")

    return check


def one_of(codes, message: str):
    def check(form, field):
        if field.data not in codes:
            raise StopValidation(message)

    return check


def not_in_future(label: str):
    def check(form, field):
        judged = debitura_day.today()
        if field.data is not None and field.data > judged.debitura:
            raise ValidationError(judged.refusal(label))

    return check


def currency_field(label: str = "Currency") -> SelectField:
    return SelectField(
        label,
        choices=reference.currency_choices(),
        validate_choice=False,
        validators=[one_of(reference.CURRENCIES, "Choose the currency of the claim (ISO 4217, e.g. EUR).")],
    )


def debtor_type_field() -> RadioField:
    return RadioField(
        "Debtor type",
        choices=dict(reference.DEBTOR_TYPES),
        validate_choice=False,
        validators=[one_of(("Company", "Private"), "Say whether the debtor is a company or a private person.")],
    )


def country_field(label: str = "Debtor country") -> SelectField:
    return SelectField(
        label,
        choices=reference.country_choices(),
        validate_choice=False,
        validators=[one_of(reference.COUNTRIES, "Choose the debtor's country.")],
    )


def state_field(label: str = "US state") -> SelectField:
    return SelectField(label, choices=reference.state_choices(), validate_choice=False)


def check_us_state(country: str | None, state: str | None) -> None:
    """Debitura needs the state for debtors in the United States (its partners cover states, not the country)."""
    if country == "US":
        if not state:
            raise ValidationError("Choose the US state: Debitura requires it for debtors in the United States.")
        if state not in reference.US_STATES:
            raise ValidationError("Choose a US state from the list.")


def strip(value):
    """Field filter: surrounding spaces are never part of a value."""
    return value.strip() if isinstance(value, str) else value


def optional_text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
