"""`flask users`: manage operators from the server's shell (same rules and audit trail as the admin pages)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from dashboard.models.operators import ROLES
from dashboard.services import operators_admin
from dashboard.services.operators import OperatorError

users = AppGroup("users", help="Create and manage dashboard operators.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(users)


def _fail(error: OperatorError) -> None:
    raise click.ClickException(str(error))


def _show_password(credentials: operators_admin.Credentials) -> None:
    if credentials.generated:
        # Printed once to whoever ran the command; it is never logged or stored in clear.
        click.echo(f"  password: {credentials.password}  (shown only this once; hand it over safely)")


@users.command("list")
def list_users() -> None:
    """Every operator with role, status and last sign-in."""
    operators = operators_admin.list_operators()
    if not operators:
        click.echo("No operators yet. Create one with: flask users create EMAIL --role admin")
        return
    for operator in operators:
        status = "active" if operator.active else "deactivated"
        last = operator.last_login_at.strftime("%Y-%m-%d %H:%M UTC") if operator.last_login_at else "never signed in"
        click.echo(f"{operator.email:<40} {operator.role:<9} {status:<12} {last}")


@users.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="operator", show_default=True)
@click.option("--name", default="", help="Display name.")
@click.option("--password", "ask_password", is_flag=True, help="Type the password instead of generating one.")
def create(email: str, role: str, name: str, ask_password: bool) -> None:
    """Create an operator; a password is generated and shown once unless --password is given."""
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True) if ask_password else None
    try:
        credentials = operators_admin.invite(
            email, name=name, role=role, password=password, actor=operators_admin.SHELL
        )
    except OperatorError as error:
        _fail(error)
    click.echo(f"Created {credentials.operator.email} ({role}).")
    _show_password(credentials)


@users.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice(ROLES))
def set_role(email: str, role: str) -> None:
    """Give an operator another role."""
    try:
        operator = operators_admin.change_role(
            operators_admin.operator_id_for(email), role, actor=operators_admin.SHELL
        )
    except OperatorError as error:
        _fail(error)
    click.echo(f"{operator.email} is now {operator.role}.")


@users.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Stop an operator signing in; their open sessions end."""
    try:
        operator = operators_admin.deactivate(operators_admin.operator_id_for(email), actor=operators_admin.SHELL)
    except OperatorError as error:
        _fail(error)
    click.echo(f"{operator.email} is deactivated; their sessions have ended.")


@users.command("reactivate")
@click.argument("email")
def reactivate(email: str) -> None:
    """Let a deactivated operator sign in again."""
    try:
        operator = operators_admin.reactivate(operators_admin.operator_id_for(email), actor=operators_admin.SHELL)
    except OperatorError as error:
        _fail(error)
    click.echo(f"{operator.email} can sign in again.")


@users.command("reset-password")
@click.argument("email")
@click.option("--password", "ask_password", is_flag=True, help="Type the new password instead of generating one.")
def reset_password(email: str, ask_password: bool) -> None:
    """Set a new password (generated and shown once unless --password); their sessions end."""
    password = click.prompt("New password", hide_input=True, confirmation_prompt=True) if ask_password else None
    try:
        credentials = operators_admin.reset_password(
            operators_admin.operator_id_for(email), password=password, actor=operators_admin.SHELL
        )
    except OperatorError as error:
        _fail(error)
    click.echo(f"New password set for {credentials.operator.email}; their sessions have ended.")
    _show_password(credentials)
