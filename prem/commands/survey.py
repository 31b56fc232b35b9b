"""CLI commands for the survey feature: fieldwork, exports, the database and the web server.

Thin callers of :mod:`prem.fieldwork.operations`, :mod:`prem.fieldwork.export`
and :mod:`prem.db`; each command is one transaction, and errors a user can
cause are printed without a traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click
import pandas as pd

__all__ = ["commands"]

_DATE = click.DateTime(formats=["%Y-%m-%d"])
_ROUND = click.option("--round", "round_name", required=True, help="Name of the survey round.")


@contextmanager
def _transaction() -> Iterator:
    """The app (from ``instance/`` and the environment) and one upgraded, committed-at-the-end session."""
    from prem import create_app
    from prem.db import db, transaction

    app = create_app()
    try:
        with transaction(app) as session:
            yield app, session
    finally:
        with app.app_context():
            db.engine.dispose()


@click.group()
def fieldwork() -> None:
    """Survey rounds: import a sample, returned mail, reminders, close."""


@fieldwork.command("import")
@_ROUND
@click.option("--frame", "frame_path", required=True, type=click.Path(path_type=Path), help="frame.csv of the sample.")
@click.option(
    "--mailing",
    "mailing_path",
    required=True,
    type=click.Path(path_type=Path),
    help="mailing.csv (only respondent_id and access_code are read).",
)
@click.option("--opens", required=True, type=_DATE, help="First day codes work (YYYY-MM-DD).")
@click.option("--closes", required=True, type=_DATE, help="Last day codes work (YYYY-MM-DD).")
@click.option("--questionnaire", "questionnaire_id", default=None, help="Questionnaire id (default prem-vardforlopp).")
@click.option(
    "--round-info",
    "info_path",
    default=None,
    type=click.Path(path_type=Path),
    help="The round information (YAML, as for prem letters): period, sender and contact shown to patients.",
)
def import_command(
    round_name: str,
    frame_path: Path,
    mailing_path: Path,
    opens: datetime,
    closes: datetime,
    questionnaire_id: str | None,
    info_path: Path | None,
) -> None:
    """Create a round from a sample's frame and mailing list (storing only hashes of the codes)."""
    from contracts.round_info import load_round_info
    from prem.fieldwork.operations import import_round
    from prem.security import code_keys

    round_info = load_round_info(info_path) if info_path is not None else None
    with _transaction() as (app, session):
        survey_round = import_round(
            session,
            round_name,
            frame_path,
            mailing_path,
            opens.date(),
            closes.date(),
            code_keys(app),
            questionnaire_id,
            round_info,
        )
        invited = len(survey_round.respondents)
        flow = "with" if survey_round.flow_steps else "without"
        click.echo(
            f"Imported round {survey_round.name!r}: {invited} respondents, {flow} sampling flow, "
            f"{survey_round.questionnaire_id} {survey_round.questionnaire_version}, "
            f"open {survey_round.opens}..{survey_round.closes}."
        )


@fieldwork.command("returned")
@_ROUND
@click.option(
    "--file",
    "returned_path",
    required=True,
    type=click.Path(path_type=Path),
    help="CSV with respondent_id and reason (undeliverable or deceased).",
)
def returned_command(round_name: str, returned_path: Path) -> None:
    """Record returned letters (undeliverable) and deceased respondents."""
    from prem.fieldwork.operations import record_returned_mail

    with _transaction() as (_, session):
        counts = record_returned_mail(session, round_name, returned_path)
    click.echo(
        f"Round {round_name!r}: {counts['undeliverable']} undeliverable, {counts['deceased']} deceased"
        f" ({counts['kept_submitted']} already submitted, kept)."
    )


@fieldwork.command("reminders")
@_ROUND
@click.option(
    "--out", "out_path", required=True, type=click.Path(path_type=Path), help="CSV of respondent ids to remind."
)
def reminders_command(round_name: str, out_path: Path) -> None:
    """Write the respondent ids that have not answered yet (for the region's reminder letters)."""
    from prem.fieldwork.export import write_table
    from prem.fieldwork.operations import reminder_respondent_ids

    with _transaction() as (_, session):
        ids = reminder_respondent_ids(session, round_name)
    write_table(pd.DataFrame({"respondent_id": ids}), out_path)
    click.echo(f"{len(ids)} respondents to remind written to {out_path}.")


@fieldwork.command("close")
@_ROUND
@click.option("--force", is_flag=True, help="Close before the round's last day.")
def close_command(round_name: str, force: bool) -> None:
    """Close a round and destroy its code key and access-code hashes (no code works afterwards)."""
    from prem.fieldwork.operations import close_round, get_round, survey_today
    from prem.security import code_keys

    with _transaction() as (app, session):
        destroyed = close_round(
            session,
            round_name,
            keys=code_keys(app),
            today=survey_today(app.config["SURVEY_TIMEZONE"]),
            force=force,
        )
        legacy = get_round(session, round_name).code_key_id is None
    if legacy:
        click.echo(
            f"Closed round {round_name!r}; {destroyed} access-code hashes cleared. It was imported before round "
            "keys: its old hashes, which the database's storage may still hold, stay verifiable with the app-wide "
            "access-code key (README, Code keys)."
        )
    else:
        click.echo(f"Closed round {round_name!r}; its code key and {destroyed} access-code hashes destroyed.")


@fieldwork.command("list")
def list_command() -> None:
    """List the rounds with their windows and fieldwork status counts."""
    from prem.fieldwork.operations import list_rounds
    from prem.security import code_keys

    with _transaction() as (app, session):
        summaries = list_rounds(session, code_keys(app))
    if not summaries:
        click.echo("No survey rounds yet (prem fieldwork import ...).")
    for summary in summaries:
        state = "closed" if summary.closed else f"{summary.opens}..{summary.closes}"
        counts = ", ".join(f"{status} {count}" for status, count in summary.status_counts.items() if count)
        if summary.status_counts.get("screened_out"):
            why = ", ".join(f"{reason} {count}" for reason, count in summary.screen_out_reasons.items() if count)
            counts += f" (screened out because: {why})"
        key = {"legacy": "\tcodes under the app-wide key (legacy)", "missing": "\tCODE KEY MISSING"}
        if summary.codes_destroyed_at is not None:
            key["destroyed"] = f"\tcodes destroyed {summary.codes_destroyed_at:%Y-%m-%d %H:%M} UTC"
        click.echo(
            f"{summary.name}\t{summary.questionnaire}\t{state}\t{summary.invited} invited\t{counts}"
            + key.get(summary.code_key, "")
        )


@click.group()
def export() -> None:
    """Export a round's responses (analysis input) or free text (for reviewers)."""


def _export_table(build: Callable, round_name: str, out_path: Path, what: str) -> None:
    from prem.fieldwork.export import write_table

    with _transaction() as (_, session):
        table = build(session, round_name)
    write_table(table, out_path)
    click.echo(f"{len(table)} {what} written to {out_path}.")


_OUT = click.option("--out", "out_path", required=True, type=click.Path(path_type=Path), help=".csv or .parquet file.")


@export.command("responses")
@_ROUND
@_OUT
def export_responses_command(round_name: str, out_path: Path) -> None:
    """One row per invited respondent: frame, status, questionnaire version, item codes."""
    from prem.fieldwork.export import responses_dataframe

    _export_table(responses_dataframe, round_name, out_path, "respondents")


@export.command("freetext")
@_ROUND
@_OUT
def export_freetext_command(round_name: str, out_path: Path) -> None:
    """Free-text answers, for reviewers (never part of the responses export)."""
    from prem.fieldwork.export import freetext_dataframe

    _export_table(freetext_dataframe, round_name, out_path, "free-text answers")


@click.group("db")
def database() -> None:
    """The survey database (SQLite in instance/ or DATABASE_URL)."""


@database.command("upgrade")
def upgrade_command() -> None:
    """Apply the bundled migrations (other commands do this automatically)."""
    from prem import create_app
    from prem.db import current_revision, db, upgrade_database

    app = create_app()
    upgrade_database(app)
    click.echo(f"Database at revision {current_revision(app)}.")
    with app.app_context():
        db.engine.dispose()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--production", is_flag=True, help="Serve with gunicorn, secure cookies and HSTS.")
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn workers (with --production).")
@click.option(
    "--jobs/--no-jobs",
    "run_jobs",
    default=True,
    show_default=True,
    help="Start a `prem jobs work` runner for the staff pages' reports (--no-jobs when it runs as its own service).",
)
def serve(host: str, port: int, production: bool, workers: int, run_jobs: bool) -> None:
    """Run the web survey (Flask's server for local use; gunicorn with --production)."""
    import os

    from prem import create_app
    from prem.commands.jobs import start_runner
    from prem.db import upgrade_database
    from prem.server import run_development, run_gunicorn

    if production:
        os.environ["PREM_PRODUCTION"] = "1"
    app = create_app()
    upgrade_database(app)
    runner = start_runner() if run_jobs else None
    try:
        if production:
            run_gunicorn(app, host, port, workers)
        else:
            run_development(app, host, port)
    finally:
        if runner is not None:
            runner.terminate()
            runner.wait(timeout=30)


commands: list[click.Command] = [fieldwork, export, database, serve]

from prem.commands.paper import paper as _paper  # noqa: E402  (prem fieldwork paper)

fieldwork.add_command(_paper)
