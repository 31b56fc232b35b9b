"""CLI commands for the analysis feature: ``prem report`` and ``prem tables``.

Thin callers: read a round's responses (from the database, or from an export
file without one), run :func:`analysis.analyse_round`, then draw the
comparison PDF (:mod:`analysis.report`) or write the tidy tables
(:func:`analysis.tables.write_tables`). Errors a user can cause – an unknown
round, pathway or region, a bad export file – are one-line messages.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import pandas as pd

from contracts.errors import UserError
from contracts.formats import FLOW_COLUMNS, RESPONSES_DTYPES
from contracts.rules import PathwayRule

if TYPE_CHECKING:
    from analysis import RoundResults

__all__ = [
    "RoundInput",
    "analyse_source",
    "commands",
    "report",
    "round_from_database",
    "round_input",
    "tables",
    "write_report",
    "write_round_tables",
]

_TEXT_COLUMNS = tuple(column for column, dtype in RESPONSES_DTYPES.items() if dtype == "text")
_DEFAULT_QUESTIONNAIRE = "prem-vardforlopp"


class _InputError(UserError):
    """A bad export file or flow directory, with a message naming it."""


@dataclass
class RoundInput:
    """What the analysis of one round needs, from the database or from an export."""

    round_name: str
    responses: pd.DataFrame
    flow: pd.DataFrame | None = None
    manifest: dict = field(default_factory=dict)
    opens: dt.date | None = None
    closes: dt.date | None = None


def _read_responses(path: Path) -> pd.DataFrame:
    """A responses export (``.csv`` or ``.parquet``) with region codes and ids kept as text."""
    if not path.is_file():
        raise _InputError(f"{path}: the responses file does not exist.")
    try:
        if path.suffix == ".parquet":
            responses = pd.read_parquet(path)
        elif path.suffix == ".csv":
            responses = pd.read_csv(path, dtype={c: "string" for c in _TEXT_COLUMNS}, encoding="utf-8")
        else:
            raise _InputError(f"{path}: a responses export ends in .csv or .parquet.")
    except (ValueError, OSError, UnicodeDecodeError) as error:
        raise _InputError(f"{path}: not a readable responses export ({error}).") from None
    missing = [
        c
        for c in ("respondent_id", "pathway", "region", "sex", "age_group", "design_weight", "status")
        if c not in responses.columns
    ]
    if missing:
        raise _InputError(
            f"{path}: column(s) {', '.join(missing)} missing; expected the `prem export responses` format."
        )
    responses = responses.astype({c: "string" for c in _TEXT_COLUMNS if c in responses.columns})
    responses["region"] = responses["region"].str.zfill(2)
    return responses


def _read_flow(flow_dir: Path | None) -> tuple[pd.DataFrame | None, dict]:
    """``flow.csv`` and ``manifest.json`` from a sample directory (either may be absent)."""
    if flow_dir is None:
        return None, {}
    if not flow_dir.is_dir():
        raise _InputError(f"{flow_dir}: the sample directory does not exist.")
    flow_path, manifest_path = flow_dir / "flow.csv", flow_dir / "manifest.json"
    flow = None
    if flow_path.is_file():
        flow = pd.read_csv(flow_path, dtype={"pathway": "string", "region": "string", "step": "string"})
        missing = set(FLOW_COLUMNS) - set(flow.columns)
        if missing:
            raise _InputError(f"{flow_path}: column(s) {', '.join(sorted(missing))} missing.")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    except json.JSONDecodeError as error:
        raise _InputError(f"{manifest_path}: not valid JSON (line {error.lineno}).") from None
    return flow, manifest


def round_from_database(round_name: str) -> RoundInput:
    """The round's responses, flow, manifest and fieldwork dates from the survey database."""
    from prem import create_app
    from prem.db import transaction

    with transaction(create_app()) as session:
        return round_input(session, round_name)


def round_input(session, round_name: str) -> RoundInput:
    """The round's responses, flow, manifest and fieldwork dates, read in the caller's database session."""
    from prem.fieldwork.export import responses_dataframe, round_sampling_flow
    from prem.fieldwork.operations import get_round

    survey_round = get_round(session, round_name)
    flow, manifest = round_sampling_flow(session, round_name)
    return RoundInput(
        round_name,
        responses_dataframe(session, round_name),
        flow,
        manifest,
        survey_round.opens,
        survey_round.closes,
    )


def bundled_rules() -> list[PathwayRule] | None:
    """The rule files shipped with prem, to name the report's flow steps; none when they cannot be read."""
    from sampling.errors import RuleFileError
    from sampling.rules import load_rules

    try:
        return load_rules()
    except RuleFileError:
        return None


def _round_input(round_name: str | None, responses_path: Path | None, flow_dir: Path | None) -> RoundInput:
    if round_name is not None and responses_path is None:
        return round_from_database(round_name)
    if responses_path is not None and round_name is None:
        flow, manifest = _read_flow(flow_dir)
        return RoundInput(responses_path.stem, _read_responses(responses_path), flow, manifest)
    raise click.UsageError("give either --round NAME (from the database) or --responses FILE (an export)")


def _questionnaire(responses: pd.DataFrame):
    """The questionnaire version most answers were given on (the bundled default when none was started)."""
    from questionnaires import load_questionnaire

    started = responses.dropna(subset=["questionnaire_id"]) if "questionnaire_id" in responses else responses.iloc[0:0]
    if started.empty:
        return load_questionnaire(_DEFAULT_QUESTIONNAIRE)
    (questionnaire_id, version), _ = next(
        iter(started.groupby(["questionnaire_id", "questionnaire_version"]).size().sort_values(ascending=False).items())
    )
    return load_questionnaire(questionnaire_id, version=version)


def analyse_source(
    source: RoundInput,
    *,
    casemix_mode: bool = False,
    standardise_to: str = "respondents",
    calibration: str = "poststratification",
    raking_trim: float | None = 5.0,
):
    """Analyse the round, with the care plan item case-mix adjusted too (the report singles it out);
    ``casemix_mode`` adds the mode of response (web/paper) to the case mix; ``standardise_to`` is the
    case mix adjusted values are standardised to (:attr:`analysis.AnalysisConfig.standardise_to`);
    ``calibration`` and ``raking_trim`` the non-response adjustment (:attr:`analysis.AnalysisConfig.calibration`)."""
    from analysis import AnalysisConfig, analyse_round
    from analysis.report import CARE_PLAN_ITEM

    q = _questionnaire(source.responses)
    adjusted_items = (CARE_PLAN_ITEM,) if any(item.id == CARE_PLAN_ITEM for item in q.scored_items) else ()
    config = AnalysisConfig(
        adjusted_items=adjusted_items,
        casemix_mode=casemix_mode,
        standardise_to=standardise_to,
        calibration=calibration,
        raking_trim=raking_trim,
    )
    return analyse_round(source.responses, q, config=config), q


_ROUND = click.option("--round", "round_name", default=None, help="Survey round in the database.")
_RESPONSES = click.option(
    "--responses",
    "responses_path",
    type=click.Path(path_type=Path),
    default=None,
    help="A responses export (.csv/.parquet) instead of --round.",
)
_CASEMIX_MODE = click.option(
    "--casemix-mode",
    is_flag=True,
    help="Adjust for the mode of response (web/paper) too, as HCAHPS does; off by default (the appendix says which).",
)
_STANDARDISE_TO = click.option(
    "--standardise-to",
    type=click.Choice(["respondents", "population"]),
    default="respondents",
    show_default=True,
    help="Case mix adjusted results are standardised to: the respondents' (unweighted) or the weighted national "
    "case mix (the population's); the appendix says which.",
)
_CALIBRATION = click.option(
    "--calibration",
    type=click.Choice(["poststratification", "raking"]),
    default="poststratification",
    show_default=True,
    help="Non-response adjustment of the design weights within pathway x region: post-stratification by sex x "
    "age group, or raking to the sex and age group margins with trimming; the appendix says which.",
)


def _trim(context: click.Context, parameter: click.Parameter, value: str) -> float | None:
    """``--raking-trim``: a number or ``none`` (its range is checked with the other settings,
    :class:`analysis.AnalysisConfig`)."""
    if value.strip().lower() == "none":
        return None
    try:
        return float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number; give a multiple above 1, e.g. 5, or 'none'") from None


_RAKING_TRIM = click.option(
    "--raking-trim",
    default="5",
    show_default=True,
    callback=_trim,
    help="With --calibration raking: no adjustment factor above this multiple of its stratum's median untrimmed "
    "factor ('none': no trimming); the appendix gives the rule and how many weights were trimmed.",
)
_FLOW = click.option(
    "--flow",
    "flow_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="With --responses: the sample directory holding flow.csv and manifest.json.",
)


@click.command("report")
@_ROUND
@_RESPONSES
@_FLOW
@click.option("--pathway", default=None, help="Compare the regions of this pathway (slug).")
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="With --pathway: only these regions (repeatable); alone: compare the pathways of this region.",
)
@click.option("--national", is_flag=True, help="National overview: every pathway.")
@click.option("--out", required=True, type=click.Path(path_type=Path, dir_okay=False), help="The PDF to write.")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True, help="Report language.")
@click.option(
    "--rules",
    "rules_path",
    type=click.Path(path_type=Path, exists=True),
    default=None,
    help="The rule file or folder the sample was drawn with, to name the flow's criteria (default: bundled).",
)
@_CASEMIX_MODE
@_STANDARDISE_TO
@_CALIBRATION
@_RAKING_TRIM
def report(
    round_name: str | None,
    responses_path: Path | None,
    flow_dir: Path | None,
    pathway: str | None,
    regions: tuple[str, ...],
    national: bool,
    out: Path,
    lang: str,
    rules_path: Path | None,
    casemix_mode: bool,
    standardise_to: str,
    calibration: str,
    raking_trim: float | None,
) -> None:
    """Write a comparison PDF: a pathway's regions, a region's pathways, or the national overview."""
    from analysis.report import check_scope
    from sampling.rules import load_rules

    if sum((pathway is not None, national, bool(regions) and pathway is None)) != 1:
        raise click.UsageError("choose one report: --pathway SLUG [--region CODE...], --region CODE, or --national")
    kind = "national" if national else "pathway" if pathway else "region"
    if not out.parent.is_dir():
        raise click.UsageError(f"{out.parent}: the output directory does not exist")
    regions = tuple(code.zfill(2) for code in regions)
    check_scope(kind, pathway=pathway, regions=regions, lang=lang)
    source = _round_input(round_name, responses_path, flow_dir)
    rules = load_rules(rules_path) if rules_path is not None else bundled_rules()
    content = write_report(
        source,
        out,
        kind=kind,
        pathway=pathway,
        regions=regions,
        lang=lang,
        rules=rules,
        casemix_mode=casemix_mode,
        standardise_to=standardise_to,
        calibration=calibration,
        raking_trim=raking_trim,
    )
    click.echo(f"Wrote {out} ({kind} report, {len(content.dimensions)} dimensions, {lang}).")


def _no_progress(step: str) -> None:
    """The default progress callback: says nothing."""


def write_report(
    source: RoundInput,
    out: Path,
    *,
    kind: str,
    pathway: str | None,
    regions: tuple[str, ...],
    lang: str,
    rules: list[PathwayRule] | None = None,
    casemix_mode: bool = False,
    standardise_to: str = "respondents",
    calibration: str = "poststratification",
    raking_trim: float | None = 5.0,
    progress: Callable[[str], None] = _no_progress,
    analysed: tuple[RoundResults, Any] | None = None,
):
    """Analyse ``source`` and write its comparison PDF to ``out`` (``prem report``, the staff pages, the demo).

    ``progress`` is told each step as it starts (``"analysing"``, ``"writing"``).
    ``analysed``: the results and questionnaire of :func:`analyse_source` for
    this ``source`` when the caller already has them (the demo writes several
    reports of one round and analyses it once).
    Raises :class:`analysis.report.ReportError` for a report the round cannot give.
    """
    from analysis.report import build_content, check_scope, write_pdf

    check_scope(
        kind, pathway=pathway, regions=regions, lang=lang, round_name=source.round_name, invited=source.responses
    )
    progress("analysing")
    results, q = (
        analysed
        if analysed is not None
        else analyse_source(
            source,
            casemix_mode=casemix_mode,
            standardise_to=standardise_to,
            calibration=calibration,
            raking_trim=raking_trim,
        )
    )
    progress("writing")
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
        rules=rules,
    )
    write_pdf(content, out)
    return content


@click.command("tables")
@_ROUND
@_RESPONSES
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory for the CSV and Parquet tables and data_dictionary.csv.",
)
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Only the rows of these regions (repeatable): what a region's coordinator may see.",
)
@click.option(
    "--respondents",
    "respondents_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Also write the person-level file (design, weights, answers) as CSV, Parquet, SPSS .sav and Stata .dta "
    "with the codebook to this directory: for analysts, not for publication.",
)
@click.option(
    "--labels",
    "labels_lang",
    type=click.Choice(["sv", "en"]),
    default="sv",
    show_default=True,
    help="Language of the SPSS and Stata labels.",
)
@_CASEMIX_MODE
@_STANDARDISE_TO
@_CALIBRATION
@_RAKING_TRIM
def tables(
    round_name: str | None,
    responses_path: Path | None,
    out_dir: Path,
    regions: tuple[str, ...],
    respondents_dir: Path | None,
    labels_lang: str,
    casemix_mode: bool,
    standardise_to: str,
    calibration: str,
    raking_trim: float | None,
) -> None:
    """Write every result table of a round as CSV and Parquet, with the data dictionary."""
    if respondents_dir is not None and regions:
        raise click.UsageError("--region limits the published tables; the person-level file has every region")
    if respondents_dir is not None and respondents_dir.resolve() == out_dir.resolve():
        raise click.UsageError("--respondents needs a directory of its own: the tables are for publication")
    regions = tuple(code.zfill(2) for code in regions)
    source = _round_input(round_name, responses_path, None)
    results, q, written = write_round_tables(
        source,
        out_dir,
        regions=regions or None,
        casemix_mode=casemix_mode,
        standardise_to=standardise_to,
        calibration=calibration,
        raking_trim=raking_trim,
    )
    click.echo(f"Wrote {len(written)} files to {out_dir}.")
    if respondents_dir is not None:
        from analysis.exports import write_respondent_files

        person_files = write_respondent_files(results, source.responses, q, respondents_dir, lang=labels_lang)
        click.echo(
            f"Wrote the person-level file ({len(person_files)} files, not for publication) to {respondents_dir}."
        )


def write_round_tables(
    source: RoundInput,
    out_dir: Path,
    *,
    regions: tuple[str, ...] | None = None,
    casemix_mode: bool = False,
    standardise_to: str = "respondents",
    calibration: str = "poststratification",
    raking_trim: float | None = 5.0,
):
    """Analyse ``source`` and write its tables (``prem tables`` and the staff pages).

    ``regions``: only those regions' rows (:func:`analysis.tables.write_tables`).
    Returns the results, the questionnaire and the files written.
    """
    from analysis.tables import write_tables

    results, q = analyse_source(
        source,
        casemix_mode=casemix_mode,
        standardise_to=standardise_to,
        calibration=calibration,
        raking_trim=raking_trim,
    )
    return results, q, write_tables(results, out_dir, regions=regions)


commands: list[click.Command] = [report, tables]
