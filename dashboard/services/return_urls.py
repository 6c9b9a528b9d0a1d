"""Add a `returnUrl` to a hosted Debitura URL (onboarding, approval, signing), the way Debitura reads it.

Debitura sends the customer back to `returnUrl` when a hosted flow ends (appending `completed=true`
on success). It only honours absolute http(s) addresses of at most 2048 characters and silently
drops anything else, so the dashboard refuses such values up front with a plain message instead.
The same rules run in the browser (`static/js/return_url.js`) for the live preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

MAX_LENGTH = 2048
PARAMETER = "returnUrl"


def validate(return_url: str) -> str:
    """The trimmed address, or ValueError saying in plain words what is wrong with it."""
    value = (return_url or "").strip()
    if not value:
        raise ValueError("Enter the address the customer should come back to.")
    if len(value) > MAX_LENGTH:
        raise ValueError(f"The return address is {len(value)} characters long; Debitura accepts at most {MAX_LENGTH}.")
    if any(character.isspace() for character in value):
        raise ValueError("The return address must not contain spaces.")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or not parts.hostname:
        raise ValueError("Enter a full address starting with https:// (or http://), e.g. https://app.example.com/done.")
    return value


def build(url: str, return_url: str) -> str:
    """`url` with `returnUrl=<return_url>` (percent-encoded), replacing any returnUrl it already carried."""
    base = (url or "").strip()
    parts = urlsplit(base)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("The hosted URL is not an absolute http(s) address, so no return address can be added.")
    target = validate(return_url)
    without_fragment, hash_mark, fragment = base.partition("#")
    path, question_mark, query = without_fragment.partition("?")
    # Keep every other parameter byte for byte; only an earlier returnUrl is replaced.
    kept = [pair for pair in query.split("&") if pair and pair.split("=", 1)[0].lower() != PARAMETER.lower()]
    kept.append(f"{PARAMETER}={quote(target, safe='')}")
    return f"{path}?{'&'.join(kept)}{hash_mark}{fragment}"


def build_or_keep(url: str | None, return_url: str | None) -> str | None:
    """For templates: the URL with the return address when one is given and valid, else unchanged."""
    if not url or not return_url or not return_url.strip():
        return url
    try:
        return build(url, return_url)
    except ValueError:
        return url


@dataclass(frozen=True)
class ReturnUrlChoice:
    """The return address typed into a page's builder: as typed, the usable address ("" if none), the problem."""

    typed: str
    usable: str
    error: str | None


def read_choice(value: str | None) -> ReturnUrlChoice:
    """Read `?return_url=` for a page: an invalid address is kept for the input, never added to URLs."""
    typed = (value or "").strip()
    if not typed:
        return ReturnUrlChoice("", "", None)
    try:
        return ReturnUrlChoice(typed, validate(typed), None)
    except ValueError as error:
        return ReturnUrlChoice(typed, "", str(error))
