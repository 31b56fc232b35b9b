"""``prem synth``: synthetic register extracts (a thin caller of :mod:`sampling.synth`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import click

from sampling.synth import scale_for_rows, write_synthetic_extracts


@click.command("synth")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the contacts and population files (created if missing).",
)
@click.option("--seed", default=1, show_default=True, type=int, help="Seed: the same seed gives identical files.")
@click.option(
    "--scale",
    default=0.01,
    show_default=True,
    type=float,
    help="Share of the real population; 1.0 is a national volume (about 10 million contact rows).",
)
@click.option("--rows", type=click.IntRange(min=1), help="Aim at about this many contact rows (overrides --scale).")
@click.option("--year", default=2025, show_default=True, type=int, help="Calendar year of the contacts.")
@click.option(
    "--regions",
    "region_codes",
    multiple=True,
    metavar="CODE[,CODE…]",
    help="Region codes (repeat or separate with commas); all 21 when omitted.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet"]),
    default="csv",
    show_default=True,
    help="csv: each region in its own export dialect; parquet: canonical Parquet files.",
)
@click.option("--national", is_flag=True, help="One national contacts file instead of one per region.")
@click.option(
    "--extract-date",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Day the extracts are taken (decides '+' in 10-digit numbers); default 1 February after --year.",
)
def synth_command(
    out_dir: Path,
    seed: int,
    scale: float,
    rows: int | None,
    year: int,
    region_codes: tuple[str, ...],
    fmt: Literal["csv", "parquet"],  # a click.Choice of these
    national: bool,
    extract_date: dt.datetime | None,
) -> None:
    """Write synthetic contacts extracts and a population file (invented people only)."""
    regions = [code for value in region_codes for code in value.replace(",", " ").split()] or None
    if rows is not None:
        scale = scale_for_rows(rows, regions)
    files = write_synthetic_extracts(
        out_dir,
        seed=seed,
        scale=scale,
        year=year,
        regions=regions,
        fmt=fmt,
        national=national,
        extract_date=extract_date.date() if extract_date else None,
        progress=True,
    )
    click.echo(
        f"{files.contact_rows} contact rows in {len(files.contacts)} file(s), "
        f"{files.persons} people in {files.population}"
    )


commands: list[click.Command] = [synth_command]
