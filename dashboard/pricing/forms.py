"""The standalone pricing form: amount, currency, debtor location, and the debt's age one way or the other."""

from __future__ import annotations

from wtforms import RadioField

from dashboard import money
from dashboard.cases import fields, reference
from dashboard.forms import DashboardForm
from dashboard.services.pricing import AgeBuckets, PricingInput

AGE_MODES = {
    "none": "No age information (base price)",
    "due_date": "One invoice: its due date",
    "buckets": "Several invoices: amounts by age",
}


class PricingForm(DashboardForm):
    # A read-only lookup sent with GET, so viewers may use it and links can be shared.
    class Meta:
        csrf = False

    amount = fields.AmountField(
        "Amount to recover", validators=[fields.amount_rules("Enter the amount to recover.", "currency")]
    )
    currency = fields.currency_field()
    debtor_type = fields.debtor_type_field()
    country = fields.country_field()
    state = fields.state_field()
    age_mode = RadioField("Age of the debt", choices=dict(AGE_MODES), default="none", validate_choice=False)
    due_date = fields.CalendarField("Due date", validators=[fields.optional(), fields.not_in_future("The due date")])
    over_6_months = fields.AmountField("Overdue more than 6 months", validators=[fields.optional()])
    over_12_months = fields.AmountField("Overdue more than 12 months", validators=[fields.optional()])
    over_24_months = fields.AmountField("Overdue more than 24 months", validators=[fields.optional()])

    def validate_state(self, field):
        fields.check_us_state(self.country.data, field.data)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Rules across fields run after every field has been read; empty optional fields skip their own chain.
        for field, message in self._age_problems():
            field.errors = [*field.errors, message]
            valid = False
        return valid

    def _age_problems(self):
        mode = self.age_mode.data
        if mode not in AGE_MODES:
            yield self.age_mode, "Choose how to describe the age of the debt."
            return
        over_6, over_12, over_24 = self.over_6_months, self.over_12_months, self.over_24_months
        has_buckets = any(f.data is not None for f in (over_6, over_12, over_24))
        if mode == "due_date" and has_buckets or mode == "buckets" and self.due_date.data:
            yield self.age_mode, "Give a due date or amounts by age, not both: Debitura accepts one or the other."
        if mode == "due_date" and self.due_date.data is None and not self.due_date.errors:
            yield self.due_date, "Enter the invoice's due date, or choose another way to describe the age."
        if mode != "buckets":
            return
        if over_12.data is None or over_24.data is None:
            missing = over_12 if over_12.data is None else over_24
            if not missing.errors:
                yield missing, "Give the amounts overdue more than 12 and more than 24 months together (0 is fine)."
        for field in (over_6, over_12, over_24):
            if field.data is None or field.errors:
                continue
            if field.data < 0:
                yield field, "Amounts by age cannot be negative."
            elif (problem := self._decimals_problem(field)) is not None:
                yield field, problem
            elif self.amount.data is not None and field.data > self.amount.data:
                yield field, "A part of the amount cannot be larger than the amount to recover."
        if over_12.data is not None and over_24.data is not None and over_24.data > over_12.data:
            yield over_24, "The amount over 24 months is part of the amount over 12 months, so it cannot be larger."
        if over_6.data is not None and over_12.data is not None and over_6.data < over_12.data:
            yield over_6, "The amount over 6 months includes the amount over 12 months, so it cannot be smaller."

    def _decimals_problem(self, field) -> str | None:
        try:
            money.check_decimals(field.data, self.currency.data if self.currency.data in reference.CURRENCIES else None)
        except money.AmountError as error:
            return str(error)
        return None

    def to_input(self) -> PricingInput:
        buckets = None
        if self.age_mode.data == "buckets":
            buckets = AgeBuckets(
                over_12_months=self.over_12_months.data,
                over_24_months=self.over_24_months.data,
                over_6_months=self.over_6_months.data,
            )
        return PricingInput(
            amount=self.amount.data,
            currency=self.currency.data,
            debtor_type=self.debtor_type.data,
            country=self.country.data,
            state=self.state.data if self.country.data == "US" else None,
            due_date=self.due_date.data if self.age_mode.data == "due_date" else None,
            buckets=buckets,
        )
