"""``prem fieldwork paper``: store answers keyed from paper questionnaires (added to the fieldwork group)."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["commands", "paper"]


@click.command("paper")
@click.option("--round", "round_name", required=True, help="Name of the survey round.")
@click.option("--file", "keyed_path", required=True, type=click.Path(path_type=Path), help="The keyed answers (CSV).")
@click.option(
    "--second-keying",
    "second_path",
    type=click.Path(path_type=Path),
    default=None,
    help="The same questionnaires keyed a second time: every discrepancy is listed and nothing stored.",
)
def paper(round_name: str, keyed_path: Path, second_path: Path | None) -> None:
    """Import paper answers (validated against the questionnaire; one transaction)."""
    from prem import create_app
    from prem.db import db, transaction
    from prem.errors import PremError
    from prem.fieldwork.paper import import_paper_answers

    app = create_app()
    try:
        with transaction(app) as session:
            result = import_paper_answers(session, round_name, keyed_path, second_path)
    except PremError as error:
        raise click.ClickException(str(error)) from None
    finally:
        with app.app_context():
            db.engine.dispose()
    check = "double-keyed and compared" if result.verified else "keyed once, NOT verified by a second keying"
    click.echo(f"Round {round_name!r}: {result.stored} paper responses stored ({check}).")
    click.echo(f"  several ticks, stored as no answer: {len(result.multiple_ticks)}")
    click.echo(f"  answers to routed-past items, dropped: {len(result.routed_past)}")
    click.echo(f"  web/paper conflicts (the first complete response counts): {len(result.conflicts)}")
    for line in result.conflicts:
        click.echo(f"    {line}")


#: Registered in the ``fieldwork`` group by ``prem.commands.survey``, not at the top level.
commands: list[click.Command] = []
