"""``prem questionnaire``: check a definition, write a codebook (thin callers of ``questionnaires``)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import click

from questionnaires import Questionnaire, load_questionnaire
from questionnaires.codebook import write_codebook


def _load(id_or_path: str, version: str | None = None) -> Questionnaire:
    return load_questionnaire(id_or_path, version=version)


def summary(q: Questionnaire) -> str:
    """A few lines describing a loaded questionnaire, for ``check``."""
    per_dimension = Counter(item.dimension for item in q.scored_items)
    dimensions = ", ".join(f"{d.id} ({per_dimension[d.id]})" for d in q.dimensions)
    routed = [item.id for item in q.items if item.show_if is not None]
    return "\n".join(
        [
            f"{q.id} {q.version}: valid",
            f"languages: {', '.join(q.languages)}",
            f"pages: {len(q.pages)}; items: {len(q.items)} ({len(q.core_items)} core, {len(q.scored_items)} scored)",
            f"dimensions: {dimensions}",
            f"background roles: {', '.join(item.role or '' for item in q.background_items) or 'none'}",
            f"routed items: {', '.join(routed) or 'none'}",
            f"pathway introductions: {', '.join(q.pathway_intros)}",
        ]
    )


@click.group("questionnaire")
def questionnaire() -> None:
    """Questionnaire definitions: validate them and write codebooks."""


@questionnaire.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def check(file: Path) -> None:
    """Validate the definition FILE and print a summary, or every problem found."""
    click.echo(summary(_load(str(file))))


@questionnaire.command("codebook")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for codebook.csv and codebook.md.",
)
@click.option(
    "--id",
    "questionnaire_id",
    default="prem-vardforlopp",
    show_default=True,
    help="Bundled questionnaire id or a definition file.",
)
@click.option("--version", default=None, help="Version (default: the newest bundled).")
def codebook(out_dir: Path, questionnaire_id: str, version: str | None) -> None:
    """Write the codebook (CSV and Markdown) of a questionnaire version."""
    q = _load(questionnaire_id, version)
    for path in write_codebook(q, out_dir):
        click.echo(f"wrote {path}")


commands: list[click.Command] = [questionnaire]
