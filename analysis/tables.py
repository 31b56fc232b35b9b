"""The published tables: their columns, types and meaning, and how they are written.

Every table of :class:`analysis.results.RoundResults` is described here
column by column; :func:`data_dictionary` turns the description into a
table of its own, and :func:`write_tables` writes every table as CSV and
Parquet beside ``data_dictionary.csv``. The description is the contract with
the comparison PDF and with analysts who read the files: names here do not
change without a note to the report helper.

Conventions
-----------
* Shares, rates and 0–100 scores are all on a 0–100 scale (percent or
  score points), so that a chart of a dimension can show both measures.
* Grouping columns (``pathway``, ``region``, ``healthcare_region``) are
  empty (missing) when the row's ``level`` does not break down by them.
* Suppressed results keep their row, with missing estimates, ``suppressed``
  true and the reason in ``suppression_reason``; masked counts are missing
  and named in ``masked_columns``; masked respondent counts (``n``) are
  missing, by the same rule as the response tables' counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from contracts.spreadsheet import spreadsheet_csv

if TYPE_CHECKING:
    from analysis.results import RoundResults

__all__ = [
    "DISPOSITIONS",
    "LEVELS",
    "LEVEL_KEYS",
    "TABLES",
    "Column",
    "conform",
    "data_dictionary",
    "empty_table",
    "region_rows",
    "write_tables",
]

LEVELS: tuple[str, ...] = ("pathway_region", "pathway", "region", "healthcare_region", "national")
"""The levels of aggregation, from finest to coarsest (values of ``level``)."""

LEVEL_KEYS: dict[str, list[str]] = {
    "pathway_region": ["pathway", "region", "healthcare_region"],
    "pathway": ["pathway"],
    "region": ["region", "healthcare_region"],
    "healthcare_region": ["healthcare_region"],
    "national": [],
}
"""Each level of :data:`LEVELS` and the key columns of its groups."""


@dataclass(frozen=True)
class Column:
    """One column of a published table.

    ``dtype`` is a pandas dtype name: ``"string"``, ``"Int64"`` (counts,
    missing when masked), ``"float64"`` or ``"boolean"``.
    """

    name: str
    dtype: str
    unit: str
    description: str


def _keys(*names: str) -> tuple[Column, ...]:
    known = {
        "level": Column("level", "string", "", "Level of aggregation: " + ", ".join(LEVELS) + "."),
        "pathway": Column(
            "pathway",
            "string",
            "",
            "Care pathway slug (sampling.reference.pathways()); empty when not split by pathway.",
        ),
        "region": Column("region", "string", "", "Two-digit region code; empty when not split by region."),
        "healthcare_region": Column(
            "healthcare_region",
            "string",
            "",
            "Healthcare region (sjukvårdsregion) of the region, or the row's healthcare region; empty when not split.",
        ),
        "sex": Column("sex", "string", "", "Sex from the frame: M (man) or K (kvinna, woman)."),
        "age_group": Column(
            "age_group", "string", "", "Age group from the frame: 0-17, 18-34, 35-49, 50-64, 65-79, 80+."
        ),
        "dimension": Column("dimension", "string", "", "Dimension id from the questionnaire (q.dimensions)."),
        "item_id": Column("item_id", "string", "", "Item id from the questionnaire."),
    }
    return tuple(known[name] for name in names)


_ESTIMATE = (
    Column(
        "weighting",
        "string",
        "",
        "unweighted (respondents count equally) or weighted (design weight × post-stratification to the eligible population).",
    ),
    Column(
        "measure", "string", "", "share_positive (percent of respondents positive) or mean_score (mean 0–100 score)."
    ),
    Column(
        "n",
        "Int64",
        "respondents",
        "Respondents with a scored answer (items) or a dimension score (dimensions) in the group; unweighted count. Missing (masked) when 1-4, when the group's respondent count (complete) is masked in response_rates, or as the next smallest n of regions, pathways or healthcare regions adding up to a shown n (so that no masked count comes back by subtraction). Where n is masked and the estimate shown, the estimate is rounded to a whole number and se, lower and upper are missing (they would give n back).",
    ),
    Column("estimate", "float64", "percent or score 0-100", "The estimate; missing when suppressed."),
    Column("se", "float64", "percent or score 0-100", "Standard error of the estimate; missing when suppressed."),
    Column("lower", "float64", "percent or score 0-100", "Lower bound of the confidence interval (within 0-100)."),
    Column("upper", "float64", "percent or score 0-100", "Upper bound of the confidence interval (within 0-100)."),
    Column(
        "ci_method",
        "string",
        "",
        "How the interval was computed: wilson, t (unweighted); logit, clopper_pearson (weighted shares), taylor_linearisation (weighted means) (see the methods table).",
    ),
    Column(
        "df",
        "float64",
        "",
        "Design degrees of freedom of a weighted estimate's interval: respondents of the group - weighting cells with respondents in it; missing for unweighted rows, and where the estimate is not shown or n is masked.",
    ),
    Column(
        "design_effect",
        "float64",
        "",
        "Design effect of a weighted estimate: its (two-phase) variance over that of a simple random sample of n respondents without replacement; missing for unweighted rows, where not defined (a share of 0 or 100 %), and where the estimate is not shown or n is masked.",
    ),
    Column(
        "effective_n",
        "float64",
        "respondents",
        "Effective number of respondents of a weighted estimate: n / design_effect; missing where design_effect is.",
    ),
)

_SUPPRESSION = (
    Column(
        "suppressed",
        "boolean",
        "",
        "True when the result is not shown (fewer respondents than the publication minimum).",
    ),
    Column(
        "suppression_reason",
        "string",
        "",
        "Code of why the result is not shown: too_few_respondents (fewer than config.min_respondents_shown), no_respondents, model_failed; empty when shown.",
    ),
)

_MASKED = Column(
    "masked_columns",
    "string",
    "",
    "Count columns of this row masked because a count of 1-4 could be identified (primary) or recovered by subtraction (secondary); ';'-separated, empty when none.",
)

DISPOSITIONS: tuple[str, ...] = (
    "complete",
    "partial",
    "refusal",
    "screened_out",
    "deceased",
    "undeliverable",
    "no_response",
)
"""Final dispositions of an invited person, in the order of ANALYSIS.md."""

TABLES: dict[str, tuple[Column, ...]] = {
    "response_rates": (
        *_keys("level", "pathway", "region", "healthcare_region"),
        Column("invited", "Int64", "persons", "Persons invited (rows of the frame)."),
        Column("complete", "Int64", "persons", "Submitted with at least half of the core items answered (AAPOR I)."),
        Column("partial", "Int64", "persons", "Some core items answered but not enough, or never submitted (AAPOR P)."),
        Column("refusal", "Int64", "persons", "Opted out (AAPOR R)."),
        Column("screened_out", "Int64", "persons", "Said the pathway does not describe their care (ineligible)."),
        Column("deceased", "Int64", "persons", "Deceased before fieldwork (ineligible)."),
        Column("undeliverable", "Int64", "persons", "Letter returned (unknown eligibility, AAPOR U)."),
        Column("no_response", "Int64", "persons", "No answer to any core item (AAPOR NC)."),
        Column(
            "rr1",
            "float64",
            "percent",
            "AAPOR RR1 = I / (I + P + R + NC + U), rounded to rate_rounding percentage points; shown for every unit but one too small for any step to protect its masked counts (see methods, suppression).",
        ),
        Column(
            "adjusted_rate",
            "float64",
            "percent",
            "Adjusted response rate, AAPOR RR3 with e = 0 (every undeliverable counted ineligible) = I / (invited - ineligible - undeliverable), rounded to rate_rounding percentage points; shown for every unit but one too small for any step to protect its masked counts (see methods, suppression).",
        ),
        Column(
            "rate_rounding",
            "float64",
            "percentage points",
            "Rounding step of rr1 and adjusted_rate: 1 (whole percent) when every count of the row is shown; with a masked count, the finest of 1, 5, 10, 25, 50 whose step covers at least 5 of the invited (1 from 500 invited, 5 from 100, 10 from 50, 25 from 20), so that the rates cannot give a masked count back; coarser where the unit's rates at that step, with its shown counts, would confine a masked count to 1-4. Missing when masking is off.",
        ),
        Column(
            "eligibility_rate",
            "float64",
            "percent",
            "Estimated e: the eligible share among the cases of known eligibility, (I + P + R + NC) / (I + P + R + NC + screened out + deceased); whole percent; missing where a count of the unit is masked (with the shown counts it would give the masked one back).",
        ),
        Column(
            "rr3",
            "float64",
            "percent",
            "AAPOR RR3 with the estimated e = I / (I + P + R + NC + e × U); whole percent; missing where a count of the unit is masked (with the shown counts it would give the masked one back).",
        ),
        _MASKED,
    ),
    "response_by_sex_age": (
        *_keys("level", "pathway", "region", "sex", "age_group"),
        Column("invited", "Int64", "persons", "Persons invited in the cell."),
        Column("complete", "Int64", "persons", "Complete respondents in the cell."),
        Column(
            "frame_population",
            "float64",
            "persons",
            "Population the cell represents: sum of the frame's design weights; missing where invited is masked (it is invited × the design weight).",
        ),
        Column(
            "frame_share",
            "float64",
            "percent",
            "The cell's share of the group's frame population; missing where invited is masked.",
        ),
        Column(
            "respondent_share",
            "float64",
            "percent",
            "The cell's share of the group's complete respondents (unweighted); missing when masked.",
        ),
        Column(
            "response_rate",
            "float64",
            "percent",
            "Adjusted response rate in the cell, rounded as response_rates rounds a unit with a masked count (by the cell's invited; its denominator is not published); missing when masked.",
        ),
        _MASKED,
    ),
    "response_by_mode": (
        *_keys("level", "pathway", "region"),
        Column(
            "age_group",
            "string",
            "",
            "Age group from the frame: 0-17, 18-34, 35-49, 50-64, 65-79, 80+; empty for all ages.",
        ),
        Column("complete", "Int64", "persons", "Complete respondents (web and paper)."),
        Column("complete_web", "Int64", "persons", "Complete respondents who answered the web survey."),
        Column(
            "complete_paper", "Int64", "persons", "Complete respondents who answered the paper questionnaire (keyed)."
        ),
        Column(
            "response_rate",
            "float64",
            "percent",
            "Adjusted response rate: complete / (invited - ineligible - undeliverable); missing when masked or when the other response tables do not give its denominator.",
        ),
        Column(
            "response_rate_web",
            "float64",
            "percent",
            "complete_web / the same denominator; web + paper = response_rate.",
        ),
        Column("response_rate_paper", "float64", "percent", "complete_paper / the same denominator."),
        Column("paper_share", "float64", "percent", "Share of the complete respondents who answered on paper."),
        Column(
            "answered_twice",
            "Int64",
            "persons",
            "Persons who answered more than once (web and paper, two paper questionnaires, or paper after a refusal, screening out or a returned letter); the first complete response counts. Missing when masked; 0 in an export without mode_conflict.",
        ),
        _MASKED,
    ),
    "item_results": _keys("level", "pathway", "region", "healthcare_region", "item_id", "dimension")
    + _ESTIMATE
    + _SUPPRESSION,
    "dimension_results": _keys("level", "pathway", "region", "healthcare_region", "dimension")
    + _ESTIMATE
    + _SUPPRESSION,
    "adjusted_results": (
        Column(
            "comparison",
            "string",
            "",
            "regions_within_pathway (regions of one pathway against the pathway's national value) or pathways_within_region (pathways of one region against the region's value); only the comparisons of the run's settings (AnalysisConfig.comparisons; default regions_within_pathway, what the comparison report shows). An outcome has no rows in a pathway (region) where fewer than two units reach config.min_respondents_shown respondents: nothing to compare.",
        ),
        *_keys("pathway", "region", "dimension", "item_id"),
        Column("measure", "string", "", "share_positive (logistic model) or mean_score (linear model)."),
        Column(
            "n",
            "Int64",
            "respondents",
            "Respondents of the unit (region or pathway) in the model; missing where the same count (that pathway × region's n) is masked in item_results or dimension_results.",
        ),
        Column(
            "observed",
            "float64",
            "percent or score 0-100",
            "Unadjusted (observed, unweighted) value of the unit; missing when suppressed.",
        ),
        Column(
            "estimate",
            "float64",
            "percent or score 0-100",
            "Case-mix adjusted value: mean prediction with the reference population's case mix assigned to the unit.",
        ),
        Column("se", "float64", "percent or score 0-100", "Standard error of the adjusted value (delta method)."),
        Column("lower", "float64", "percent or score 0-100", "Lower bound of the adjusted value's interval."),
        Column("upper", "float64", "percent or score 0-100", "Upper bound of the adjusted value's interval."),
        Column(
            "reference",
            "float64",
            "percent or score 0-100",
            "Observed value of the whole reference population (the pathway nationally, or the region over all pathways): the national line of the charts. The band compares with rest_value, the population without the unit.",
        ),
        Column(
            "band",
            "string",
            "",
            "better / as_expected / worse than the rest of the reference population at the 99.8 % funnel limits: z_score above 3.09, within ±3.09, below -3.09; empty when suppressed or without a z_score.",
        ),
        Column(
            "ci_method",
            "string",
            "",
            "delta_method (normal interval from the model's covariance), or wilson_unadjusted for a unit whose respondents are all positive or none (no finite logistic effect).",
        ),
        *_SUPPRESSION,
        Column(
            "rest_value",
            "float64",
            "percent or score 0-100",
            "The rest of the reference population without the unit: the other modelled units' adjusted values, weighted by their respondents. Missing, with difference, difference_se, z_score and the limits, in every row of an outcome and reference population where a unit's n is masked (the weights would give it back); the bands are shown.",
        ),
        Column(
            "difference",
            "float64",
            "percentage or score points",
            "estimate - rest_value (for a unit outside the model, wilson_unadjusted: its observed value - rest_value).",
        ),
        Column(
            "difference_se",
            "float64",
            "percentage or score points",
            "Standard error of the difference from the model's covariance of the adjusted values (the unit's, the rest's and their covariance); for a unit outside the model the binomial variance under rest_value plus the rest's variance.",
        ),
        Column(
            "z_score",
            "float64",
            "",
            "Standardised difference widened for overdispersion: difference / sqrt(difference_se² + tau2).",
        ),
        Column(
            "tau2",
            "float64",
            "squared percentage or score points",
            "Between-unit variance of the additive random-effects model (Spiegelhalter 2005) from the 10 % Winsorised z-scores of the outcome's units in the reference population; 0 when not overdispersed or fewer than 10 units.",
        ),
        Column(
            "phi",
            "float64",
            "",
            "Overdispersion factor: mean of the squared Winsorised z-scores difference/difference_se of the outcome's units (about 1 when the units differ by chance only).",
        ),
        Column(
            "expected_lower_95",
            "float64",
            "percent or score 0-100",
            "Lower 95 % funnel limit: rest_value - 1.96 sqrt(difference_se² + tau2).",
        ),
        Column("expected_upper_95", "float64", "percent or score 0-100", "Upper 95 % funnel limit."),
        Column(
            "expected_lower",
            "float64",
            "percent or score 0-100",
            "Lower 99.8 % funnel limit (the expected range the band is judged on): rest_value - 3.09 sqrt(difference_se² + tau2).",
        ),
        Column("expected_upper", "float64", "percent or score 0-100", "Upper 99.8 % funnel limit."),
        Column(
            "band_95",
            "string",
            "",
            "better / as_expected / worse at the 95 % funnel limits (|z_score| > 1.96): a warning, about 1 in 20 units flagged by chance alone.",
        ),
        Column(
            "separation",
            "string",
            "",
            "Where the logistic fit the estimate rests on is (quasi-)separated: 'variable=level:kind' notes separated by '; ', kind all_positive or none_positive (every respondent at that level positive, or none) or diverged (coefficient beyond ±10 or its standard error above 25 on the logit scale); empty when not.",
        ),
    ),
    "weighting_cells": (
        *_keys("pathway", "region", "sex", "age_group"),
        Column(
            "weighting_cell",
            "string",
            "",
            "Label of the post-stratification cell this frame cell was collapsed into, e.g. 'K 50-64..65-79' or 'alla 0-17..80+'; under raking (calibration = raking) its raking cell, 'sex category | age group category' of the merged margins, e.g. 'K | 65-79..80+', whose respondents share one adjustment factor (cell_population is then the raked respondents' weight total, not a target).",
        ),
        Column(
            "frame_population",
            "float64",
            "persons",
            "Eligible population of the frame cell (before collapsing): sum of the design weights of its invited persons not known to be ineligible (deceased, screened out are left out; undeliverable count).",
        ),
        Column(
            "cell_population",
            "float64",
            "persons",
            "Eligible population of the weighting cell, the post-stratification target: the sum of its frame cells' frame_population. Not published: missing in results.tables() and the written tables (with the design weight it gives back the invited and respondent counts of every stratum × sex × age group); kept in RoundResults.weighting_cells for the analysis itself.",
        ),
        Column(
            "cell_respondents",
            "Int64",
            "respondents",
            "Respondents in the weighting cell; missing (masked) when 1-4, and for every cell of a pathway × region whose complete count is masked in response_rates (the cells add up to it). Not published: missing in results.tables() and the written tables (with the design weight it gives back the invited and respondent counts of every stratum × sex × age group); kept in RoundResults.weighting_cells for the analysis itself.",
        ),
        Column(
            "adjustment_factor",
            "float64",
            "",
            "Post-stratification factor of the weighting cell: target / sum of respondents' design weights; missing when the cell has no respondents. Not published: missing in results.tables() and the written tables (with the design weight it gives back the invited and respondent counts of every stratum × sex × age group); kept in RoundResults.weighting_cells for the analysis itself.",
        ),
    ),
    "raking_margins": (
        *_keys("pathway", "region"),
        Column(
            "margin", "string", "", "The raking margin: sex or age_group (calibration = raking only; else no rows)."
        ),
        Column(
            "category",
            "string",
            "",
            "The margin's category after merging, e.g. 'K', '65-79..80+', or 'alla' where the sex margin was dropped (fewer respondents than min_cell_respondents in a sex).",
        ),
        Column(
            "target",
            "float64",
            "persons",
            "The category's eligible population in the frame (sum of the design weights of its invited persons not known to be ineligible), the raking target. Not published: missing in results.tables() and the written tables (with the design weight it gives back invited counts); kept in RoundResults.raking_margins.",
        ),
        Column(
            "achieved",
            "float64",
            "persons",
            "Sum of the category's respondents' final weights after raking (equal to target within the convergence tolerance). Not published, as target.",
        ),
        Column(
            "respondents",
            "Int64",
            "respondents",
            "Respondents in the category. Not published, as target.",
        ),
        Column(
            "trimmed",
            "Int64",
            "respondents",
            "Respondents of the category whose adjustment factor is at the trimming cap. Not published (a count of persons per stratum); the method appendix gives the round's total.",
        ),
    ),
    "dimension_weights": (
        *_keys("dimension", "item_id"),
        Column("weight", "float64", "", "Item weight within the dimension (sums to 1 over the dimension's items)."),
        Column(
            "method",
            "string",
            "",
            "equal, pca (first principal component loadings), or equal_fallback (PCA not possible).",
        ),
        Column(
            "n_complete_cases",
            "Int64",
            "respondents",
            "Respondents who answered every item of the dimension (used for PCA); missing for equal weights. Masked when 1-4.",
        ),
    ),
    "methods": (
        Column("topic", "string", "", "What the statement is about, e.g. ci_method.wilson, weighting, suppression."),
        Column(
            "description", "string", "", "The method as applied in this run, in English, for the report's appendix."
        ),
    ),
}
"""Every published table's columns, in order."""


def empty_table(name: str) -> pd.DataFrame:
    """An empty DataFrame with the columns and dtypes of table ``name``."""
    return pd.DataFrame({column.name: pd.Series(dtype=column.dtype) for column in TABLES[name]})


def conform(name: str, table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with exactly the columns of ``TABLES[name]``, in order and typed.

    Parameters
    ----------
    name : str
        A key of :data:`TABLES`.
    table : DataFrame
        Must contain every column of the table; extra columns are dropped.

    Raises
    ------
    KeyError
        When a column of the schema is missing: a programming error, never a
        user's.
    """
    columns = TABLES[name]
    missing = [column.name for column in columns if column.name not in table.columns]
    if missing:
        raise KeyError(f"table {name!r} lacks columns {missing}")
    return pd.DataFrame({column.name: table[column.name].astype(column.dtype) for column in columns}).reset_index(
        drop=True
    )


def data_dictionary(names: Iterable[str] | None = None) -> pd.DataFrame:
    """The data dictionary: one row per column of every published table.

    Returns
    -------
    DataFrame
        ``table, column, dtype, unit, description``.
    """
    rows = [
        (table, column.name, column.dtype, column.unit, column.description)
        for table in (names if names is not None else TABLES)
        for column in TABLES[table]
    ]
    return pd.DataFrame(rows, columns=["table", "column", "dtype", "unit", "description"])


def region_rows(tables: dict[str, pd.DataFrame], regions: Iterable[str]) -> dict[str, pd.DataFrame]:
    """Only the rows of ``regions`` in every table with a ``region`` column (what a region may see).

    Rows of other regions and the rows not split by region (pathway,
    healthcare-region and national levels, which hold other regions'
    respondents) are dropped; tables without a ``region`` column (the
    dimension weights and the methods) describe the method and are kept.
    Dropping rows never unmasks a count: the masking was done on the whole table.
    """
    wanted = set(regions)
    return {
        name: table[table["region"].isin(wanted).fillna(False)].reset_index(drop=True)
        if "region" in table.columns
        else table
        for name, table in tables.items()
    }


def write_tables(results: RoundResults, out_dir: str | Path, *, regions: Iterable[str] | None = None) -> list[Path]:
    """Write every table of ``results`` as CSV and Parquet, with the data dictionary.

    Each file is written to a temporary name and renamed, so that a failed
    run leaves no half-written table behind.

    Parameters
    ----------
    results : RoundResults
        The output of :func:`analysis.analyse_round`.
    out_dir : str or Path
        Created when missing.
    regions : iterable of str, optional
        Only these regions' rows (:func:`region_rows`); every row when ``None``.

    Returns
    -------
    list of Path
        The files written: ``<table>.csv``, ``<table>.parquet`` per table,
        then ``data_dictionary.csv``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    tables = results.tables() if regions is None else region_rows(results.tables(), regions)
    for name, table in tables.items():
        written.append(_atomic(out / f"{name}.csv", partial(spreadsheet_csv, table)))
        written.append(_atomic(out / f"{name}.parquet", partial(table.to_parquet, index=False)))
    dictionary = data_dictionary(tables)
    written.append(_atomic(out / "data_dictionary.csv", lambda path: spreadsheet_csv(dictionary, path)))
    return written


def _atomic(path: Path, write: Callable[[Path], object]) -> Path:
    partial = path.with_name(f".{path.name}.partial")
    try:
        write(partial)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return path
