"""The selection engine: from extracts and rule files to a stratified sample.

The steps of SAMPLING.md, in order, for every pathway × region: unreadable
rows, persons with qualifying contacts, each population criterion, deceased,
protected identity, no postal address, quarantine, already drawn for another
pathway (rarest pathway first), then the draw. Reading and the eligibility
pass are polars expressions over the whole extract; only the (few hundred)
strata are visited in a Python loop.

:func:`draw_sample` runs four named stages: :func:`_read_inputs` (the only
place where work runs in parallel), :func:`_apply_exclusions`, :func:`_draw`
and :func:`_outputs`; the manifest follows.
"""

from __future__ import annotations

import calendar
import datetime as dt
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
from polars.expr.whenthen import ChainedThen, Then
from tqdm import tqdm

from contracts.formats import EXCLUSION_STEPS, FLOW_COLUMNS, FLOW_DTYPES, MAILING_COLUMNS, REGISTER_STEPS
from sampling.contacts import REJECT_COLUMNS, CheckedContacts, check_contacts, raise_for_rejects, scan_contacts
from sampling.design import access_codes_for, draw_stratum, key_fingerprint, respondent_ids, stratum_generator
from sampling.errors import SamplingError
from sampling.extracts import ColumnMapping, Extract, load_mapping
from sampling.frame import FRAME_COLUMNS, age_expr, age_group_expr
from sampling.manifest import build_manifest
from sampling.register import check_population, needed_population, read_previous, scan_population
from sampling.rules import PathwayRule, load_rules

__all__ = ["FLOW_COLUMNS", "MAILING_COLUMNS", "REGISTER_STEPS", "SampleResult", "draw_sample"]

_POLARS_DTYPES = {"text": pl.String, "integer": pl.Int64, "float": pl.Float64}
_LOOKUP_FLAGS = ("deceased", "protected", "has_address")

PathLike = str | Path


@dataclass
class SampleResult:
    """Everything one run produces; :func:`sampling.write_sample` writes it out.

    ``frame``, ``mailing`` and ``flow`` have the columns of ``frame.csv``,
    ``mailing.csv`` and ``flow.csv``; ``rejects`` lists rows set aside with
    ``on_bad_rows="skip"`` (it holds personnummer); ``manifest`` is the
    content of ``manifest.json``.
    """

    frame: pl.DataFrame
    mailing: pl.DataFrame
    flow: pl.DataFrame
    rejects: pl.DataFrame
    manifest: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Request:
    """The arguments of :func:`draw_sample`, checked: dates parsed, rules loaded and chosen."""

    rules: list[PathwayRule]
    contacts: list[PathLike]
    population: PathLike | None
    previous: Sequence[PathLike]
    mapping: ColumnMapping
    period: tuple[dt.date, dt.date]
    sampling_date: dt.date
    seed: int
    code_key: bytes
    on_bad_rows: Literal["fail", "skip"]


@dataclass(frozen=True)
class _Inputs:
    """What :func:`_read_inputs` found: the checked contacts, each pathway's persons, the register, earlier rounds."""

    contacts: list[Extract]
    checked: CheckedContacts
    persons: dict[str, pl.DataFrame]
    """Per pathway (in rule order), one row per person with qualifying contacts (see :func:`_persons`)."""
    lookup: pl.DataFrame | None
    population: Extract | None
    previous: list[Extract]
    invitations: pl.DataFrame
    rejects: pl.DataFrame
    """The contacts' and the register's unreadable rows (only ever non-empty with ``on_bad_rows="skip"``)."""


@dataclass(frozen=True)
class _Drawn:
    """What :func:`_draw` produced: the pathways' order, the persons drawn, the flow rows and the strata."""

    order: list[str]
    drawn: pl.DataFrame
    flow_rows: list[dict[str, Any]]
    strata: list[dict[str, Any]]


def _as_date(value: dt.date | str, name: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise SamplingError(f"{name}: '{value}' is not a date; expected YYYY-MM-DD") from None


def _months_before(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _chosen_rules(rules: PathLike | Sequence[PathwayRule] | None, pathways: Sequence[str] | None) -> list[PathwayRule]:
    """The rules to apply: loaded ones as given, or the rule files' (a folder, a file, or the bundled ones).

    ``pathways`` keeps only those slugs; :func:`load_rules` also names a slug without a rule file.
    """
    if isinstance(rules, Sequence) and not isinstance(rules, str):
        chosen = [rule for rule in rules if not pathways or rule.pathway in pathways]
    else:
        chosen = load_rules(rules, pathways)
    if not chosen:
        raise SamplingError("no pathway rules to apply")
    return chosen


@contextmanager
def _stages(progress: bool) -> Iterator[Callable[[str], None]]:
    """A progress bar of :func:`draw_sample`'s four stages on stderr (only when it is a terminal).

    Yields ``stage(name)``: the previous stage is done and ``name`` begins.
    """
    with tqdm(
        total=4, desc="prem sample", unit="step", disable=not (progress and sys.stderr.isatty()), file=sys.stderr
    ) as bar:
        started = False

        def stage(name: str) -> None:
            nonlocal started
            if started:
                bar.update()
            started = True
            bar.set_postfix_str(name)

        yield stage
        bar.update()


def _checked_population(
    scanning: Future[tuple[Extract, pl.DataFrame]], sampling_date: dt.date, valid_numbers: pl.Series
) -> tuple[Extract, pl.DataFrame, pl.DataFrame]:
    """Check the scanned population rows, the checked contacts' numbers known valid."""
    extract, rows = scanning.result()
    return extract, *check_population(extract, rows, sampling_date, valid_numbers)


def _read_inputs(request: _Request, stage: Callable[[str], None]) -> _Inputs:
    """Read and check every input file; the one place where work runs in parallel.

    The register scan needs only the candidates' numbers, so it runs in a
    background thread while the contacts are checked; its rows are checked
    next in the same thread, knowing which numbers the contacts' check found
    valid. Meanwhile each pathway's persons are formed from the contacts.
    Once every file is read, their sha256 are computed in the background
    while the rules are applied and the sample drawn (the manifest waits for them).
    """
    day = request.sampling_date
    with (
        tempfile.TemporaryDirectory(prefix="prem-sample-") as scratch,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="prem-population") as background,
    ):
        workdir = Path(scratch)
        extracts, candidates = scan_contacts(request.contacts, request.rules, request.mapping, workdir)
        scanning = (
            background.submit(scan_population, request.population, request.mapping, workdir, candidates["personnummer"])
            if request.population is not None
            else None
        )
        checked = check_contacts(extracts, candidates, request.rules, request.mapping, request.period, day)
        if checked.rejects.height and request.on_bad_rows == "fail":
            raise_for_rejects(checked.rejects)
        checking = (
            background.submit(_checked_population, scanning, day, checked.numbers.unique())
            if scanning is not None
            else None
        )
        stage("reading register and previous rounds")
        persons = {rule.pathway: _persons(checked.qualifying(rule), rule, request.period[1]) for rule in request.rules}
        lookup, population, rejects = None, None, checked.rejects
        if checking is not None:
            population, scanned_lookup, scanned_rejects = checking.result()
            lookup, population_rejects = needed_population(scanned_lookup, scanned_rejects, checked.numbers)
            if population_rejects.height and request.on_bad_rows == "fail":
                raise_for_rejects(population_rejects)
            rejects = pl.concat([rejects, population_rejects.cast(rejects.schema)])
        previous, invitations = read_previous(request.previous, request.mapping, day, workdir)
    for extract in [*extracts, *([population] if population is not None else []), *previous]:
        extract.hash_in_background()
    return _Inputs(extracts, checked, persons, lookup, population, previous, invitations, rejects)


def _persons(qualifying: pl.DataFrame, rule: PathwayRule, period_end: dt.date) -> pl.DataFrame:
    """One row per person with qualifying contacts: region, sex, age and the first failed criterion."""
    by_region = (
        qualifying.group_by("personnummer", "region")
        .agg(contacts=pl.len(), latest=pl.col("contact_date").max())
        .sort(["personnummer", "contacts", "latest", "region"], descending=[False, True, True, False])
        .unique("personnummer", keep="first", maintain_order=True)
        .select("personnummer", "region")
    )
    level_sets = {criterion.any_contact_at for criterion in rule.criteria if criterion.any_contact_at}
    level_flags = {f"at_{'_'.join(levels)}": pl.col("care_level").is_in(list(levels)).any() for levels in level_sets}
    persons = qualifying.group_by("personnummer").agg(
        contact_dates=pl.col("contact_date").n_unique(),
        first_contact=pl.col("contact_date").min(),
        birth_date=pl.col("birth_date").first(),
        sex=pl.col("sex").sort_by("contact_date").last(),
        **level_flags,
    )
    persons = persons.join(by_region, on="personnummer").with_columns(
        age=age_expr(pl.col("birth_date"), pl.lit(period_end))
    )
    removed = pl.lit(None, dtype=pl.String)
    for criterion in reversed(rule.criteria):
        holds = pl.lit(True)
        if criterion.min_contact_dates is not None:
            holds = holds & (pl.col("contact_dates") >= criterion.min_contact_dates)
        if criterion.any_contact_at:
            holds = holds & pl.col(f"at_{'_'.join(criterion.any_contact_at)}")
        age = (
            pl.col("age")
            if criterion.age_at == "period_end"
            else age_expr(pl.col("birth_date"), pl.col("first_contact"))
        )
        if criterion.min_age is not None:
            holds = holds & (age >= criterion.min_age)
        if criterion.max_age is not None:
            holds = holds & (age <= criterion.max_age)
        removed = pl.when(~holds).then(pl.lit(criterion.name)).otherwise(removed)
    return persons.with_columns(removed_at=removed).sort("personnummer")


def _register_exclusions(sampling_date: dt.date) -> dict[str, pl.Expr]:
    """Each register step (:data:`REGISTER_STEPS`, in flow order) and whom it removes, over the lookup's columns."""
    deceased, protected_identity, no_address = REGISTER_STEPS
    return {
        deceased: pl.col("deceased") <= pl.lit(sampling_date),
        protected_identity: pl.col("protected").fill_null(False),
        no_address: ~pl.col("has_address").fill_null(False),
    }


def _exclude(
    persons: pl.DataFrame, lookup: pl.DataFrame | None, quarantined: pl.Series, sampling_date: dt.date
) -> pl.LazyFrame:
    """Register and quarantine exclusions, in flow order, for persons still in.

    Lazy: the caller collects every pathway's exclusions at once (``pl.collect_all``), in parallel.
    The rows come back in no particular order; nothing after depends on it (the draw sorts each stratum).
    """
    still_in = pl.col("removed_at").is_null()
    excluded = persons.lazy()
    if lookup is not None:
        excluded = excluded.join(lookup.lazy().select("personnummer", *_LOOKUP_FLAGS), on="personnummer", how="left")
        removed: Then | ChainedThen = pl.when(~still_in).then("removed_at")
        for step, removes in _register_exclusions(sampling_date).items():
            removed = removed.when(removes).then(pl.lit(step))
        excluded = excluded.with_columns(removed_at=removed).drop(*_LOOKUP_FLAGS)
    return excluded.with_columns(
        removed_at=pl.when(still_in & pl.col("personnummer").is_in(quarantined.implode()))
        .then(pl.lit("quarantine"))
        .otherwise("removed_at")
    )


def _quarantined(invitations: pl.DataFrame, rule: PathwayRule, sampling_date: dt.date) -> pl.Series:
    """The personnummer invited within the pathway's quarantine before the sampling date."""
    since = _months_before(sampling_date, rule.quarantine_months)
    invited = pl.col("invited").is_between(pl.lit(since), pl.lit(sampling_date), closed="right")
    return invitations.filter(invited)["personnummer"]


def _apply_exclusions(request: _Request, inputs: _Inputs) -> dict[str, pl.DataFrame]:
    """Each pathway's persons with the register and quarantine steps applied (``removed_at``), all pathways at once."""
    day = request.sampling_date
    excluded = [
        _exclude(inputs.persons[rule.pathway], inputs.lookup, _quarantined(inputs.invitations, rule, day), day)
        for rule in request.rules
    ]
    return dict(zip((rule.pathway for rule in request.rules), pl.collect_all(excluded), strict=True))


def _rejected_rows(inputs: _Inputs, rule: PathwayRule) -> dict[str, tuple[int, int]]:
    """Region → (readable qualifying contact rows, unreadable rows with the pathway's code); empty without rejects."""
    if not inputs.rejects.height:
        return {}
    readable = dict(inputs.checked.qualifying(rule).group_by("region").len().iter_rows())
    unreadable = inputs.checked.unreadable_by_region(rule.pathway)
    return {region: (readable.get(region, 0), unreadable.get(region, 0)) for region in set(readable) | set(unreadable)}


def _flow(
    pathway: str,
    persons: pl.DataFrame,
    steps: list[str],
    strata: dict[str, tuple[int, int]],
    rejected: dict[str, tuple[int, int]],
) -> list[dict[str, Any]]:
    """Flow rows of one pathway: persons remaining and removed per region and step.

    ``rejected`` (only with skipped rows) counts contact rows, not persons:
    region → (readable qualifying rows, rejected rows); rejected rows whose
    region is unreadable are under region "".
    """
    counts = persons.group_by("region", "removed_at").len()
    by_region: dict[str, dict[str | None, int]] = {}
    for region, step, count in counts.iter_rows():
        by_region.setdefault(region, {})[step] = count
    rows = []
    for region in sorted(set(by_region) | set(rejected)):
        removed_by = by_region.get(region, {})
        if rejected:
            readable, unreadable = rejected.get(region, (0, 0))
            rows.append(
                {
                    "pathway": pathway,
                    "region": region,
                    "step": "rejected_rows",
                    "remaining": readable,
                    "removed": unreadable,
                }
            )
        remaining = sum(removed_by.values())
        rows.append(
            {
                "pathway": pathway,
                "region": region,
                "step": "persons_with_qualifying_contacts",
                "remaining": remaining,
                "removed": 0,
            }
        )
        for step in steps:
            remaining -= removed_by.get(step, 0)
            rows.append(
                {
                    "pathway": pathway,
                    "region": region,
                    "step": step,
                    "remaining": remaining,
                    "removed": removed_by.get(step, 0),
                }
            )
        population, sample = strata.get(region, (0, 0))
        rows.append(
            {
                "pathway": pathway,
                "region": region,
                "step": "sampled",
                "remaining": sample,
                "removed": population - sample,
            }
        )
    return rows


def _draw_pathway(
    rule: PathwayRule, eligible: pl.DataFrame, seed: int
) -> tuple[pl.DataFrame, dict[str, tuple[int, int]]]:
    """Simple random samples without replacement in each region of one pathway.

    Each stratum is sorted by personnummer before the draw, so its sample
    depends only on its own members and its own random stream.

    Returns
    -------
    drawn : polars.DataFrame
        The frame columns plus ``personnummer`` (for the mailing list only).
    strata : dict
        Region → (eligible population ``N_h``, sample size ``n_h``).
    """
    # One sort puts every stratum in a run of rows in personnummer order; only the draws are per stratum.
    ordered = eligible.sort("region", "personnummer")
    runs = ordered.select(pl.col("region").rle()).unnest("region")
    strata: dict[str, tuple[int, int]] = {}
    chosen, ids = [np.zeros(0, dtype="int64")], []
    start = 0
    for population, region in runs.iter_rows():
        size = rule.sample_size.for_stratum(population)
        generator = stratum_generator(seed, rule.pathway, region)
        chosen.append(start + draw_stratum(generator, population, size))
        ids.extend(respondent_ids(generator, size))
        strata[region] = (population, size)
        start += population
    populations = np.array([population for population, _ in strata.values()], dtype="int64")
    sizes = np.array([size for _, size in strata.values()], dtype="int64")
    # Each drawn person's stratum sizes (a stratum of sample size 0 has no rows).
    stratum_population, stratum_sample = np.repeat(populations, sizes), np.repeat(sizes, sizes)
    drawn = ordered[np.concatenate(chosen)].select(
        respondent_id=pl.Series(ids, dtype=pl.String),
        pathway=pl.lit(rule.pathway, dtype=pl.String),
        region="region",
        sex="sex",
        age=pl.col("age").cast(pl.Int32),
        age_group=age_group_expr(pl.col("age")),
        stratum_population=pl.Series(stratum_population),
        stratum_sample=pl.Series(stratum_sample),
        design_weight=pl.Series(stratum_population / stratum_sample),
        personnummer="personnummer",
    )
    return drawn, strata


def _mailing(drawn: pl.DataFrame, lookup: pl.DataFrame | None, code_key: bytes) -> pl.DataFrame:
    """The letter printer's list: access code, personnummer and address, in frame order."""
    codes = pl.Series(access_codes_for(drawn["respondent_id"].to_list(), code_key), dtype=pl.String)
    address_columns = ("personnummer", "name", "street", "postal_code", "city")
    address = (
        lookup.select(address_columns)
        if lookup is not None
        else pl.DataFrame(schema=dict.fromkeys(address_columns, pl.String))
    )
    return (
        drawn.select("respondent_id", "personnummer", access_code=codes)
        .join(address, on="personnummer", how="left", maintain_order="left")
        .select(MAILING_COLUMNS)
    )


def _draw(request: _Request, inputs: _Inputs, persons_by_pathway: dict[str, pl.DataFrame]) -> _Drawn:
    """Rarest pathway first (fewest eligible persons): people drawn for it leave the frames of later pathways."""
    rules = {rule.pathway: rule for rule in request.rules}
    eligible = {
        slug: persons.filter(pl.col("removed_at").is_null()).height for slug, persons in persons_by_pathway.items()
    }
    order = sorted(eligible, key=lambda slug: (eligible[slug], slug))
    drawn_people: list[str] = []
    drawn_parts: list[pl.DataFrame] = []
    flow_rows: list[dict[str, Any]] = []
    strata_manifest: list[dict[str, Any]] = []
    for slug in order:
        rule = rules[slug]
        persons = persons_by_pathway[slug].with_columns(
            removed_at=pl.when(
                pl.col("removed_at").is_null()
                & pl.col("personnummer").is_in(pl.Series(drawn_people, dtype=pl.String).implode())
            )
            .then(pl.lit("other_pathway"))
            .otherwise("removed_at")
        )
        drawn_part, strata = _draw_pathway(rule, persons.filter(pl.col("removed_at").is_null()), request.seed)
        drawn_parts.append(drawn_part)
        drawn_people.extend(drawn_part["personnummer"].to_list())
        strata_manifest.extend(
            {"pathway": slug, "region": region, "stratum_population": size[0], "stratum_sample": size[1]}
            for region, size in strata.items()
        )
        steps = [criterion.name for criterion in rule.criteria] + list(EXCLUSION_STEPS)
        flow_rows.extend(_flow(slug, persons, steps, strata, _rejected_rows(inputs, rule)))
    drawn = pl.concat(drawn_parts).sort("pathway", "region", "respondent_id")
    if drawn["respondent_id"].n_unique() != drawn.height:
        raise SamplingError("two respondents drew the same respondent_id; run again with another seed")
    return _Drawn(order, drawn, flow_rows, strata_manifest)


def _outputs(request: _Request, inputs: _Inputs, drawn: _Drawn) -> SampleResult:
    """The frame, mailing list, flow and rejects of the draw (the manifest comes last: it waits for the hashes)."""
    flow_schema = {column: _POLARS_DTYPES[dtype] for column, dtype in FLOW_DTYPES.items()}
    return SampleResult(
        frame=drawn.drawn.select(FRAME_COLUMNS),
        mailing=_mailing(drawn.drawn, inputs.lookup, request.code_key),
        flow=pl.DataFrame(drawn.flow_rows, schema=flow_schema).sort("pathway", "region", maintain_order=True),
        rejects=inputs.rejects.select(REJECT_COLUMNS).sort("file", "row"),
    )


def _manifest(request: _Request, inputs: _Inputs, drawn: _Drawn) -> dict[str, Any]:
    return build_manifest(
        rules=request.rules,
        contacts=inputs.contacts,
        population=inputs.population,
        previous=inputs.previous,
        mapping=request.mapping,
        period=request.period,
        sampling_date=request.sampling_date,
        seed=request.seed,
        code_key_fingerprint=key_fingerprint(request.code_key),
        on_bad_rows=request.on_bad_rows,
        rejected_rows=inputs.rejects.height,
        pathway_order=drawn.order,
        strata=drawn.strata,
        steps_not_applied=list(REGISTER_STEPS) if inputs.lookup is None else [],
    )


def draw_sample(
    rules: PathLike | Sequence[PathwayRule] | None,
    contacts: PathLike | Sequence[PathLike],
    *,
    population: PathLike | None = None,
    previous: Sequence[PathLike] = (),
    period_start: dt.date | str,
    period_end: dt.date | str,
    sampling_date: dt.date | str,
    seed: int,
    code_key: bytes,
    pathways: Sequence[str] | None = None,
    mapping: PathLike | ColumnMapping | None = None,
    on_bad_rows: Literal["fail", "skip"] = "fail",
    progress: bool = False,
) -> SampleResult:
    """Draw the survey sample of one round from register extracts.

    Parameters
    ----------
    rules : path, list of PathwayRule or None
        A rule file, a folder of them, loaded rules, or None for the bundled pilot rules.
    contacts : path or list of paths
        Contacts extracts (CSV or Parquet), one per region or one national file.
    population : path, optional
        Population register lookup; without it the deceased, protected identity
        and no-address steps cannot be applied (the manifest says so) and the
        mailing list has no names or addresses.
    previous : list of paths
        Earlier rounds' mailing lists for quarantine (see :func:`read_previous`).
    period_start, period_end, sampling_date : date or ISO string
        The reference period ``P`` and the sampling date ``D``.
    seed : int
        The draw's seed; each stratum's stream derives from (seed, pathway, region).
    code_key : bytes
        Secret key of the access codes (see :func:`sampling.output.load_code_key`).
    pathways : list of str, optional
        Only these pathway slugs.
    mapping : path or ColumnMapping, optional
        The region's own column names and care-level labels.
    on_bad_rows : {"fail", "skip"}
        Stop at unreadable rows (default), or count them in the flow and list them in ``rejects``.
    progress : bool
        Show a progress bar on stderr (only when it is a terminal).

    Returns
    -------
    SampleResult

    Raises
    ------
    SamplingError
        For anything wrong in the inputs, naming file, row and column.
    """
    request = _request(
        rules,
        contacts,
        population=population,
        previous=previous,
        period_start=period_start,
        period_end=period_end,
        sampling_date=sampling_date,
        seed=seed,
        code_key=code_key,
        pathways=pathways,
        mapping=mapping,
        on_bad_rows=on_bad_rows,
    )
    with _stages(progress) as stage:
        stage("reading contacts")
        inputs = _read_inputs(request, stage)
        stage("applying rules and drawing")
        drawn = _draw(request, inputs, _apply_exclusions(request, inputs))
        stage("mailing list")
        result = _outputs(request, inputs, drawn)
    result.manifest = _manifest(request, inputs, drawn)
    return result


def _request(
    rules: PathLike | Sequence[PathwayRule] | None,
    contacts: PathLike | Sequence[PathLike],
    *,
    population: PathLike | None,
    previous: Sequence[PathLike],
    period_start: dt.date | str,
    period_end: dt.date | str,
    sampling_date: dt.date | str,
    seed: int,
    code_key: bytes,
    pathways: Sequence[str] | None,
    mapping: PathLike | ColumnMapping | None,
    on_bad_rows: Literal["fail", "skip"],
) -> _Request:
    """Check :func:`draw_sample`'s arguments (in the order a reader gives them) before any file is read."""
    if on_bad_rows not in ("fail", "skip"):
        raise SamplingError(f"on_bad_rows must be 'fail' or 'skip', not '{on_bad_rows}'")
    start = _as_date(period_start, "period_start")
    end = _as_date(period_end, "period_end")
    day = _as_date(sampling_date, "sampling_date")
    if not start <= end:
        raise SamplingError(f"period_start {start} is after period_end {end}")
    chosen = _chosen_rules(rules, pathways)
    column_mapping = mapping if isinstance(mapping, ColumnMapping) else load_mapping(mapping)
    contact_paths = [contacts] if isinstance(contacts, (str, Path)) else list(contacts)
    if not contact_paths:
        raise SamplingError("no contacts extract given")
    return _Request(
        rules=chosen,
        contacts=contact_paths,
        population=population,
        previous=previous,
        mapping=column_mapping,
        period=(start, end),
        sampling_date=day,
        seed=seed,
        code_key=code_key,
        on_bad_rows=on_bad_rows,
    )
