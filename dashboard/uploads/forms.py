"""The upload form; the browser checks the same limits before sending (static/js/uploads.js)."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField

from dashboard.forms import DashboardForm, IdempotencyKeyField
from dashboard.services.uploads import ALLOWED_EXTENSIONS, ALLOWED_LIST, MAX_BYTES


class UploadForm(DashboardForm):
    idempotency_key = IdempotencyKeyField()
    file = FileField(
        "File",
        validators=[
            FileRequired("Choose a file to upload."),
            FileAllowed(ALLOWED_EXTENSIONS, f"Debitura does not accept this file type. Allowed: {ALLOWED_LIST}."),
            FileSize(max_size=MAX_BYTES, message="The file is larger than 25 MB, the most Debitura accepts."),
        ],
    )
    send_chat_notification = BooleanField("Tell the collection partner in the case chat", default=True)
