"""Send a supporting file to a case, straight from the operator's upload to Debitura.

The file is streamed from Werkzeug's spooled request file (memory, or a temporary file that
disappears with the request): the dashboard keeps no copy. Debitura's limits are checked here
first (and in the browser before that): at most 25 MB and one of its ten extensions.
"""

from __future__ import annotations

import os
import uuid
from typing import BinaryIO

from sqlalchemy import select

from dashboard.authz import Actor, ensure_role
from dashboard.debitura import (
    DebituraClient,
    DebituraError,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from dashboard.extensions import db
from dashboard.models import Case, CaseFileUpload
from dashboard.models.base import now_utc
from dashboard.services import audit
from dashboard.services.errors import UploadRejected

MAX_BYTES = 25 * 1024 * 1024
ALLOWED_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "csv", "txt", "jpg", "jpeg", "png")
ALLOWED_LIST = ", ".join(f".{extension}" for extension in ALLOWED_EXTENSIONS)
MAX_NAME_LENGTH = 255  # the column's length, and more than common file systems allow


__all__ = ["UploadRejected"]


def new_key() -> str:
    return f"file-{uuid.uuid4()}"


def extension_of(file_name: str) -> str:
    return os.path.splitext(file_name or "")[1].lstrip(".").lower()


def check(file_name: str, size: int) -> None:
    """Debitura's file rules, worded for the operator."""
    if not (file_name or "").strip():
        raise UploadRejected("Choose a file to upload.")
    if len(file_name) > MAX_NAME_LENGTH:
        raise UploadRejected(
            f"The file name is {len(file_name)} characters long; rename the file to at most "
            f"{MAX_NAME_LENGTH} characters and choose it again."
        )
    if any(ord(character) < 32 or ord(character) == 127 for character in file_name):
        raise UploadRejected("The file name contains control characters; rename the file and choose it again.")
    if extension_of(file_name) not in ALLOWED_EXTENSIONS:
        raise UploadRejected(f"Debitura does not accept this file type. Allowed: {ALLOWED_LIST}.")
    if size <= 0:
        raise UploadRejected("The file is empty.")
    if size > MAX_BYTES:
        raise UploadRejected(f"The file is {size / 1024 / 1024:.1f} MB; Debitura accepts at most 25 MB.")


def case_is_closed(case_id: str) -> bool:
    mirrored = db.session.get(Case, case_id)
    return mirrored is not None and mirrored.is_closed


def files_for(case_id: str) -> list[CaseFileUpload]:
    return list(
        db.session.scalars(
            select(CaseFileUpload).where(CaseFileUpload.case_id == case_id).order_by(CaseFileUpload.created_at.desc())
        )
    )


def _refusal(error: DebituraError) -> str:
    if isinstance(error, PayloadTooLarge):
        return "Debitura refused the file as too large (413): files may be at most 25 MB."
    if isinstance(error, UnsupportedMediaType):
        return f"Debitura refused the file type (415). Allowed: {ALLOWED_LIST}."
    if isinstance(error, NotFound):
        return "Debitura does not know this case as one of our clients' cases (404); check the case and try again."
    return error.user_message


def upload(
    case_id: str,
    *,
    file_name: str,
    stream: BinaryIO,
    size: int,
    idempotency_key: str,
    send_chat_notification: bool = True,
    content_type: str | None = None,
    actor: Actor,
    debitura: DebituraClient,
) -> CaseFileUpload:
    """Send one file; the same key sent again (a retry) never uploads it twice.

    Raises UploadRejected for a file Debitura cannot take (checked here, or its 413/415/404), and
    DebituraError when Debitura could not be reached: the row stays `failed`, a retry reuses the key.
    """
    ensure_role("operator", actor)
    check(file_name, size)
    if case_is_closed(case_id):
        raise UploadRejected("The case is closed, so it takes no more files.")
    row = db.session.scalar(select(CaseFileUpload).where(CaseFileUpload.idempotency_key == idempotency_key))
    if row is not None and row.status == "uploaded":
        return row  # a double submit of a finished upload
    if row is not None and row.case_id != case_id:
        raise UploadRejected("This upload form belongs to another case; reload the page.")
    if row is None:
        row = CaseFileUpload(idempotency_key=idempotency_key, case_id=case_id, file_name=file_name)
        db.session.add(row)
    row.file_name = file_name
    row.size_bytes = size
    row.send_chat_notification = send_chat_notification
    row.status = "sending"
    row.operator_id = actor.id
    row.operator_email = actor.email
    db.session.commit()
    try:
        uploaded = debitura.referral.upload_file(
            case_id,
            file_name=file_name,
            stream=stream,
            content_type=content_type,
            send_chat_notification=send_chat_notification,
            idempotency_key=idempotency_key,
        )
    except DebituraError as error:
        refused = isinstance(error, (PayloadTooLarge, UnsupportedMediaType, NotFound))
        row.status = "failed"
        row.last_error = _refusal(error)
        audit.record(
            "file.upload",
            outcome=audit.REFUSED if refused else audit.FAILED,
            summary=f"{file_name}: {row.last_error}",
            case_id=case_id,
            debitura_status=error.http_status,
            idempotency_key=idempotency_key,
            operator=actor,
            commit=False,
        )
        db.session.commit()
        if refused:
            raise UploadRejected(row.last_error) from error
        raise
    row.status = "uploaded"
    row.debitura_file_id = uploaded.id
    row.last_error = None
    row.uploaded_at = uploaded.date_created or now_utc()
    chat = "with" if send_chat_notification else "without"
    audit.record(
        "file.upload",
        outcome=audit.OK,
        summary=f"{file_name} ({size / 1024:.0f} KB) uploaded {chat} chat notification",
        case_id=case_id,
        debitura_status=200,
        idempotency_key=idempotency_key,
        operator=actor,
        commit=False,
    )
    db.session.commit()
    return row
