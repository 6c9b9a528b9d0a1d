"""`flask users`: the same operator management from the server's shell, recorded as "(shell)"."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import AuditEntry, Operator
from dashboard.services import operators as operator_service



@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def stored(app, email: str) -> Operator | None:
    with app.app_context():
        operator = operator_service.find_by_email(email)
        if operator is not None:
            db.session.expunge(operator)
        return operator


def shell_entries(app) -> list[tuple[str, str]]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.operator_email == "(shell)").order_by(AuditEntry.id))
        return [(entry.action, entry.summary) for entry in entries]


def test_create_generates_a_password_that_signs_in(app, runner):
    result = runner.invoke(args=["users", "create", "Ops@Partner.example", "--role", "admin", "--name", "Ops Lead"])
    assert result.exit_code == 0, result.output
    assert "Created ops@partner.example (admin)." in result.output
    password = re.search(r"password: (\S+)", result.output).group(1)
    with app.app_context():
        assert operator_service.authenticate("ops@partner.example", password) is not None
    assert shell_entries(app) == [("operator.invite", "Created ops@partner.example as admin")]


def test_create_with_a_typed_password_prints_no_password(app, runner):
    result = runner.invoke(
        args=["users", "create", "typed@partner.example", "--password"], input="a typed password!\na typed password!\n"
    )
    assert result.exit_code == 0, result.output
    assert "password:" not in result.output.replace("Password:", "")
    with app.app_context():
        assert operator_service.authenticate("typed@partner.example", "a typed password!") is not None


def test_list_shows_every_operator_with_role_and_status(runner, operators):
    operators.create("viewer", email="reader@partner.example")
    operators.create("admin", email="boss@partner.example")
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any(line.startswith("boss@partner.example") and "admin" in line and "active" in line for line in lines)
    assert any(line.startswith("reader@partner.example") and "viewer" in line and "never signed in" in line for line in lines)


def test_list_on_an_empty_database_says_how_to_begin(runner):
    result = runner.invoke(args=["users", "list"])
    assert "flask users create EMAIL --role admin" in result.output


def test_set_role_deactivate_reactivate_and_reset_password(app, runner, operators):
    operators.create("admin", email="boss@partner.example")
    operators.create("operator", email="staff@partner.example")

    assert runner.invoke(args=["users", "set-role", "staff@partner.example", "viewer"]).exit_code == 0
    assert stored(app, "staff@partner.example").role == "viewer"

    result = runner.invoke(args=["users", "deactivate", "staff@partner.example"])
    assert result.exit_code == 0 and "sessions have ended" in result.output
    assert not stored(app, "staff@partner.example").active

    assert runner.invoke(args=["users", "reactivate", "staff@partner.example"]).exit_code == 0
    assert stored(app, "staff@partner.example").active

    result = runner.invoke(args=["users", "reset-password", "staff@partner.example"])
    password = re.search(r"password: (\S+)", result.output).group(1)
    with app.app_context():
        assert operator_service.authenticate("staff@partner.example", password) is not None

    assert [action for action, _ in shell_entries(app)] == [
        "operator.role",
        "operator.deactivate",
        "operator.reactivate",
        "operator.reset_password",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["users", "deactivate", "ghost@partner.example"], "No operator has the e-mail 'ghost@partner.example'."),
        (["users", "set-role", "boss@partner.example", "viewer"], "You cannot demote the last active administrator."),
        (["users", "create", "boss@partner.example"], "An operator with that e-mail already exists."),
    ],
)
def test_refusals_exit_with_an_error_and_a_plain_message(runner, operators, args, message):
    operators.create("admin", email="boss@partner.example")
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert message in result.output


def test_an_unknown_role_is_refused_before_anything_changes(app, runner, operators):
    operators.create("viewer", email="reader@partner.example")
    result = runner.invoke(args=["users", "set-role", "reader@partner.example", "root"])
    assert result.exit_code == 2
    assert stored(app, "reader@partner.example").role == "viewer"
