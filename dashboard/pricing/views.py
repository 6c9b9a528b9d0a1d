"""The standalone pricing preview: what Debitura would charge for a case, before any client exists."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from dashboard.authz import role_required
from dashboard.debitura import DebituraError
from dashboard.errors.forms import show_debitura_error
from dashboard.htmx import render
from dashboard.pricing import bp
from dashboard.pricing.forms import PricingForm
from dashboard.services import pricing
from dashboard.wiring import debitura

# Debitura's field paths → this form's fields, for its 400 answers.
WIRE_FIELDS = {
    "amountToRecover": "amount",
    "currencyCode": "currency",
    "debtor.type": "debtor_type",
    "debtor.countryAlpha2": "country",
    "debtor.stateAlpha2": "state",
    "dueDate": "due_date",
    "amountToRecoverOver6Months": "over_6_months",
    "amountToRecoverOver12Months": "over_12_months",
    "amountToRecoverOver24Months": "over_24_months",
}


@bp.get("/")
@role_required("viewer")
def preview():
    """Price a case by amount, currency, debtor location and age; a GET form, so any link reproduces it."""
    asked = bool(request.args)
    form = PricingForm(formdata=request.args if asked else None)
    quote = None
    status = 200
    if asked:
        if form.validate():
            try:
                quote = pricing.preview(form.to_input(), actor=current_user, debitura=debitura())
            except DebituraError as error:
                show_debitura_error(form, error, WIRE_FIELDS)
                status = 422
        else:
            status = 422
    return render("pricing/preview.html", block="pricing_panel", form=form, quote=quote, status=status)
