"""Services are handed who acts and the Debitura client; they never reach for the request's user,
the app's client or an HTTP answer of their own (the error contract maps their errors)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICES = Path(__file__).resolve().parents[2] / "dashboard" / "services"
FORBIDDEN_MODULES = {"flask_login": "the signed-in user comes as `actor`",
                     "dashboard.wiring": "the Debitura client comes as `debitura`"}
FORBIDDEN_NAMES = {"current_user": "the signed-in user comes as `actor`",
                   "get_or_404": "raise services.errors.NotFound instead",
                   "first_or_404": "raise services.errors.NotFound instead",
                   "one_or_404": "raise services.errors.NotFound instead",
                   "abort": "raise an error from services.errors instead"}


def reaches_in(source: str) -> list[str]:
    """Each place where `source` imports or names what a service must be handed instead."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules = [node.module or ""]
            found += [f"line {node.lineno}: imports {alias.name} ({FORBIDDEN_NAMES[alias.name]})"
                      for alias in node.names if alias.name in FORBIDDEN_NAMES]
        else:
            modules = []
        found += [f"line {node.lineno}: imports {module} ({FORBIDDEN_MODULES[module]})"
                  for module in modules if module in FORBIDDEN_MODULES]
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name in FORBIDDEN_NAMES:
            found.append(f"line {node.lineno}: uses {name} ({FORBIDDEN_NAMES[name]})")
    return found


@pytest.mark.parametrize("module", sorted(SERVICES.glob("*.py")), ids=lambda path: path.name)
def test_a_service_is_handed_its_actor_and_client(module):
    assert reaches_in(module.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    "source",
    [
        "from flask_login import current_user",
        "import flask_login",
        "from dashboard.wiring import debitura as app_client",
        "from dashboard.extensions import db\ndef get(i):\n    return db.get_or_404(Tenant, i)",
        "from flask import abort\ndef gone():\n    abort(404)",
        "def who(user=None):\n    return user or current_user",
    ],
)
def test_the_gate_sees_each_way_of_reaching_in(source):
    assert reaches_in(source)
