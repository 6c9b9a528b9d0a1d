"""The Customer API's case-workspace shapes: chats, tasks, users, timeline, payments, files, validation.

ChatRole is an integer enum the spec leaves unnamed; the sandbox sends 0 for the creditor's users,
1 for the collection partner and 2 for system notices, with `roleLabel` saying which in words.
"""

from __future__ import annotations

from typing import Any

from dashboard.sandbox.config import SandboxUrls
from dashboard.sandbox.domain.tasks import TASK_KINDS, solution_url, task_action
from dashboard.sandbox.models import Case, CaseFile, CasePayment, CaseTask, ChatMessage, CreditorUser, ValidationItem
from dashboard.sandbox.wire import iso, money, user_dto

DEFAULT_DOCUMENT_TYPE = "OriginalInvoice"
CHAT_ROLES = {"creditor": (0, "Creditor"), "partner": (1, "Partner"), "system": (2, "System")}


def page_data(total: int, page: int, page_size: int, count: int) -> dict[str, int]:
    return {
        "totalResults": total,
        "pageSize": page_size,
        "currentPage": page,
        "responseCount": count,
        "totalPages": (total + page_size - 1) // page_size,
    }


def chat_dto(chat: ChatMessage) -> dict[str, Any]:
    role, label = CHAT_ROLES[chat.role]
    return {
        "id": chat.id,
        "dateCreated": iso(chat.date_created),
        "dateUpdated": None,
        "role": role,
        "roleLabel": label,
        "message": chat.message,
        "isSeen": chat.is_seen,
        "user": _chat_user(chat),
    }


def _chat_user(chat: ChatMessage) -> dict[str, Any] | None:
    if chat.user is not None:
        return user_dto(chat.user)
    if chat.author_email is None:
        return None  # a system notice has no author
    first, _, last = (chat.author_name or "").partition(" ")
    return {"firstName": first, "lastName": last, "email": chat.author_email}


def team_member_dto(user: CreditorUser) -> dict[str, Any]:
    return {"id": user.public_id, "name": user.name, "email": user.email}


def task_dto(task: CaseTask, urls: SandboxUrls) -> dict[str, Any]:
    kind = TASK_KINDS.get(task.type)
    return {
        "id": task.id,
        "type": task.type,
        "typeLabel": kind.label if kind else task.type,
        "title": task.title,
        "description": task.description,
        "status": task.status,
        "caseId": task.case_id,
        "caseReference": task.case.creditor_reference if task.case is not None else None,
        "leadId": task.lead_id,
        "deadline": iso(task.deadline),
        "dateCreated": iso(task.date_created),
        "dateSolved": iso(task.date_solved),
        "solutionUrl": solution_url(urls, task),
        "action": task_action(task),
    }


def payment_dto(payment: CasePayment, case: Case) -> dict[str, Any]:
    return {
        "id": payment.id,
        "dateCreated": iso(payment.date_created),
        "dateUpdated": None,
        "date": iso(payment.date),
        "grossAmount": money(payment.gross_amount, payment.currency),
        "recipient": payment.recipient,
        "method": payment.method,
        "currency": payment.currency,
        "invoice": {"status": case.lifecycle, "reference": case.reference, "invoiceId": case.id},
    }


def file_dto(stored: CaseFile) -> dict[str, Any]:
    """No download URL: the sandbox keeps the bytes but serves no file download."""
    return {
        "id": stored.id,
        "dateCreated": iso(stored.date_created),
        "dateUpdated": iso(stored.date_created),
        "caseId": stored.case_id,
        "entityType": "Invoice",
        "entityId": stored.case_id,
        "fileName": stored.file_name,
        "url": None,
        "description": stored.label.description if stored.label else None,
        "documentType": stored.label.document_type if stored.label else DEFAULT_DOCUMENT_TYPE,
    }


def validation_dto(case: Case, items: list[ValidationItem], responded_at: Any) -> dict[str, Any]:
    return {
        "needsInfo": case.lifecycle == "More Info Required",
        "creditorRespondedAt": iso(responded_at),
        "items": [{"resolutionArea": item.resolution_area, "description": item.description} for item in items],
    }


def timeline_item(moment: Any, type_: str, title: str, description: str, actor: str, name: str | None = None) -> dict:
    return {
        "date": iso(moment),
        "type": type_,
        "title": title,
        "description": description,
        "actor": {"type": actor, "name": name},
    }
