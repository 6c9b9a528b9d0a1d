"""Shell commands: `flask setup` prepares a machine; `flask users` (admin) and `flask sync` join it."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from dashboard.services import operators as operator_service


def register(app: Flask) -> None:
    """`flask setup` and the key and pruning commands, plus the features' own groups."""
    from dashboard.admin import cli as admin_cli
    from dashboard.sync import cli as sync_cli

    app.cli.add_command(setup)
    app.cli.add_command(generate_key)
    app.cli.add_command(rotate_keys)
    app.cli.add_command(prune)
    admin_cli.register_cli(app)
    sync_cli.register_cli(app)


@click.command("setup")
def setup() -> None:
    """Apply migrations, prepare the sandbox and create the first operator."""
    upgrade()
    config = current_app.config
    sandbox = current_app.extensions.get("sandbox")
    if sandbox is not None:
        sandbox.create_schema()
        if sandbox.ensure_demo():
            click.echo("Sandbox demo data loaded.")
    # Features add their own steps in register_cli: app.extensions["setup_steps"].append(fn).
    for step in current_app.extensions.get("setup_steps", []):
        message = step()
        if message:
            click.echo(message)
    created = operator_service.ensure_first_admin(
        config["DASHBOARD_ADMIN_EMAIL"],
        config["DASHBOARD_ADMIN_PASSWORD"],
        generate=config["DEBITURA_ENV"] == "sandbox",
    )
    if created is not None:
        operator, password = created
        if password:
            # Printed once, on the console of whoever ran `make run`; never logged.
            click.echo("")
            click.echo("First operator created (shown only this once):")
            click.echo(f"  e-mail:   {operator.email}")
            click.echo(f"  password: {password}")
            click.echo("")
        else:
            click.echo(f"First administrator {operator.email} created.")
    elif operator_service.operator_count() == 0:
        click.echo("No operator exists: set DASHBOARD_ADMIN_EMAIL and DASHBOARD_ADMIN_PASSWORD and run again.")


@click.command("generate-key")
def generate_key() -> None:
    """Print a new key for DATA_ENCRYPTION_KEYS (nothing is stored)."""
    from cryptography.fernet import Fernet

    click.echo(Fernet.generate_key().decode())


@click.command("rotate-keys")
@with_appcontext
def rotate_keys() -> None:
    """Re-encrypt stored bearer tokens, webhook secrets and authenticator secrets under the first of DATA_ENCRYPTION_KEYS."""
    from dashboard.services.key_rotation import rotate_keys as rotate

    rotation = rotate()
    noun = "secret" if rotation.reencrypted == 1 else "secrets"
    click.echo(f"Re-encrypted {rotation.reencrypted} stored {noun} under the first key of DATA_ENCRYPTION_KEYS.")
    if rotation.unreadable:
        click.echo(
            f"{rotation.unreadable} could not be read with any configured key and were left as they are; "
            "keep the old key in DATA_ENCRYPTION_KEYS (or SECRET_KEY_FALLBACKS) until they are re-encrypted."
        )
        raise SystemExit(1)
    click.echo("Older keys can now be removed from DATA_ENCRYPTION_KEYS.")


@click.command("prune")
@with_appcontext
def prune() -> None:
    """Delete counts of refused webhook deliveries and failed sign-ins older than UNAUTHENTICATED_RETENTION_DAYS."""
    from dashboard.services.unauthenticated import prune as prune_counts

    removed = prune_counts()
    click.echo(f"{removed} old rows of refused deliveries and failed sign-ins removed.")
