"""The audit page's filter: a GET form, so every search is a shareable URL."""

from __future__ import annotations

from wtforms import DateField, SearchField, SelectField, StringField
from wtforms.validators import Optional, ValidationError

from dashboard.forms import DashboardForm, MaxLength
from dashboard.services.audit import OUTCOMES, AuditFilter


class AuditFilterForm(DashboardForm):
    class Meta:
        csrf = False  # a search changes nothing

    q = SearchField("Search", validators=[Optional(), MaxLength(200)])
    operator = StringField("Operator e-mail", validators=[Optional(), MaxLength(320)])
    action = SelectField("Action", choices={"": "Any action"}, validate_choice=False)
    # Unknown values are ignored by to_filter rather than reported: a stale link should still show the trail.
    outcome = SelectField(
        "Outcome", choices={"": "Any outcome", **{value: value for value in OUTCOMES}}, validate_choice=False
    )
    tenant = StringField("Tenant id", validators=[Optional(), MaxLength(255)])
    case = StringField("Case id", validators=[Optional(), MaxLength(64)])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(
                "The end date is before the start date, so it is left out: only the start date filters. "
                "Swap the dates or change one."
            )

    def set_actions(self, actions: list[str]) -> None:
        """Every recorded action, plus one "all of a kind" choice per prefix (e.g. "webhook.")."""
        prefixes = sorted({action.split(".")[0] + "." for action in actions if "." in action})
        self.action.choices = {"": "Any action", **{p: f"{p}*" for p in prefixes}, **{a: a for a in actions}}

    def to_filter(self) -> AuditFilter:
        """The valid part of the input as a filter; a field that failed validation does not filter."""

        def value(field):
            return None if field.errors else field.data

        return AuditFilter(
            text=(value(self.q) or "").strip(),
            operator=(value(self.operator) or "").strip(),
            action=(value(self.action) or "").strip(),
            outcome=value(self.outcome) if value(self.outcome) in OUTCOMES else "",
            tenant=(value(self.tenant) or "").strip(),
            case=(value(self.case) or "").strip(),
            since=value(self.since),
            until=value(self.until),
        )
