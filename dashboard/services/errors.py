"""The services' own errors. Services raise these and never answer HTTP themselves.

The error contract (`dashboard.errors.handlers`) turns them into the page or the htmx answer:
a `NotFound` is the 404 every missing record gets, a `Refused` a 422 that says why. A view that
can do better (keep the form, show the message beside a field) catches them first.
"""

from __future__ import annotations


class ServiceError(Exception):
    """Something a service will not do; the message is written for the operator."""


class NotFound(ServiceError, LookupError):
    """A record the request names does not exist (any more)."""


class Refused(ServiceError):
    """The action cannot be done as asked, for a reason the operator can read."""


# ------------------------------------------------------------------------------------------ not found


class TenantNotFound(NotFound):
    """No tenant has this id."""


class SubmissionNotFound(NotFound):
    """No submission has this key."""


class FirstCaseNotFound(NotFound):
    """The tenant has no first case with this number (the page was out of date)."""


class CaseNotFound(NotFound):
    """Debitura has no such case among our clients' cases."""


# -------------------------------------------------------------------------------------------- refused


class TenantCannotTakeCases(Refused):
    """The tenant has no active link at Debitura (declined, pending approval, another partner, …): no case can go."""


class PreviewRequired(Refused):
    """The values differ from the last preview: the operator confirms a price they have seen, never another."""


class TenantActionRefused(Refused):
    """Debitura refused the action for a reason the operator can read (e.g. withdraw 409)."""


def in_words(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


class ReissueDetailsMissing(TenantActionRefused):
    """Re-issuing needs client details the mirror never learned; nothing was sent to Debitura."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            f"Nothing was sent: to issue a fresh URL Debitura needs the client's {in_words(missing)}, and the "
            "dashboard does not know them for this tenant (Debitura's notifications name only the company). "
            "Complete the client's details and send them again."
        )


class UploadRejected(Refused, ValueError):
    """The file breaks one of Debitura's rules, or Debitura refused it; the message says which."""


class WebhookAdminError(Refused, ValueError):
    """A subscription change the dashboard refuses before asking Debitura."""
