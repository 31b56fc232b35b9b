"""The selection engine: from extracts and rule files to a stratified sample.

The steps of SAMPLING.md, in order, for every pathway × region: unreadable
rows, persons with qualifying contacts, each population criterion, deceased,
protected identity, no postal address, quarantine, already drawn for another
pathway (rarest pathway first), then the draw. Reading and the eligibility
pass are polars expressions over the whole extract; only the (few hundred)
strata are visited in a Python loop.
"""

from __future__ import annotations

import calendar
import datetime as dt
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import polars as pl
from tqdm import tqdm

from contracts.formats import FLOW_COLUMNS, FLOW_DTYPES, MAILING_COLUMNS
from sampling.contacts import REJECT_COLUMNS, check_contacts, raise_for_rejects, scan_contacts
from sampling.design import access_codes_for, draw_stratum, key_fingerprint, respondent_ids, stratum_generator
from sampling.errors import SamplingError
from sampling.extracts import ColumnMapping, Extract, load_mapping
from sampling.frame import FRAME_COLUMNS, age_expr, age_group_expr
from sampling.manifest import build_manifest
from sampling.register import check_population, needed_population, read_previous, scan_population
from sampling.rules import PathwayRule, load_rules

__all__ = ["FLOW_COLUMNS", "MAILING_COLUMNS", "SampleResult", "draw_sample"]

_POLARS_DTYPES = {"text": pl.String, "integer": pl.Int64, "float": pl.Float64}
REGISTER_STEPS = ("deceased", "protected_identity", "no_address")

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


def _checked_population(
    scanning: Future[tuple[Extract, pl.DataFrame]], sampling_date: dt.date, valid_numbers: pl.Series
) -> tuple[Extract, pl.DataFrame, pl.DataFrame]:
    """Check the scanned population rows, the checked contacts' numbers known valid."""
    extract, rows = scanning.result()
    return extract, *check_population(extract, rows, sampling_date, valid_numbers)


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
        excluded = excluded.join(
            lookup.lazy().select("personnummer", "deceased", "protected", "has_address"), on="personnummer", how="left"
        )
        excluded = excluded.with_columns(
            removed_at=pl.when(~still_in)
            .then("removed_at")
            .when(pl.col("deceased") <= pl.lit(sampling_date))
            .then(pl.lit("deceased"))
            .when(pl.col("protected").fill_null(False))
            .then(pl.lit("protected_identity"))
            .when(~pl.col("has_address").fill_null(False))
            .then(pl.lit("no_address"))
        ).drop("deceased", "protected", "has_address")
    return excluded.with_columns(
        removed_at=pl.when(still_in & pl.col("personnummer").is_in(quarantined.implode()))
        .then(pl.lit("quarantine"))
        .otherwise("removed_at")
    )


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
    if on_bad_rows not in ("fail", "skip"):
        raise SamplingError(f"on_bad_rows must be 'fail' or 'skip', not '{on_bad_rows}'")
    start, end, day = (
        _as_date(v, n)
        for v, n in ((period_start, "period_start"), (period_end, "period_end"), (sampling_date, "sampling_date"))
    )
    if not start <= end:
        raise SamplingError(f"period_start {start} is after period_end {end}")
    rule_list = (
        list(rules) if isinstance(rules, Sequence) and not isinstance(rules, str) else load_rules(rules, pathways)
    )
    if pathways:
        rule_list = [rule for rule in rule_list if rule.pathway in pathways]
    if not rule_list:
        raise SamplingError("no pathway rules to apply")
    column_mapping = mapping if isinstance(mapping, ColumnMapping) else load_mapping(mapping)
    contact_paths = [contacts] if isinstance(contacts, (str, Path)) else list(contacts)
    if not contact_paths:
        raise SamplingError("no contacts extract given")
    with tqdm(
        total=4, desc="prem sample", unit="step", disable=not (progress and sys.stderr.isatty()), file=sys.stderr
    ) as bar:
        with tempfile.TemporaryDirectory(prefix="prem-sample-") as scratch:
            workdir = Path(scratch)
            bar.set_postfix_str("reading contacts")
            extracts, candidates = scan_contacts(contact_paths, rule_list, column_mapping, workdir)
            # The register scan needs only the candidates' numbers: it runs while their rows are checked; its
            # rows are checked next in the same thread, knowing which numbers the contacts' check found valid.
            with ThreadPoolExecutor(max_workers=1, thread_name_prefix="prem-population") as background:
                scanning = (
                    background.submit(scan_population, population, column_mapping, workdir, candidates["personnummer"])
                    if population is not None
                    else None
                )
                if scanning is None:
                    for extract in extracts:
                        extract.hash_in_background()
                valid, bad_rows, rejects = check_contacts(
                    extracts, candidates, rule_list, column_mapping, (start, end), day
                )
                if rejects.height and on_bad_rows == "fail":
                    raise_for_rejects(rejects)
                checking = (
                    background.submit(_checked_population, scanning, day, valid["personnummer"].unique())
                    if scanning is not None
                    else None
                )
                bar.update()
                bar.set_postfix_str("reading register and previous rounds")
                # Each pathway's persons need only the contacts: formed while the register is still read.
                qualifying = {
                    rule.pathway: valid.filter(
                        pl.col(f"_q_{rule.pathway}") & pl.col("care_level").is_in(list(rule.care_levels))
                    )
                    for rule in rule_list
                }
                persons_found = {rule.pathway: _persons(qualifying[rule.pathway], rule, end) for rule in rule_list}
                lookup, population_extract = None, None
                if checking is not None:
                    # The register check leaves a core idle at times: the contacts are hashed while it ends,
                    # or else the hashing would hold up the manifest after the draw.
                    for extract in extracts:
                        extract.hash_in_background()
                    population_extract, scanned_lookup, scanned_rejects = checking.result()
                    population_extract.hash_in_background()
                    lookup, population_rejects = needed_population(
                        scanned_lookup, scanned_rejects, valid["personnummer"]
                    )
                    if population_rejects.height and on_bad_rows == "fail":
                        raise_for_rejects(population_rejects)
                    rejects = pl.concat([rejects, population_rejects.cast(rejects.schema)])
            previous_extracts, previous_invitations = read_previous(previous, column_mapping, day, workdir)
        bar.update()
        bar.set_postfix_str("applying rules and drawing")

        excluded: list[pl.LazyFrame] = []
        rejected_by_pathway: dict[str, dict[str, tuple[int, int]]] = {}
        for rule in rule_list:
            quarantine_from = _months_before(day, rule.quarantine_months)
            quarantined = previous_invitations.filter(
                pl.col("invited").is_between(pl.lit(quarantine_from), pl.lit(day), closed="right")
            )["personnummer"]
            excluded.append(_exclude(persons_found[rule.pathway], lookup, quarantined, day))
            rejected_by_pathway[rule.pathway] = {}
            if rejects.height:
                readable = dict(qualifying[rule.pathway].group_by("region").len().iter_rows())
                unreadable = dict(
                    bad_rows.filter(pl.col(f"_q_{rule.pathway}"))
                    .group_by(pl.col("region_code").fill_null(""))
                    .len()
                    .iter_rows()
                )
                rejected_by_pathway[rule.pathway] = {
                    r: (readable.get(r, 0), unreadable.get(r, 0)) for r in set(readable) | set(unreadable)
                }

        persons_by_pathway = dict(zip((rule.pathway for rule in rule_list), pl.collect_all(excluded), strict=False))
        # Rarest pathway first; people drawn for it leave the frames of later pathways.
        eligible = {
            slug: persons.filter(pl.col("removed_at").is_null()).height for slug, persons in persons_by_pathway.items()
        }
        order = sorted(eligible, key=lambda slug: (eligible[slug], slug))
        drawn_people: list[str] = []
        drawn_parts: list[pl.DataFrame] = []
        flow_rows: list[dict[str, Any]] = []
        strata_manifest: list[dict[str, Any]] = []
        for slug in order:
            rule = next(r for r in rule_list if r.pathway == slug)
            persons = persons_by_pathway[slug].with_columns(
                removed_at=pl.when(
                    pl.col("removed_at").is_null()
                    & pl.col("personnummer").is_in(pl.Series(drawn_people, dtype=pl.String).implode())
                )
                .then(pl.lit("other_pathway"))
                .otherwise("removed_at")
            )
            drawn_part, strata = _draw_pathway(rule, persons.filter(pl.col("removed_at").is_null()), seed)
            drawn_parts.append(drawn_part)
            drawn_people.extend(drawn_part["personnummer"].to_list())
            strata_manifest.extend(
                {"pathway": slug, "region": region, "stratum_population": size[0], "stratum_sample": size[1]}
                for region, size in strata.items()
            )
            steps = [c.name for c in rule.criteria] + [
                "deceased",
                "protected_identity",
                "no_address",
                "quarantine",
                "other_pathway",
            ]
            flow_rows.extend(_flow(slug, persons, steps, strata, rejected_by_pathway[slug]))
        bar.update()
        bar.set_postfix_str("mailing list")

        drawn = pl.concat(drawn_parts).sort("pathway", "region", "respondent_id")
        if drawn["respondent_id"].n_unique() != drawn.height:
            raise SamplingError("two respondents drew the same respondent_id; run again with another seed")
        frame = drawn.select(FRAME_COLUMNS)
        mailing = _mailing(drawn, lookup, code_key)
        flow_schema = {column: _POLARS_DTYPES[dtype] for column, dtype in FLOW_DTYPES.items()}
        flow = pl.DataFrame(flow_rows, schema=flow_schema).sort("pathway", "region", maintain_order=True)
        bar.update()

    manifest = build_manifest(
        rules=rule_list,
        contacts=extracts,
        population=population_extract,
        previous=previous_extracts,
        mapping=column_mapping,
        period=(start, end),
        sampling_date=day,
        seed=seed,
        code_key_fingerprint=key_fingerprint(code_key),
        on_bad_rows=on_bad_rows,
        rejected_rows=rejects.height,
        pathway_order=order,
        strata=strata_manifest,
        steps_not_applied=list(REGISTER_STEPS) if lookup is None else [],
    )
    return SampleResult(
        frame=frame,
        mailing=mailing,
        flow=flow,
        rejects=rejects.select(REJECT_COLUMNS).sort("file", "row"),
        manifest=manifest,
    )
