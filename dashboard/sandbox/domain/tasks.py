"""The creditor's work queue: tasks open when Debitura needs something and solve themselves when it is done.

Chat-driven tasks (ReplyToChat, ClientInputRequired) solve when the creditor answers in the case chat;
MoreInfoNeeded solves when the case leaves "More Info Required"; every open task of a case solves when
the case closes. Account-level tasks (SignContract, AssignBankAccount) belong to no case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.sandbox import clock
from dashboard.sandbox.config import SandboxUrls
from dashboard.sandbox.models import Case, CaseTask, new_id


@dataclass(frozen=True)
class TaskKind:
    label: str
    title: str
    chat_driven: bool = False
    account_level: bool = False


TASK_KINDS: dict[str, TaskKind] = {
    "ReplyToChat": TaskKind("Reply to chat", "Reply to the collection partner's message", chat_driven=True),
    "ClientInputRequired": TaskKind(
        "Client input required", "The collection partner needs your input", chat_driven=True
    ),
    "MoreInfoNeeded": TaskKind("More info needed", "Supply the information the case is missing", chat_driven=True),
    "SelectQuoteWinner": TaskKind("Select quote winner", "Choose a quote for the case"),
    "SignContract": TaskKind("Sign contract", "Sign the debt collection agreement", account_level=True),
    "AssignBankAccount": TaskKind("Assign bank account", "Assign a bank account for payouts", account_level=True),
}
TASK_STATUSES = ("Open", "Solved")
CHAT_PATH = "/cases/{caseId}/chats"
SOLVED_BY_REPLY = ("ReplyToChat", "ClientInputRequired")


def open_task(
    s: Session,
    creditor_id: str,
    task_type: str,
    *,
    case: Case | None = None,
    description: str | None = None,
    deadline: datetime | None = None,
    lead_id: str | None = None,
) -> CaseTask:
    """Open a task, or hand back the one of the same type already open for the same case (or account)."""
    kind = TASK_KINDS[task_type]
    if kind.account_level != (case is None):
        raise ValueError(f"{task_type} is {'an account' if kind.account_level else 'a case'}-level task")
    existing = s.scalars(
        select(CaseTask).where(
            CaseTask.creditor_id == creditor_id,
            CaseTask.type == task_type,
            CaseTask.status == "Open",
            CaseTask.case_id.is_(None) if case is None else CaseTask.case_id == case.id,
        )
    ).first()
    if existing is not None:
        return existing
    task = CaseTask(
        id=new_id(),
        creditor_id=creditor_id,
        case_id=case.id if case is not None else None,
        lead_id=lead_id,
        type=task_type,
        title=kind.title,
        description=description,
        deadline=deadline,
        date_created=clock.now(s),
    )
    s.add(task)
    s.flush()
    return task


def solution_url(urls: SandboxUrls, task: CaseTask) -> str:
    """Where a human resolves the task in the Creditor app: the case's chat, the case, or the task itself."""
    if task.case_id is not None and task.type in TASK_KINDS and TASK_KINDS[task.type].chat_driven:
        return urls.creditor_app(f"Cases/{task.case_id}/Chat")
    if task.case_id is not None:
        return urls.creditor_app(f"Cases/{task.case_id}")
    return urls.creditor_app(f"Tasks/{task.id}")


def solve_tasks(s: Session, creditor_id: str, *, case_id: str | None, types: Iterable[str] | None = None) -> int:
    """Solve the open tasks of a case (or, with case_id None, the account) of the given types (all when None)."""
    query = select(CaseTask).where(
        CaseTask.creditor_id == creditor_id,
        CaseTask.status == "Open",
        CaseTask.case_id.is_(None) if case_id is None else CaseTask.case_id == case_id,
    )
    if types is not None:
        query = query.where(CaseTask.type.in_(list(types)))
    now = clock.now(s)
    solved = 0
    for task in s.scalars(query):
        task.status, task.date_solved = "Solved", now
        solved += 1
    s.flush()
    return solved


def solve_task(s: Session, task_id: str) -> CaseTask | None:
    """Solve one task (the control panel's stand-in for resolving it in the Creditor app)."""
    task = s.get(CaseTask, task_id)
    if task is not None and task.status == "Open":
        task.status, task.date_solved = "Solved", clock.now(s)
    return task


def task_action(task: CaseTask) -> dict[str, str] | None:
    """The API call that resolves a task directly: posting in the case chat, for the chat-driven ones."""
    if task.case_id is None or not TASK_KINDS.get(task.type, TASK_KINDS["SignContract"]).chat_driven:
        return None
    return {"method": "POST", "path": CHAT_PATH}
