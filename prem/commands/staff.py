"""``prem users``: staff accounts from the command line (the first administrator, and a lost password).

Thin callers of :mod:`prem.staff.operations`, one transaction each; the
audit log records them with no actor (the command line).
"""

from __future__ import annotations

import click

__all__ = ["commands"]


@click.group()
def users() -> None:
    """Staff accounts of the web pages under /staff/."""


@users.command("create")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["administrator", "coordinator", "analyst"]),
    help="administrator, coordinator (of --region) or analyst.",
)
@click.option("--region", "regions", multiple=True, help="A coordinator's region code (repeat for several).")
@click.password_option(
    "--password",
    prompt="Password (at least 12 characters)",
    help="Asked for when not given (never put a real password on the command line).",
)
def create_command(username: str, role: str, regions: tuple[str, ...], password: str) -> None:
    """Create a staff account, e.g. the first administrator: prem users create anna --role administrator."""
    from prem.commands.survey import _transaction
    from prem.staff.operations import create_user

    with _transaction() as (_, session):
        user = create_user(session, username, role, regions, password=password)
        scope = f" for {', '.join(user.regions)}" if user.regions else ""
        click.echo(f"Created the {user.role} account {user.username!r}{scope}; log in at /staff/login.")


@users.command("reset")
@click.argument("username")
def reset_command(username: str) -> None:
    """Lock an account and print a one-time link with which its owner sets a new password."""
    from prem.commands.survey import _transaction
    from prem.staff.operations import StaffError, get_user, start_password_reset

    with _transaction() as (app, session):
        user = get_user(session, username)
        if user is None:
            raise StaffError(f"There is no account called {username!r}.")
        token = start_password_reset(session, user, actor=None, lifetime=app.config["STAFF_RESET_LIFETIME"])
        hours = int(app.config["STAFF_RESET_LIFETIME"].total_seconds() // 3600)
    click.echo(f"One-time link for {user.username!r} (works once, for {hours} hours): /staff/reset/{token}")


@users.command("list")
def list_command() -> None:
    """List the staff accounts with their roles and regions."""
    from prem.commands.survey import _transaction
    from prem.staff.operations import list_users

    with _transaction() as (_, session):
        for user in list_users(session):
            state = "password set" if user.password_hash else "waiting for its reset link"
            click.echo(f"{user.username}\t{user.role}\t{','.join(user.regions) or 'all regions'}\t{state}")


commands: list[click.Command] = [users]
