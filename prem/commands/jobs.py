"""``prem jobs``: the background runner of the staff pages' reports and tables, and its cleanup."""

from __future__ import annotations

import click

__all__ = ["commands", "start_runner"]


@click.group()
def jobs() -> None:
    """Reports, tables and codebooks requested on the staff pages."""


@jobs.command("work")
@click.option("--once", is_flag=True, help="Make the queued jobs, then stop.")
@click.option("--poll", default=2.0, show_default=True, type=float, help="Seconds between looks at the queue.")
@click.option("--parent", default=None, type=int, hidden=True, help="Stop when this process (prem serve) ends.")
def work_command(once: bool, poll: float, parent: int | None) -> None:
    """Make the staff pages' jobs until stopped (prem serve starts one; run more as services if needed)."""
    from prem import create_app
    from prem.db import upgrade_database
    from prem.staff.reports.runner import work

    app = create_app()
    upgrade_database(app)
    made = work(app, poll=poll, once=once, parent=parent)
    click.echo(f"Made {made} job(s).")


@jobs.command("cleanup")
def cleanup_command() -> None:
    """Delete the files of expired jobs now (the runner does this every few minutes)."""
    from prem.commands.survey import _transaction
    from prem.staff.reports.operations import expire_jobs, job_folder

    with _transaction() as (app, session):
        count = expire_jobs(session, job_folder(app))
    click.echo(f"Expired {count} job(s).")


def start_runner():
    """Start ``prem jobs work`` as a child of this process (``prem serve``); it stops when we do."""
    import os
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "prem", "jobs", "work", "--parent", str(os.getpid())])


commands: list[click.Command] = [jobs]
