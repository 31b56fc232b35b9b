"""CLI commands for the sampling feature (thin callers of the library)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import click

from sampling import draw_sample, load_code_key, write_sample
from sampling.output import DEFAULT_CODE_KEY


class _ListOptionsCommand(click.Command):
    """Lets ``--contacts`` and ``--previous`` take several files: ``--contacts a.csv b.csv``.

    Click options take one value each, so the arguments are rewritten to
    ``--contacts a.csv --contacts b.csv`` before parsing.
    """

    list_options = ("--contacts", "--previous")

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rewritten: list[str] = []
        current: str | None = None
        for argument in args:
            if argument.startswith("-"):
                current = argument if argument in self.list_options else None
                rewritten.append(argument)
            elif current is not None and rewritten[-1] != current:
                rewritten.extend([current, argument])
            else:
                rewritten.append(argument)
        return super().parse_args(ctx, rewritten)


@click.command("sample", cls=_ListOptionsCommand)
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="A rule file or a folder of them (default: the bundled pilot pathways).",
)
@click.option(
    "--contacts",
    "contacts",
    type=click.Path(path_type=Path),
    required=True,
    multiple=True,
    help="Contacts extracts (CSV or Parquet), one or several files.",
)
@click.option("--population", type=click.Path(path_type=Path), default=None, help="Population register lookup.")
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    multiple=True,
    help="Earlier rounds' mailing.csv files (with manifest.json beside them, or an invited_date column).",
)
@click.option(
    "--mapping",
    type=click.Path(path_type=Path),
    default=None,
    help="YAML: columns and care_levels of the region's extract.",
)
@click.option(
    "--period-start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day of the reference period."
)
@click.option(
    "--period-end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day of the reference period."
)
@click.option("--sampling-date", type=click.DateTime(["%Y-%m-%d"]), required=True, help="The date D of the draw.")
@click.option("--seed", type=int, required=True, help="Seed of the draw; record it.")
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), required=True, help="New folder for the sample files."
)
@click.option("--pathway", "pathways", multiple=True, help="Only this pathway (slug); repeatable.")
@click.option("--on-bad-rows", type=click.Choice(["fail", "skip"]), default="fail", show_default=True)
@click.option(
    "--code-key",
    type=click.Path(path_type=Path),
    default=DEFAULT_CODE_KEY,
    show_default=True,
    help="Secret key of the access codes; created on first use.",
)
def sample_command(
    rules_path: Path | None,
    contacts: tuple[Path, ...],
    population: Path | None,
    previous: tuple[Path, ...],
    mapping: Path | None,
    period_start: dt.datetime,
    period_end: dt.datetime,
    sampling_date: dt.datetime,
    seed: int,
    out_dir: Path,
    pathways: tuple[str, ...],
    on_bad_rows: Literal["fail", "skip"],  # a click.Choice of these
    code_key: Path,
) -> None:
    """Draw a survey sample: frame.csv, mailing.csv, flow.csv and manifest.json in --out."""
    new_key = not code_key.exists()
    key = load_code_key(code_key)
    if new_key:
        click.echo(
            f"prem sample: created a new access-code key in {code_key}; keep it secret, and keep it for as long "
            "as this round's codes must be reproducible",
            err=True,
        )
    result = draw_sample(
        rules_path,
        list(contacts),
        population=population,
        previous=previous,
        period_start=period_start.date(),
        period_end=period_end.date(),
        sampling_date=sampling_date.date(),
        seed=seed,
        code_key=key,
        pathways=list(pathways) or None,
        mapping=mapping,
        on_bad_rows=on_bad_rows,
        progress=True,
    )
    write_sample(result, out_dir)
    invited = result.frame.height
    click.echo(
        f"{invited} persons invited in {result.frame.select('pathway', 'region').n_unique()} strata; files in {out_dir}"
    )
    if result.rejects.height:
        click.echo(
            f"{result.rejects.height} rows set aside in {out_dir / 'rejects.csv'} (holds personnummer: keep it with the mailing list)",
            err=True,
        )


commands: list[click.Command] = [sample_command]
