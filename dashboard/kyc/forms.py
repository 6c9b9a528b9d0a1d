"""The director KYC form: Debitura's field rules, plus a date of birth that belongs to a plausible adult."""

from __future__ import annotations

from datetime import date

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import ValidationError

from dashboard.cases import fields
from dashboard.forms import DashboardForm, IdempotencyKeyField, MaxLength, validated
from dashboard.services.kyc import KycInput

ADULT_AGE = 18
OLDEST_AGE = 120


def years_between(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class KycForm(DashboardForm):
    idempotency_key = IdempotencyKeyField()
    director_full_name = StringField(
        "Director's full name",
        filters=[fields.strip],
        validators=[fields.present("Enter the director's full name."), MaxLength(500)],
    )
    director_home_address = TextAreaField(
        "Director's home address",
        filters=[fields.strip],
        validators=[fields.present("Enter the director's home address."), MaxLength(1000)],
    )
    director_date_of_birth = fields.CalendarField(
        "Director's date of birth", validators=[fields.present("Enter the director's date of birth.")]
    )
    send_chat_notification = BooleanField(
        "Tell the collection partners on the client's open cases (chat message)", default=True
    )

    def validate_director_date_of_birth(self, field):
        today = fields.today()
        if field.data >= today:
            raise ValidationError("The date of birth must be in the past.")
        age = years_between(field.data, today)
        if age < ADULT_AGE:
            raise ValidationError(f"A director must be an adult: this date makes them {age}.")
        if age > OLDEST_AGE:
            raise ValidationError("Check the year: this date makes the director older than 120.")

    def to_input(self) -> KycInput:
        return KycInput(
            director_full_name=validated(self.director_full_name.data),
            director_home_address=validated(self.director_home_address.data),
            director_date_of_birth=validated(self.director_date_of_birth.data),
            send_chat_notification=bool(self.send_chat_notification.data),
        )
