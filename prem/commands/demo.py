"""``prem demo``: the whole chain on synthetic data, on the embedded default database.

Synthetic register extracts for the 21 regions → the sample of the four pilot
pathways → a survey round in SQLite → simulated answers → comparison PDFs and
tables. Every step calls the same library functions as the commands a region,
a survey administrator and an analyst run; the demo only chooses the inputs.
All of it goes into one folder (``demo-output/`` by default), which the demo
empties first, so it can be run again and again.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import shutil
from pathlib import Path

import click

__all__ = ["commands", "demo"]

ROUND_NAME = "demo"
PERIOD = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
SAMPLING_DATE = dt.date(2026, 2, 1)
REGION_REPORT = "12"  # Skåne, one of the 2023 pilot's four regions


def _step(text: str) -> None:
    click.secho(f"\n▸ {text}", bold=True)


def _flow_summary(flow_path: Path) -> list[str]:
    """Per pathway: persons with qualifying contacts, eligible, sampled (summed over regions)."""
    totals: dict[str, dict[str, int]] = {}
    with flow_path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            pathway = totals.setdefault(row["pathway"], {})
            pathway[row["step"]] = pathway.get(row["step"], 0) + int(row["remaining"])
    lines = [f"  {'pathway':32} {'qualifying':>10} {'eligible':>9} {'invited':>8}"]
    for slug, steps in totals.items():
        lines.append(
            f"  {slug:32} {steps['persons_with_qualifying_contacts']:>10} "
            f"{steps['other_pathway']:>9} {steps['sampled']:>8}"
        )
    return lines


def _codes_to_try(mailing_path: Path, not_started: set[str], per_pathway: dict[str, str]) -> list[str]:
    """One unused access code per pathway, read back from the demo's own mailing list."""
    chosen: dict[str, str] = {}
    with mailing_path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            pathway = per_pathway.get(row["respondent_id"])
            if row["respondent_id"] in not_started and pathway is not None and pathway not in chosen:
                chosen[pathway] = row["access_code"]
    return [f"  {code}   ({pathway})" for pathway, code in sorted(chosen.items())]


@click.command("demo")
@click.option(
    "--out",
    "out_dir",
    default="demo-output",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for everything the demo makes.",
)
@click.option(
    "--scale",
    default=0.1,
    show_default=True,
    type=float,
    help="Size of the synthetic population as a share of Sweden's.",
)
@click.option("--seed", default=2026, show_default=True, type=int, help="Seed of every random step.")
@click.option("--serve", is_flag=True, help="Start the web survey on http://127.0.0.1:5000 at the end.")
def demo(out_dir: Path, scale: float, seed: int, serve: bool) -> None:
    """Run the whole chain on synthetic people: extracts → sample → survey round → answers → PDFs."""
    from sampling import draw_sample, load_code_key, write_sample
    from sampling.synth import write_synthetic_extracts

    out_dir = out_dir.resolve()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    database = out_dir / "prem.sqlite"
    # The demo's own database file, so that a rerun starts afresh; the web
    # server started with the same DATABASE_URL shows the demo round.
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"

    _step("1/5 Synthetic register extracts for the 21 regions (invented people only)")
    files = write_synthetic_extracts(out_dir / "extracts", seed=seed, scale=scale, year=PERIOD[0].year)
    click.echo(
        f"  {files.contact_rows:,} contact rows in {len(files.contacts)} files, "
        f"{files.persons:,} people in the population file"
    )

    _step("2/5 Sample of the four pilot pathways (bundled rule files sampling/rules/)")
    sample_dir = out_dir / "sample"
    result = draw_sample(
        None,
        files.contacts,
        population=files.population,
        period_start=PERIOD[0],
        period_end=PERIOD[1],
        sampling_date=SAMPLING_DATE,
        seed=seed,
        code_key=load_code_key(out_dir / "sampling-code.key"),
        progress=True,
    )
    write_sample(result, sample_dir)
    for line in _flow_summary(sample_dir / "flow.csv"):
        click.echo(line)

    _step("3/5 Survey round in the database (frame and hashed access codes only)")
    from prem import create_app
    from prem.db import transaction
    from prem.fieldwork.export import responses_dataframe, write_table
    from prem.fieldwork.operations import import_round, survey_today
    from prem.fieldwork.simulated import store_simulated_round
    from prem.security import code_keys

    app = create_app()
    today = survey_today(app.config["SURVEY_TIMEZONE"])
    with transaction(app) as session:
        import_round(
            session,
            ROUND_NAME,
            sample_dir / "frame.csv",
            sample_dir / "mailing.csv",
            today - dt.timedelta(days=14),
            today + dt.timedelta(days=60),
            code_keys(app),
        )
    click.echo(f"  round '{ROUND_NAME}' open until {today + dt.timedelta(days=60)}")

    _step("4/5 Simulated answers (response propensity, regional differences, partials, refusals)")
    with transaction(app) as session:
        counts = store_simulated_round(session, ROUND_NAME, seed=seed)
    click.echo("  " + ", ".join(f"{status} {n}" for status, n in counts.most_common()))
    with transaction(app) as session:
        responses = responses_dataframe(session, ROUND_NAME)
    write_table(responses, out_dir / "responses.csv")

    _step("5/5 Analysis: tables and comparison PDFs")
    reports = _write_reports(out_dir)

    not_started = set(responses.loc[responses["status"] == "not_started", "respondent_id"])
    pathway_of = dict(zip(responses["respondent_id"], responses["pathway"], strict=False))
    click.secho("\nDone. Everything is in " + str(out_dir), bold=True)
    click.echo(f"  sample:   {sample_dir}/frame.csv, flow.csv, manifest.json (mailing.csv: the region's only)")
    click.echo(f"  tables:   {out_dir / 'tables'}")
    for path in reports:
        click.echo(f"  report:   {path}")
    click.echo("\nTry the survey as a patient with one of these codes:")
    for line in _codes_to_try(sample_dir / "mailing.csv", not_started, pathway_of):
        click.echo(line)
    url = "http://127.0.0.1:5000/"
    if serve:
        click.echo(f"\nServing the survey on {url} (Ctrl-C stops).")
        app.run(host="127.0.0.1", port=5000)
    else:
        click.echo(f"at {url} after:  DATABASE_URL=sqlite:///{database} prem serve   (or: make demo-serve)")


def _write_reports(out_dir: Path) -> list[Path]:
    """Analyse the round once; write the tables and a PDF per pathway, one region's, and the national ones."""
    from analysis.report import build_content, write_pdf
    from analysis.tables import write_tables
    from prem.commands.analysis import analyse_source, round_from_database

    source = round_from_database(ROUND_NAME)
    results, q = analyse_source(source)
    write_tables(results, out_dir / "tables")
    specs: list[tuple[str, str | None, tuple[str, ...], str]]
    specs = [("pathway", slug, (), "sv") for slug in sorted(source.responses["pathway"].unique())]
    specs += [("region", None, (REGION_REPORT,), "sv"), ("national", None, (), "sv"), ("national", None, (), "en")]
    written = []
    for kind, pathway, regions, lang in specs:
        name = f"{kind}-{pathway or '-'.join(regions) or 'sverige'}-{lang}.pdf".replace("national-sverige", "national")
        content = build_content(
            results,
            q,
            kind=kind,
            round_name=source.round_name,
            pathway=pathway,
            regions=regions,
            lang=lang,
            flow=source.flow,
            manifest=source.manifest,
            fieldwork=(source.opens, source.closes),
        )
        path = out_dir / "reports" / name
        path.parent.mkdir(exist_ok=True)
        write_pdf(content, path)
        written.append(path)
    return written


commands: list[click.Command] = [demo]
