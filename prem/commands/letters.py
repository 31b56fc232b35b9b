"""``prem letters``: the region's invitation and reminder letters (PDF and a print vendor's CSV).

Region side: reads the mailing list (names, addresses, codes) and never
touches the survey database; :mod:`sampling.letters` does the work.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from contracts.round_info import RoundInfo
    from questionnaires import Questionnaire

__all__ = ["commands"]


@click.command("letters")
@click.option(
    "--mailing", "mailing_path", required=True, type=click.Path(path_type=Path), help="mailing.csv of the sample."
)
@click.option(
    "--frame",
    "frame_path",
    type=click.Path(path_type=Path),
    default=None,
    help="frame.csv for the pathways (default: frame.csv beside the mailing list).",
)
@click.option(
    "--round-info", "info_path", required=True, type=click.Path(path_type=Path), help="The round information (YAML)."
)
@click.option("--kind", required=True, type=click.Choice(["invitation", "reminder-1", "reminder-2"]))
@click.option(
    "--ids", "ids_path", type=click.Path(path_type=Path), default=None, help="Reminder list (respondent_id column)."
)
@click.option(
    "--out", "out_path", required=True, type=click.Path(path_type=Path), help="letters.pdf (the CSV goes beside it)."
)
def letters(
    mailing_path: Path, frame_path: Path | None, info_path: Path, kind: str, ids_path: Path | None, out_path: Path
) -> None:
    """Print-ready A4 letters, one per person sorted by postal code, and the same fields as CSV."""
    from questionnaires import QuestionnaireError
    from sampling.errors import SamplingError
    from sampling.letters import build_letters, load_round_info, write_letters

    try:
        if kind != "invitation" and ids_path is None:
            raise click.UsageError(
                f"--kind {kind} needs --ids (the reminder list of prem fieldwork reminders): a reminder must not go "
                "to people who have already answered."
            )
        info = load_round_info(info_path)
        q = _round_questionnaire(info)
        chosen = build_letters(mailing_path, frame_path or mailing_path.with_name("frame.csv"), ids_path)
        paper = None
        if kind == "reminder-2":
            from sampling.letters.questionnaire_pdf import paper_questionnaire_drawer

            paper = paper_questionnaire_drawer(q, info)
        pdf_path, csv_path = write_letters(chosen, kind, info, q, out_path, paper_questionnaire=paper)
    except (SamplingError, QuestionnaireError) as error:
        raise click.ClickException(str(error)) from None
    plan = info.plan
    click.echo(
        f"{len(chosen)} {kind} letters dated {plan.date_of(kind)} written to {pdf_path} and {csv_path} (owner-only)."
    )
    upcoming = [(k, plan.date_of(k)) for k in ("reminder-1", "reminder-2") if plan.date_of(k) > plan.date_of(kind)]
    for next_kind, day in upcoming:
        click.echo(
            f"  next: {next_kind} on {day}: prem fieldwork reminders --round {info.round} --out {next_kind}.csv, "
            f"then prem letters --kind {next_kind} --ids {next_kind}.csv"
        )


def _round_questionnaire(info: RoundInfo) -> Questionnaire:
    """The questionnaire version the round is fielded on, which the letters and the paper questionnaire follow.

    The round information must name it: the newest bundled version need not
    be the round's (a round keeps its version for the whole fieldwork), and a
    paper questionnaire of another version cannot be keyed into the round.
    """
    from prem.settings import DEFAULT_QUESTIONNAIRE
    from questionnaires import load_questionnaire

    if info.questionnaire_version is None:
        raise click.ClickException(
            f"{info.source}: questionnaire_version: missing. The letters and the paper questionnaire are printed "
            'from the version the round is fielded on: add it as quoted text (e.g. questionnaire_version: "2026.1"; '
            "prem fieldwork rounds shows each round's version)."
        )
    return load_questionnaire(info.questionnaire or DEFAULT_QUESTIONNAIRE, info.questionnaire_version)


commands: list[click.Command] = [letters]
