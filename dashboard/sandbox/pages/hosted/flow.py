"""What the hosted flows share: the returnUrl carried through each flow, the end of a flow, and
reading a signing code or a director's identity from a form."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from flask import redirect, render_template, request
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from dashboard.sandbox import clock, domain, validation
from dashboard.sandbox.errors import ValidationFailed

SIGNING_CODE = re.compile(r"^\d{6}$")


def return_url_arg() -> str | None:
    return validation.clean_return_url(request.args.get("returnUrl"))


def finish(return_url: str | None, title: str, message: str) -> BaseResponse | str:
    """The end of a flow: back to the partner's app with completed=true, or a plain done page."""
    if return_url:
        return redirect(domain.with_completed_flag(return_url), code=303)
    return render_template("sandbox/done.html", title=title, message=message, completed=True)


def flow_query(**args: str | None) -> dict[str, Any]:
    """Query arguments for the next step, keeping the returnUrl."""
    return {key: value for key, value in {**args, "returnUrl": return_url_arg()}.items() if value}


def code_error(form: Mapping[str, str]) -> str | None:
    code = form.get("code", "").strip()
    return None if SIGNING_CODE.match(code) else "Enter the six-digit code we sent you."


def kyc_from_form(s: Session, form: Mapping[str, str]) -> tuple[validation.KycInput | None, dict[str, str]]:
    payload = {
        "directorFullName": form.get("director_full_name", "").strip(),
        "directorHomeAddress": form.get("director_home_address", "").strip(),
        "directorDateOfBirth": form.get("director_date_of_birth", "").strip(),
    }
    try:
        return validation.parse_kyc(payload, clock.now(s).date()), {}
    except ValidationFailed as failure:
        fields = {
            "directorfullname": "director_full_name",
            "directorhomeaddress": "director_home_address",
            "directordateofbirth": "director_date_of_birth",
        }
        errors = {}
        for key, messages in failure.fields.items():
            errors[fields.get(key.lower(), "director_full_name")] = " ".join(messages)
        return None, errors
