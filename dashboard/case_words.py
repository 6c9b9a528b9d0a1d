"""Debitura's case lifecycles and close codes in words for support staff.

Debitura sends these as free strings: some already read well ("Active", "Paid"), some are internal
names ("Pending Verification Internal", "CaseNeverStartedInternal"). Pages show the words and keep
the code beside them (a title or a details line), so a code quoted by Debitura's support still matches.
"""

from __future__ import annotations

import re


def code_words(code: str | None) -> str:
    """A code Debitura sends as one glued word, for reading: `ProvideDocuments` -> `Provide documents`."""
    if not code:
        return ""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|[_-]+", " ", code.strip()).split()
    return (
        " ".join([words[0][:1].upper() + words[0][1:], *(w if w.isupper() else w.lower() for w in words[1:])])
        if words
        else ""
    )


LIFECYCLE_WORDS = {
    "PendingContractSigning": "Pending contract signing",
    "Pending Verification Internal": "Being checked by Debitura",
    "PendingVerificationInternal": "Being checked by Debitura",
    "Pending Verification": "Being verified",
    "PendingVerification": "Being verified",
    "MoreInfoRequired": "More info required",
    "CollectingQuotes": "Collecting quotes",
    "PendingQuoteSelection": "Pending quote selection",
}
CLOSE_CODE_WORDS = {
    "CaseNeverStartedInternal": "Withdrawn before collection started",
    "WithdrawnByClient": "Withdrawn by client",
}


def lifecycle_words(lifecycle: str | None) -> str:
    if not lifecycle:
        return ""
    return LIFECYCLE_WORDS.get(lifecycle) or (code_words(lifecycle) if " " not in lifecycle else lifecycle)


def close_code_words(close_code: str | None) -> str:
    if not close_code:
        return ""
    return CLOSE_CODE_WORDS.get(close_code) or (code_words(close_code) if " " not in close_code else close_code)
