"""Acting as an operator over real HTTP: sign in through the login form, CSRF token included."""

from __future__ import annotations

import re

import requests
from flask import Flask

PASSWORD = "benchmark horse battery staple"
_CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_CSRF_HEADER = re.compile(r'"X-CSRFToken":\s*"([^"]+)"')


def csrf_token(html: str) -> str:
    found = _CSRF_FIELD.search(html) or _CSRF_HEADER.search(html)
    if found is None:
        raise ValueError("the page carries no CSRF token")
    return found.group(1)


def create_operator(app: Flask, email: str, role: str = "operator") -> str:
    from dashboard.services import operators

    with app.app_context():
        operators.create_operator(email, PASSWORD, name=f"Bench {role}", role=role)
    return email


def sign_in(session: requests.Session, base_url: str, email: str) -> str:
    """Sign `session` in; returns the session's CSRF token for later form posts.

    Signing in starts a clean session (a new CSRF token too), so the token is read from the first page after it.
    """
    page = session.get(f"{base_url}/auth/login", timeout=30)
    if page.status_code != 200:
        raise RuntimeError(f"the login page answered {page.status_code}")
    token = csrf_token(page.text)
    response = session.post(
        f"{base_url}/auth/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 303:
        raise RuntimeError(f"sign-in as {email} failed with {response.status_code}")
    return csrf_token(session.get(f"{base_url}/auth/account", timeout=30).text)
