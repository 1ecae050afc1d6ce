"""Command-line interface: `flask --app reviewapp <group> <command>`."""

import sys

import click
from flask.cli import AppGroup

from reviewapp.errors import DomainError
from reviewapp.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
audit_cli = AppGroup("audit", help="Check the audit log.")
demo_cli = AppGroup("demo", help="Demo data for trying the app.")


def _read_password() -> str:
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True, help="Display name.")
@click.option("--role", "roles", multiple=True, required=True,
              help="author, reviewer, editor or admin; repeat for several.")
@click.option("--specialty", "specialties", multiple=True, help="Repeat for several.")
def create_user_command(email, name, roles, specialties):
    """Create a user; the password comes from a prompt, or from stdin when piped."""
    from reviewapp.accounts.services import create_user

    password = _read_password()
    try:
        user = create_user(email=email, display_name=name, password=password,
                           roles=list(roles), specialties=list(specialties))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Created user {user.id}: {user.email} ({', '.join(user.role_names)})")


@audit_cli.command("verify")
@click.option("--expect-head", help="SEQ:HASH of a checkpoint kept outside the database.")
def verify_command(expect_head):
    """Recompute the whole hash chain; exit 1 naming the first broken event."""
    from reviewapp.audit.services import verify_chain

    checkpoint = None
    if expect_head:
        seq, _, digest = expect_head.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            raise click.BadParameter("expected SEQ:HASH", param_hint="--expect-head")
        checkpoint = (int(seq), digest.lower())
    result = verify_chain(checkpoint)
    if not result.ok:
        click.echo(result.message, err=True)
        sys.exit(1)
    click.echo(result.message)


@demo_cli.command("load")
def demo_load_command():
    """Demo users (one per role) and articles, when the database has no users."""
    from reviewapp.demo import DEMO_PASSWORD, DEMO_USERS, load_demo

    if load_demo():
        db.session.commit()
        click.echo("Demo data loaded.")
    else:
        click.echo("The database already has users; demo data not loaded.")
    click.echo(f"Demo logins (password for each: {DEMO_PASSWORD}):")
    for email, name, roles, _ in DEMO_USERS:
        click.echo(f"  {email:28} {name:22} {', '.join(roles)}")


def register_cli(app):
    for group in (users_cli, audit_cli, demo_cli):
        app.cli.add_command(group)
