"""Turns the session cookie back into an operator, or nobody (and remembers why, for the sign-in page)."""

from flask import g, session

from dashboard.models import Operator
from dashboard.services import sessions


def load_operator(token: str) -> Operator | None:
    """The cookie holds a session token; an ended, lapsed or unknown session signs nobody in."""
    resolved = sessions.resolve(token)
    operator = resolved.record.operator if resolved.record else None
    if operator is None or not operator.active:
        g.session_ended = resolved.ended_because
        session.pop("_user_id", None)  # the cookie stops naming a session that is over
        return None
    operator.session_token = token
    g.operator_session = resolved.record
    return operator
