"""``prem demo``: the whole chain on synthetic data, on the embedded default database.

Synthetic register extracts for the 21 regions → the sample of the four pilot
pathways → a survey round in SQLite → simulated web answers → invitation
letters and a last reminder with the paper questionnaire for a handful of
people (region side) → a simulated batch of paper questionnaires, keyed twice
and imported → comparison PDFs and tables that show web and paper. Every step calls the same library functions as the commands a region,
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

    _step("1/6 Synthetic register extracts for the 21 regions (invented people only)")
    files = write_synthetic_extracts(out_dir / "extracts", seed=seed, scale=scale, year=PERIOD[0].year)
    click.echo(
        f"  {files.contact_rows:,} contact rows in {len(files.contacts)} files, "
        f"{files.persons:,} people in the population file"
    )

    _step("2/6 Sample of the four pilot pathways (bundled rule files sampling/rules/)")
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

    _step("3/6 Survey round in the database (frame and hashed access codes only)")
    from contracts.round_info import load_round_info
    from prem import create_app
    from prem.db import transaction
    from prem.fieldwork.export import responses_dataframe, write_table
    from prem.fieldwork.operations import import_round, survey_today
    from prem.fieldwork.simulated import store_simulated_round
    from prem.security import code_keys

    app = create_app()
    today = survey_today(app.config["SURVEY_TIMEZONE"])
    info_path = _round_info(out_dir, today - dt.timedelta(days=14))
    with transaction(app) as session:
        import_round(
            session,
            ROUND_NAME,
            sample_dir / "frame.csv",
            sample_dir / "mailing.csv",
            today - dt.timedelta(days=14),
            today + dt.timedelta(days=60),
            code_keys(app),
            round_info=load_round_info(info_path),
        )
    click.echo(f"  round '{ROUND_NAME}' open until {today + dt.timedelta(days=60)}")
    staff_passwords = _create_staff_accounts(app)

    _step("4/6 Simulated web answers (response propensity, regional differences, partials, refusals)")
    with transaction(app) as session:
        counts = store_simulated_round(session, ROUND_NAME, seed=seed)
    click.echo("  " + ", ".join(f"{status} {n}" for status, n in counts.most_common()))

    _step("5/6 Letters (region side) and a double-keyed batch of paper questionnaires")
    _letters_and_paper(app, out_dir, sample_dir, info_path, seed)
    with transaction(app) as session:
        responses = responses_dataframe(session, ROUND_NAME)
    write_table(responses, out_dir / "responses.csv")

    _step("6/6 Analysis: tables and comparison PDFs")
    reports = _write_reports(out_dir)

    not_started = set(responses.loc[responses["status"] == "not_started", "respondent_id"])
    pathway_of = dict(zip(responses["respondent_id"], responses["pathway"], strict=False))
    click.secho("\nDone. Everything is in " + str(out_dir), bold=True)
    click.echo(f"  sample:   {sample_dir}/frame.csv, flow.csv, manifest.json (mailing.csv: the region's only)")
    click.echo(f"  letters:  {out_dir / 'letters'} (names and addresses: the region's only)")
    click.echo(f"  paper:    {out_dir / 'paper'} (the keyed batch: ids and answers)")
    click.echo(f"  tables:   {out_dir / 'tables'}")
    for path in reports:
        click.echo(f"  report:   {path}")
    click.echo("\nTry the survey as a patient with one of these codes:")
    for line in _codes_to_try(sample_dir / "mailing.csv", not_started, pathway_of):
        click.echo(line)
    url = "http://127.0.0.1:5000/"
    click.echo(f"\nStaff pages on {url}staff/ (demo accounts; these passwords are for the demo only):")
    for username, (role, password) in staff_passwords.items():
        click.echo(f"  {username:<14} {password}   ({role})")
    if serve:
        click.echo(f"\nServing the survey on {url} (Ctrl-C stops).")
        app.run(host="127.0.0.1", port=5000)
    else:
        click.echo(f"at {url} after:  DATABASE_URL=sqlite:///{database} prem serve   (or: make demo-serve)")


#: The demo's staff accounts: an administrator, Skåne's coordinator and an analyst.
DEMO_ACCOUNTS = {
    "admin": ("administrator", ()),
    "skane": ("coordinator", (REGION_REPORT,)),
    "analytiker": ("analyst", ()),
}


def _create_staff_accounts(app) -> dict[str, tuple[str, str]]:
    """The demo's staff accounts with new random passwords (printed at the end: demo only)."""
    import secrets

    from prem.db import transaction
    from prem.staff.operations import create_user

    passwords = {}
    with transaction(app) as session:
        for username, (role, regions) in DEMO_ACCOUNTS.items():
            password = "demo-" + secrets.token_urlsafe(9)
            create_user(session, username, role, regions, password=password)
            passwords[username] = (role, password)
    return passwords


LETTERS_SHOWN = 5
"""People who get an invitation and a last reminder (with the paper questionnaire) in the demo's letters."""
PAPER_BATCH = 400
"""Paper questionnaires in the demo's keyed batch (at most; those the simulation has answering)."""


def _round_info(out_dir: Path, invitation: dt.date) -> Path:
    """The demo's round information file (sender, contact, period, plan, data protection), as a region writes it."""
    import yaml

    from prem.settings import DEFAULT_QUESTIONNAIRE
    from questionnaires import load_questionnaire

    def both(sv: str, en: str) -> dict[str, str]:
        return {"sv": sv, "en": en}

    info = {
        "round": ROUND_NAME,
        "questionnaire_version": load_questionnaire(DEFAULT_QUESTIONNAIRE).version,  # the newest, as fielded
        "survey_url": "http://127.0.0.1:5000/",
        "sender": {
            "name": "Region Demo",
            "department": "Enheten för patientenkäter",
            "street": "Box 1",
            "postal_code": "123 45",
            "city": "Demostad",
        },
        "contact": {
            "phone": "010-000 00 00",
            "email": "enkat@region.example",
            "hours": both("vardagar 9–12", "weekdays 9–12"),
        },
        "period": {"start": PERIOD[0], "end": PERIOD[1]},
        "plan": {"invitation": invitation, "reminder_1_after_days": 7, "reminder_2_after_days": 14},
        "data_protection": {
            "controller": both(
                "Region Demo (påhittad region för demonstrationen).", "Region Demo (an invented region)."
            ),
            "purpose": both("Att visa hur undersökningen går till.", "To show how the survey works."),
            "legal_basis": both(
                "Allmänt intresse (artikel 6.1 e).", "A task in the public interest (article 6(1)(e))."
            ),
            "retention": both(
                "Allt raderas när demonstrationen körs igen.", "Everything is deleted when the demo runs again."
            ),
            "rights": both("Personerna är påhittade.", "The people are invented."),
        },
    }
    path = out_dir / "round-info.yaml"
    path.write_text(yaml.safe_dump(info, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _letters_and_paper(app, out_dir: Path, sample_dir: Path, info: Path, seed: int) -> None:
    """Invitations and a last reminder with the paper questionnaire for a few people (region side, from the
    mailing list), then a simulated batch of paper questionnaires keyed twice and imported (platform side)."""
    import pandas as pd

    from prem.commands.letters import letters as letters_command
    from prem.db import transaction
    from prem.fieldwork.export import write_table
    from prem.fieldwork.operations import reminder_respondent_ids
    from prem.fieldwork.paper import PaperKeyingError, import_paper_answers
    from prem.fieldwork.simulated import simulated_paper_keying, with_keying_slips, write_keying

    letters_dir, paper_dir = out_dir / "letters", out_dir / "paper"
    letters_dir.mkdir()
    paper_dir.mkdir()
    mailing = sample_dir / "mailing.csv"
    with transaction(app) as session:
        to_remind = reminder_respondent_ids(session, ROUND_NAME)
    # The reminder list as prem fieldwork reminders writes it; the letters, through the region's own
    # command (prem letters: the web app never imports the region side), for the first few only.
    write_table(pd.DataFrame({"respondent_id": to_remind}), letters_dir / "to-remind.csv")
    invited = pd.read_csv(sample_dir / "frame.csv", usecols=["respondent_id"], dtype="string")["respondent_id"]
    for kind, ids in (("invitation", invited.tolist()[:LETTERS_SHOWN]), ("reminder-2", to_remind[-LETTERS_SHOWN:])):
        ids_path = write_table(pd.DataFrame({"respondent_id": ids}), letters_dir / f"{kind}-demo-ids.csv")
        arguments = ["--mailing", str(mailing), "--round-info", str(info), "--kind", kind, "--ids", str(ids_path)]
        letters_command.main([*arguments, "--out", str(letters_dir / f"{kind}.pdf")], standalone_mode=False)
    click.echo(f"  {len(to_remind)} people to remind in all (to-remind.csv); letters above for {LETTERS_SHOWN} of them")

    with transaction(app) as session:
        keyed = simulated_paper_keying(session, ROUND_NAME, to_remind, seed=seed, size=PAPER_BATCH)
    first = write_keying(keyed, paper_dir / "keyed-1.csv")
    second = write_keying(with_keying_slips(keyed, seed=seed, slips=3), paper_dir / "keyed-2.csv")
    try:
        with transaction(app) as session:
            import_paper_answers(session, ROUND_NAME, first, second)
    except PaperKeyingError as error:
        listed = [line.strip() for line in str(error).splitlines()[1:]]
        click.echo(f"  double entry: the two keyings differ in {len(listed)} cells, nothing stored:")
        for line in listed:
            click.echo(f"    {line}")
    corrected = write_keying(keyed, paper_dir / "keyed-2-corrected.csv")
    with transaction(app) as session:
        result = import_paper_answers(session, ROUND_NAME, first, corrected)
    click.echo(
        f"  after checking those cells against the paper: {result.stored} paper responses stored "
        f"({len(result.multiple_ticks)} answers with several ticks stored as no answer, "
        f"{len(result.routed_past)} routed-past answers dropped, {len(result.conflicts)} web/paper cases)"
    )
    for conflict in result.conflicts[:3]:
        click.echo(f"    {conflict}")


def _write_reports(out_dir: Path) -> list[Path]:
    """The tables and a PDF per pathway, one region's, and the national ones, as ``prem tables`` / ``prem report``
    and the staff pages' jobs write them (the same functions); the round is analysed once for all of them."""
    from prem.commands.analysis import bundled_rules, round_from_database, write_report, write_round_tables

    source = round_from_database(ROUND_NAME)
    results, q, _tables = write_round_tables(source, out_dir / "tables")
    specs: list[tuple[str, str | None, tuple[str, ...], str]]
    specs = [("pathway", slug, (), "sv") for slug in sorted(source.responses["pathway"].unique())]
    specs += [("region", None, (REGION_REPORT,), "sv"), ("national", None, (), "sv"), ("national", None, (), "en")]
    written = []
    rules = bundled_rules()
    (out_dir / "reports").mkdir(exist_ok=True)
    for kind, pathway, regions, lang in specs:
        name = f"{kind}-{pathway or '-'.join(regions) or 'sverige'}-{lang}.pdf".replace("national-sverige", "national")
        path = out_dir / "reports" / name
        write_report(
            source, path, kind=kind, pathway=pathway, regions=regions, lang=lang, rules=rules, analysed=(results, q)
        )
        written.append(path)
    return written


commands: list[click.Command] = [demo]
