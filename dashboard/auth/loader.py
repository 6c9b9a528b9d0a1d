"""Turns the login cookie back into an operator, or nobody."""

from dashboard.extensions import db
from dashboard.models import Operator


def load_operator(session_id: str) -> Operator | None:
    """The cookie holds `<id>:<session token>`; a rotated token ends the session."""
    operator_id, _, token = session_id.partition(":")
    if not operator_id.isdigit() or not token:
        return None
    operator = db.session.get(Operator, int(operator_id))
    if operator is None or operator.session_token != token or not operator.active:
        return None
    return operator
