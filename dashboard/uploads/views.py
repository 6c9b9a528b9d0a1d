"""Uploading a supporting file to a case: an XMLHttpRequest with a progress bar, or a plain form without JavaScript."""

from __future__ import annotations

import os

from flask import flash, jsonify, redirect, request, url_for
from flask_login import current_user

from dashboard.authz import role_required
from dashboard.debitura import DebituraError
from dashboard.errors.handlers import debitura_message
from dashboard.htmx import render
from dashboard.services import uploads
from dashboard.uploads import bp
from dashboard.uploads.forms import UploadForm
from dashboard.wiring import debitura


def _wants_json() -> bool:
    """The progress-bar script asks for JSON; the plain form gets pages."""
    return request.accept_mimetypes.best == "application/json"


def _size_of(stream) -> int:
    position = stream.tell()
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def _upload_page(case_id: str, form: UploadForm, status: int = 200):
    return render(
        "uploads/upload.html",
        status=status,
        case_id=case_id,
        form=form,
        max_bytes=uploads.MAX_BYTES,
        allowed=uploads.ALLOWED_EXTENSIONS,
        closed=uploads.case_is_closed(case_id),
    )


def _answer_invalid(case_id: str, form: UploadForm, message: str):
    if _wants_json():
        return jsonify(ok=False, message=message, retry=False), 422
    return _upload_page(case_id, form, 422)


@bp.get("/<debitura_id:case_id>/files")
@role_required("viewer")
def files(case_id: str):
    """The files this dashboard sent to the case (Debitura offers no file listing)."""
    return render("uploads/files.html", block="case_files", case_id=case_id, files=uploads.files_for(case_id))


@bp.route("/<debitura_id:case_id>/files/new", methods=["GET", "POST"])
@role_required("operator")
def upload(case_id: str):
    """Send one file to the case; a retry with the same form key never uploads twice."""
    form = UploadForm()
    if not form.idempotency_key.data:  # a fresh form, or a posted key the dashboard did not make
        form.idempotency_key.data = uploads.new_key()
    if request.method == "GET":
        return _upload_page(case_id, form)
    if not form.validate():
        first = next((error for field in form for error in field.errors), "Check the form.")
        return _answer_invalid(case_id, form, first)
    storage = form.file.data
    file_name = os.path.basename(storage.filename or "")
    try:
        row = uploads.upload(
            case_id,
            file_name=file_name,
            stream=storage.stream,
            size=_size_of(storage.stream),
            content_type=storage.mimetype or None,
            send_chat_notification=form.send_chat_notification.data,
            idempotency_key=form.idempotency_key.data,
            actor=current_user,
            debitura=debitura(),
        )
    except uploads.UploadRejected as error:
        form.file.errors = [str(error)]
        return _answer_invalid(case_id, form, str(error))
    except DebituraError as error:
        message = f"{debitura_message(error)} The file was not confirmed; retrying sends it once, never twice."
        if _wants_json():
            return jsonify(ok=False, message=message, retry=True), 502
        form.file.errors = [message]
        return _upload_page(case_id, form, 502)
    finally:
        storage.close()  # the spooled copy goes now, not whenever the request is collected
    message = f"{row.file_name} was uploaded to the case."
    if _wants_json():
        # The next file needs its own key; this one now names a finished upload.
        return jsonify(ok=True, message=message, file_name=row.file_name, next_key=uploads.new_key())
    flash(message, "success")
    return redirect(url_for("cases.detail", case_id=case_id), 303)
