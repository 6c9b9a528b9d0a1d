"""Form fields and rules shared by the case form and the pricing form, worded for operators.

Each rule mirrors one Debitura documents, so the operator sees the problem next to the field
before anything is sent; Debitura checks again and its 400s land on the same fields.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from wtforms import DateField, Field, RadioField, SelectField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import TextInput

from dashboard import debitura_day, money
from dashboard.cases import reference

MAX_AMOUNT = Decimal("1000000000000")


def today() -> date:
    """The day Debitura counts as today (its clock, in UTC)."""
    return debitura_day.today().debitura


class AmountField(Field):
    """A money amount typed as text and kept exact (never a float), with either decimal mark.

    A text input rather than `type=number`: browsers drop a decimal comma from a number input
    (1234,56 arrives as 123456), so the server reads what was typed and refuses what it cannot read
    for certain (dashboard.money.parse_amount).
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        render_kw = {"inputmode": "decimal", "autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:f}"

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = money.parse_amount(text)
        except money.AmountError as error:
            self.data = None
            raise ValueError(str(error)) from None


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


def amount_rules(required_message: str, currency_field: str):
    """More than 0, below the plausible maximum, and no more decimals than the form's currency has."""

    def check(form, field):
        present(required_message)(form, field)
        if field.data <= 0:
            raise StopValidation("The amount must be more than 0.")
        if field.data >= MAX_AMOUNT:
            raise StopValidation("That amount is too large to be a real claim; check the digits.")
        currency_decimals(form[currency_field].data, field)

    return check


def currency_decimals(currency: str | None, field) -> None:
    """Refuse more decimals than the currency has; before a currency is chosen its own error speaks."""
    if currency not in reference.CURRENCIES or field.data is None:
        return
    try:
        money.check_decimals(field.data, currency)
    except money.AmountError as error:
        raise StopValidation(str(error)) from None


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
