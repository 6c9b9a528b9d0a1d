"""A case's chat: the creditor's users, the collection partner and system notices, and the tasks they drive.

A partner message asks something of the creditor (a ReplyToChat task, or ClientInputRequired when it
says so); a creditor reply solves both. Reading is not tracked per user: `isSeen` on the partner's
messages turns true once the creditor answers after them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard.sandbox import clock, reference
from dashboard.sandbox.domain.tasks import SOLVED_BY_REPLY, open_task, solve_tasks
from dashboard.sandbox.errors import ValidationFailed
from dashboard.sandbox.models import Case, ChatMessage, CreditorUser

MAX_MESSAGE = 10000
PARTNER_HANDLER = "Case handler"


def messages(s: Session, case_id: str) -> list[ChatMessage]:
    return list(
        s.scalars(
            select(ChatMessage).where(ChatMessage.case_id == case_id).order_by(ChatMessage.date_created, ChatMessage.id)
        )
    )


def team_member(s: Session, creditor_id: str, *, email: str | None, user_id: str | None) -> CreditorUser:
    """The creditor's user named by e-mail (preferred) or by the GUID `GET /users` shows; 400 otherwise."""
    users = list(s.scalars(select(CreditorUser).where(CreditorUser.creditor_id == creditor_id)))
    if email:
        found = next((user for user in users if user.email == email.strip().lower()), None)
        if found is None:
            raise ValidationFailed.single("UserEmail", "No active member of your team has this e-mail address.")
        return found
    if user_id:
        found = next((user for user in users if user.public_id == user_id.strip().lower()), None)
        if found is None:
            raise ValidationFailed.single("UserId", "No member of your team has this id.")
        return found
    raise ValidationFailed.single("UserEmail", "Either UserEmail or UserId must be provided.")


def post_creditor_message(s: Session, case: Case, message: str, user: CreditorUser) -> ChatMessage:
    """One of the creditor's users writes; the partner's open questions on the case count as answered."""
    now = clock.now(s)
    for earlier in messages(s, case.id):
        if earlier.role == "partner":
            earlier.is_seen = True
    chat = ChatMessage(case_id=case.id, role="creditor", message=message, user_id=user.id, date_created=now)
    s.add(chat)
    solve_tasks(s, case.creditor_id, case_id=case.id, types=SOLVED_BY_REPLY)
    s.flush()
    return chat


def post_partner_message(s: Session, case: Case, message: str, *, input_required: bool = False) -> ChatMessage:
    """The collection partner writes on the case; the creditor gets a task to answer."""
    if case.collection_partner_id is None:
        raise ValueError("This case has no collection partner to write from.")
    name, email = partner_author(reference.PARTNERS[case.collection_partner_id])
    chat = ChatMessage(
        case_id=case.id,
        role="partner",
        message=message,
        author_name=name,
        author_email=email,
        date_created=clock.now(s),
    )
    s.add(chat)
    open_task(
        s,
        case.creditor_id,
        "ClientInputRequired" if input_required else "ReplyToChat",
        case=case,
        description=message[:300],
    )
    s.flush()
    return chat


def post_system_message(s: Session, case_id: str, message: str) -> ChatMessage:
    chat = ChatMessage(case_id=case_id, role="system", message=message, is_seen=True, date_created=clock.now(s))
    s.add(chat)
    return chat


def partner_author(partner: reference.CollectionPartner) -> tuple[str, str]:
    """The name and e-mail the collection partner's case handler writes under."""
    words = "".join(ch for ch in partner.name.lower() if ch.isalnum() or ch == " ").split()
    return f"{PARTNER_HANDLER}, {partner.name}", f"cases@{'-'.join(words[:2]) or 'partner'}.example"
