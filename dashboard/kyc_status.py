"""Debitura's client `kycStatus` in the one wording every page, export and queue uses.

Debitura reports `not_required` until a collection partner that needs KYC is matched for the client,
so it means "not asked for yet", never a promise that no case will need it.
"""

from __future__ import annotations

KYC_STATUS_WORDS = {
    "not_required": "Not asked for yet",
    "pending": "Needed, not verified yet",
    "verified": "Verified",
}
UNKNOWN = "Unknown"


def kyc_status_words(status: str | None) -> str:
    """The words for a `kycStatus` code; an unknown code is shown as it came, so nothing is hidden."""
    if not status:
        return UNKNOWN
    return KYC_STATUS_WORDS.get(status, status)
