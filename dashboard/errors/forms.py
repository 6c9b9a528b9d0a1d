"""Debitura's refusals shown on the form that caused them: field errors beside their fields, the rest on top.

Every form that sends something to Debitura catches the refusals it can explain this way, so the
operator's input stays and each message sits next to what it concerns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from wtforms import Field, Form

from dashboard.debitura.errors import DebituraError, InvalidRequest
from dashboard.errors.handlers import debitura_message

# A Debitura field path (`debtor.countryAlpha2`, `users[1].email`) -> the form field it concerns, or None.
FieldLookup = Callable[[str], Field | None]


def by_wire_name(form: Form, wire_fields: Mapping[str, str]) -> FieldLookup:
    """Look paths up in a {Debitura path: form field name} table; `items[2]` matches `items`."""

    def lookup(path: str) -> Field | None:
        name = wire_fields.get(path) or wire_fields.get(path.split("[", 1)[0])
        return getattr(form, name, None) if name else None

    return lookup


def show_debitura_error(
    form: Form, error: DebituraError, fields: Mapping[str, str] | FieldLookup, *, prefix: str = ""
) -> None:
    """Put a refusal on `form`: a 400's field errors on their fields (`prefix` before each), anything else on top."""
    field_errors = error.field_errors if isinstance(error, InvalidRequest) else {}
    lookup = fields if callable(fields) else by_wire_name(form, fields)
    for path, messages in field_errors.items():
        messages = [messages] if isinstance(messages, str) else list(messages)
        target = lookup(path)
        if target is None:
            form.form_errors.extend(f"{path}: {message}" if path else message for message in messages)
        else:
            target.errors = [*target.errors, *(prefix + message for message in messages)]
    if not field_errors:
        form.form_errors.append(debitura_message(error))
