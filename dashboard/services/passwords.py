"""What makes a password acceptable: long enough, and not one of the most common ones."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "common_passwords.txt"


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, *, email: str = "") -> str:
    """Why this password cannot be used, or "" when it can."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Passwords need at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Passwords can have at most {MAX_PASSWORD_LENGTH} characters."
    lowered = password.strip().lower()
    if lowered in common_passwords():
        return "That password is one of the most common ones, which are tried first. Choose another."
    if email and lowered == email.strip().lower():
        return "The password cannot be your e-mail address."
    return ""
