"""The base of every dashboard form, and the hidden field that carries a form's Idempotency-Key.

Typed text with control characters (a NUL byte above all) can be neither stored in PostgreSQL nor
sent to Debitura, so the base form removes them before any validator or service sees the value and
refuses the submission with a message on that field. The operator sees the cleaned value and decides.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TypeVar

from flask_wtf import FlaskForm
from wtforms import Field, FieldList, FormField, HiddenField
from wtforms.validators import ValidationError

# C0 controls and DEL, except tab, line feed and carriage return (text areas keep their lines).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = (
    "This contained invisible control characters (such as NUL); they were removed. Check the value and send again."
)

# What a key may look like: the dashboard mints `<purpose>-<uuid4>`; Debitura takes at most 255 characters,
# and a header value must be plain printable text.
KEY_SHAPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,254}$")

T = TypeVar("T")


def validated(data: T | None) -> T:
    """A required field's value once its form has validated: present by then, whatever a field's type allows."""
    if data is None:
        raise ValueError("a required field was read before its form validated")
    return data


def _text_fields(fields: Iterable[Field]) -> Iterator[Field]:
    """Every field holding typed text, inside field lists and sub-forms too."""
    for field in fields:
        if isinstance(field, FieldList):
            yield from _text_fields(field)
        elif isinstance(field, FormField):
            yield from _text_fields(field.form)
        elif isinstance(field.data, str):
            yield field


class MaxLength:
    """At most `limit` characters, refused with the field's name, the limit and the length typed.

    Unlike WTForms' Length it gives the input no `maxlength` attribute: a browser silently cuts a
    pasted value to that length and sends the rest as if it were complete.
    """

    def __init__(self, limit: int, name: str | None = None) -> None:
        self.limit = limit
        self.name = name

    def __call__(self, form, field) -> None:
        length = len(field.data or "")
        if length > self.limit:
            name = self.name or field.label.text
            raise ValidationError(f"{name} can be at most {self.limit:,} characters; this one has {length:,}.")


class DashboardForm(FlaskForm):
    """A FlaskForm that refuses control characters in text, at the field that has them."""

    def validate(self, extra_validators=None) -> bool:
        tainted = [field for field in _text_fields(self) if CONTROL_CHARACTERS.search(field.data)]
        for field in tainted:
            field.data = CONTROL_CHARACTERS.sub("", field.data)
        valid = super().validate(extra_validators)
        for field in tainted:
            field.errors = [*field.errors, CONTROL_MESSAGE]
        return valid and not tainted


class IdempotencyKeyField(HiddenField):
    """The key minted when the form was rendered, posted back so a double submit reuses it.

    A posted value that cannot be a key (too long, spaces, control characters) counts as none: the
    view mints a fresh one instead of sending a damaged value to Debitura or the database.
    """

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data and not KEY_SHAPE.match(self.data):
            self.data = None
