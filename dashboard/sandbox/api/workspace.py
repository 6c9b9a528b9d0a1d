"""The Customer API's case workspace (chats, tasks, team, timeline, payments, files, validation), under /customer-api.

Same bearer token and case scoping as the case endpoints: another client's case is a 404, a malformed
id a 400.
"""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from flask import Blueprint, Response, g, request
from sqlalchemy import func, select

from dashboard.sandbox import domain, workspace_wire
from dashboard.sandbox.api import Query, json_body, ok, rate_limit_headers
from dashboard.sandbox.api.customer import authenticate, own_case
from dashboard.sandbox.context import db
from dashboard.sandbox.errors import ApiError, ValidationFailed
from dashboard.sandbox.models import CaseFile, CaseFileLabel, CasePayment, CaseTask, ClientLink, CreditorUser
from dashboard.sandbox.wire import json_response

bp = Blueprint("customer_workspace", __name__)
bp.before_request(authenticate)
bp.after_request(rate_limit_headers)


def _creditor_id() -> str:
    return db().get_one(ClientLink, g.link_id).creditor_id


# --- chats -------------------------------------------------------------------------------------


@bp.get("/cases/<case_id>/chats")
def chats(case_id: str):
    case = own_case(case_id)
    return ok([workspace_wire.chat_dto(chat) for chat in domain.messages(db(), case.id)])


@bp.post("/cases/<case_id>/chats")
def send_chat(case_id: str):
    """SendChatRequest {message, userEmail | userId}: posted as that team member; solves ReplyToChat."""
    s = db()
    case = own_case(case_id)
    body = json_body()
    if not isinstance(body, dict):
        raise ValidationFailed.single("$", "A JSON object with 'message' and 'userEmail' is required.")
    message = body.get("message")
    if not isinstance(message, str) or not message.strip():
        raise ValidationFailed.single("Message", "The Message field is required.")
    if len(message) > domain.chats.MAX_MESSAGE:
        raise ValidationFailed.single(
            "Message", f"The Message field may hold at most {domain.chats.MAX_MESSAGE} characters."
        )
    email, user_id = body.get("userEmail"), body.get("userId")
    if not isinstance(email, str | None) or not isinstance(user_id, str | None):
        raise ValidationFailed.single("UserEmail", "UserEmail and UserId must be strings.")
    user = domain.team_member(s, case.creditor_id, email=email, user_id=user_id)
    chat = domain.post_creditor_message(s, case, message, user)
    s.commit()
    return ok(workspace_wire.chat_dto(chat))


# --- tasks -------------------------------------------------------------------------------------


def _task_filters(query: Query) -> tuple[str, list[str]]:
    status = query.text("status") or "Open"
    matched = next((name for name in domain.TASK_STATUSES if name.lower() == status.lower()), None)
    if matched is None:
        raise ApiError(400, "InvalidRequest", "status: use Open or Solved.")
    types = query.values("type")
    known = {name.lower(): name for name in domain.TASK_KINDS}
    unknown = [value for value in types if value.lower() not in known]
    if unknown:
        raise ApiError(400, "InvalidRequest", f"type: use one of {', '.join(domain.TASK_KINDS)}.")
    return matched, [known[value.lower()] for value in types]


def _task_query(creditor_id: str, status: str, types: list[str]) -> Any:
    query = select(CaseTask).where(CaseTask.creditor_id == creditor_id, CaseTask.status == status)
    return query.where(CaseTask.type.in_(types)) if types else query


@bp.get("/cases/<case_id>/tasks")
def case_tasks(case_id: str):
    """The case's tasks (no paging); account-level tasks never appear here."""
    case = own_case(case_id)
    status, types = _task_filters(Query())
    query = _task_query(case.creditor_id, status, types).where(CaseTask.case_id == case.id)
    tasks = db().scalars(query.order_by(CaseTask.date_created, CaseTask.id))
    return ok([workspace_wire.task_dto(task, domain.urls(db())) for task in tasks])


@bp.get("/tasks")
def tasks():
    """Every task of the account, newest first; Page from 1, PageSize 10 by default and at most 100."""
    s = db()
    query_args = Query()
    status, types = _task_filters(query_args)
    page = query_args.integer("Page", 1)
    page_size = query_args.integer("PageSize", 10, maximum=100)
    query = _task_query(_creditor_id(), status, types)
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = list(
        s.scalars(
            query.order_by(CaseTask.date_created.desc(), CaseTask.id).offset((page - 1) * page_size).limit(page_size)
        )
    )
    return ok(
        {
            "page": workspace_wire.page_data(total, page, page_size, len(found)),
            "tasks": [workspace_wire.task_dto(task, domain.urls(db())) for task in found],
        }
    )


# --- team --------------------------------------------------------------------------------------


def _problem(detail: str) -> Response:
    """`GET /users` answers a bad page with ASP.NET's ProblemDetails, as its spec declares."""
    return json_response(
        400,
        {
            "type": "https://tools.ietf.org/html/rfc9110#section-15.5.1",
            "title": "Bad Request",
            "status": 400,
            "detail": detail,
        },
    )


@bp.get("/users")
def users():
    """The creditor's team: the ids and e-mails a chat message may be sent as."""
    s = db()
    query_args = Query()
    try:
        page = query_args.integer("Page", 1)
        page_size = query_args.integer("PageSize", 50, maximum=100)
    except ApiError as error:
        return _problem(error.message or "Invalid pagination parameters.")
    query = select(CreditorUser).where(CreditorUser.creditor_id == _creditor_id())
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    found = list(s.scalars(query.order_by(CreditorUser.id).offset((page - 1) * page_size).limit(page_size)))
    return ok(
        {
            "page": workspace_wire.page_data(total, page, page_size, len(found)),
            "users": [workspace_wire.team_member_dto(user) for user in found],
        }
    )


# --- timeline, payments, files, validation -----------------------------------------------------


def _payments(case_id: str) -> list[CasePayment]:
    return list(db().scalars(select(CasePayment).where(CasePayment.case_id == case_id).order_by(CasePayment.date)))


def _files(case_id: str) -> list[CaseFile]:
    return list(db().scalars(select(CaseFile).where(CaseFile.case_id == case_id).order_by(CaseFile.date_created)))


@bp.get("/cases/<case_id>/payments")
def payments(case_id: str):
    case = own_case(case_id)
    return ok([workspace_wire.payment_dto(payment, case) for payment in _payments(case.id)])


@bp.get("/cases/<case_id>/files")
def files(case_id: str):
    case = own_case(case_id)
    return ok([workspace_wire.file_dto(stored) for stored in _files(case.id)])


@bp.get("/cases/<case_id>/validation")
def validation(case_id: str):
    """What a "More Info Required" case is missing; `creditorRespondedAt` is the first answer after the ask."""
    s = db()
    case = own_case(case_id)
    items = domain.open_validation_items(s, case.id)
    asked = min((item.date_created for item in items), default=None)
    replies = [m.date_created for m in domain.messages(s, case.id) if m.role == "creditor"]
    responded = min((moment for moment in replies if asked is not None and moment >= asked), default=None)
    return ok(workspace_wire.validation_dto(case, items, responded))


@bp.get("/cases/<case_id>/timeline")
def timeline(case_id: str):
    """The case's story from what the sandbox records: submission, collection, chat, files, payments, closing."""
    s = db()
    case = own_case(case_id)
    item = workspace_wire.timeline_item
    events = [
        item(
            case.date_created,
            "CaseCreated",
            "Case created",
            f"Case {case.reference} submitted for {case.gross_amount} {case.currency}.",
            "System",
        )
    ]
    if case.date_collection_started is not None:
        events.append(
            item(
                case.date_collection_started,
                "CollectionStarted",
                "Collection started",
                "The collection partner started working the case.",
                "System",
            )
        )
    for chat in domain.messages(s, case.id):
        if chat.role == "creditor" and chat.user is not None:
            events.append(
                item(chat.date_created, "ChatMessage", "Message sent", chat.message, "Creditor user", chat.user.name)
            )
        elif chat.role == "partner":
            events.append(
                item(
                    chat.date_created,
                    "ChatMessage",
                    "Message from the collection partner",
                    chat.message,
                    "Partner user",
                    chat.author_name,
                )
            )
    for stored in _files(case.id):
        events.append(item(stored.date_created, "FileUploaded", "File uploaded", stored.file_name, "System"))
    for payment in _payments(case.id):
        events.append(
            item(
                payment.date,
                "PaymentRegistered",
                "Payment registered",
                f"{payment.gross_amount} {payment.currency} paid to {payment.recipient}.",
                "Partner user",
            )
        )
    if case.lifecycle == "Closed" and case.date_finished is not None:
        events.append(item(case.date_finished, "CaseClosed", "Case closed", case.close_code or "Closed", "System"))
    events.sort(key=lambda event: event["date"])
    return ok({"items": events, "currentEngagementPhase": case.current_engagement_phase})


DOCUMENT_TYPES = (
    "OriginalInvoice",
    "DebtorDocuments",
    "CreditorDocuments",
    "PartnerDocuments",
    "DemandLetter",
    "Miscellaneous",
)
UPLOAD_EXTENSIONS = frozenset({".pdf", ".xls", ".xlsx", ".csv", ".txt", ".jpg", ".jpeg", ".png", ".gif"})
MAX_UPLOAD_BYTES = 25 * 1024 * 1024


def _form_value(name: str) -> str | None:
    """ASP.NET binds form fields whatever their case."""
    return next((value for key, value in request.form.items() if key.lower() == name.lower()), None)


@bp.post("/cases/<case_id>/files")
def upload_file(case_id: str):
    """Multipart `File` (with optional `DocumentType` and `Description`): CaseFileDto; 413 over 25 MB, 415 wrong type."""
    s = db()
    case = own_case(case_id)
    upload = next((stored for key, stored in request.files.items() if key.lower() == "file"), None)
    if upload is None or not upload.filename:
        raise ApiError(400, "FileRequired", "Send the file as the multipart form field 'File'.")
    document_type = _form_value("DocumentType") or workspace_wire.DEFAULT_DOCUMENT_TYPE
    known = {name.lower(): name for name in DOCUMENT_TYPES}
    if document_type.lower() not in known:
        raise ApiError(400, "InvalidDocumentType", f"DocumentType: use one of {', '.join(DOCUMENT_TYPES)}.")
    content = upload.read()
    if len(content) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "FileTooLarge", "The file exceeds the 25 MB limit.")
    if PurePath(upload.filename).suffix.lower() not in UPLOAD_EXTENSIONS:
        raise ApiError(415, "UnsupportedFileType", "Allowed file types: " + ", ".join(sorted(UPLOAD_EXTENSIONS)))
    stored = domain.upload_file(s, case, upload.filename, content, upload.mimetype or None, send_chat_notification=True)
    stored.label = CaseFileLabel(
        file_id=stored.id, document_type=known[document_type.lower()], description=_form_value("Description")
    )
    s.commit()
    return ok(workspace_wire.file_dto(stored))
