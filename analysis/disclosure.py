"""Disclosure control: which counts and rates of the published tables are masked, and why.

The rules for the tables of one round published together (response rates, response by sex and age,
item, dimension and adjusted results, weighting cells). :mod:`analysis.suppression` holds the
generic masking of one table's counts; this module says which cells of which table are masked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from analysis.cells import combined_codes
from analysis.config import AnalysisConfig
from analysis.suppression import ColumnGroup, mask_small_counts
from analysis.tables import DISPOSITIONS

__all__ = [
    "RATE_STEPS",
    "hide_design_figures",
    "mask_adjusted_respondents",
    "mask_cell_respondents",
    "mask_complete_cases",
    "mask_respondents",
    "mask_response_by_sex_age",
    "mask_response_rates",
    "publish_masked_results",
    "published_raking_margins",
    "published_weighting_cells",
    "rate_steps",
    "respondent_units",
    "round_rates",
]


RATE_STEPS: tuple[int, ...] = (1, 5, 10, 25, 50)
"""The rounding steps of published rates, in percentage points, finest first."""

RATE_WINDOW_PERSONS = 5
"""A rate's rounding window spans at least this many of the unit's invited persons."""


def rate_steps(invited: np.ndarray) -> np.ndarray:
    """The rounding step (percentage points) of a unit's rates: the finest of :data:`RATE_STEPS` whose
    window covers at least :data:`RATE_WINDOW_PERSONS` of the ``invited`` (whole percent from 500 invited,
    5 % from 100, 10 % from 50, 25 % from 20, else 50 %); from public figures only, so the step itself
    says nothing about the masked counts."""
    invited = np.asarray(invited, dtype="float64")
    step = np.full(len(invited), float(RATE_STEPS[-1]))
    for candidate in reversed(RATE_STEPS):
        step = np.where(candidate * invited >= 100 * RATE_WINDOW_PERSONS, float(candidate), step)
    return step


def round_rates(rates: np.ndarray, step: np.ndarray | float) -> np.ndarray:
    """Rates rounded half up to multiples of ``step`` (percentage points, broadcast against ``rates``);
    missing stays missing."""
    return np.floor(np.asarray(rates, dtype="float64") / step + 0.5) * step


def mask_response_rates(table: pd.DataFrame, rates: pd.DataFrame, config: AnalysisConfig) -> pd.DataFrame:
    """Mask the disposition counts of ``response_rates``; show both rates of every unit, rounded.

    ``rates`` holds each row's ``rr1`` and ``adjusted_rate`` before rounding. A unit whose counts are
    all shown gets whole percent (its rates follow from the shown counts); a unit with a masked count
    gets the step of :func:`rate_steps`, so that the rates' denominators (which give screened out +
    deceased, and undeliverable, by subtraction) are known only to within five persons or more.
    With masking off (``mask_counts_below`` 1 or less), counts and rates are as computed.
    """
    masked, masked_columns = mask_small_counts(
        table, DISPOSITIONS, below=config.mask_counts_below, column_groups=_level_groups(table["level"])
    )
    if config.mask_counts_below <= 1:
        masked[["rr1", "adjusted_rate"]] = rates.to_numpy()
        masked["rate_rounding"] = np.nan
        masked["masked_columns"] = masked_columns
        return masked
    any_masked = masked[list(DISPOSITIONS)].isna().any(axis=1).to_numpy()
    step = np.where(any_masked, rate_steps(table["invited"].to_numpy()), 1.0)
    shown = np.ones((len(table), 2), dtype=bool)
    for row in np.flatnonzero(any_masked):
        step[row], shown[row] = _protective_rates(table.iloc[row], masked.iloc[row], rates.iloc[row], step[row], config)
    published = round_rates(rates.to_numpy(dtype="float64"), step[:, None])
    masked[["rr1", "adjusted_rate"]] = np.where(shown, published, np.nan)
    masked["rate_rounding"] = step
    masked["masked_columns"] = masked_columns
    return masked


_RATE_BASES: dict[str, tuple[str, ...]] = {
    "rr1": ("complete", "partial", "refusal", "no_response", "undeliverable"),
    "adjusted_rate": ("complete", "partial", "refusal", "no_response"),
}
"""The denominators of RR1 and the adjusted rate (the numerator of both is complete)."""


def _protective_rates(
    counts: pd.Series, published: pd.Series, rates: pd.Series, step: float, config: AnalysisConfig
) -> tuple[float, np.ndarray]:
    """The finest way to show one unit's RR1 and adjusted rate that narrows none of its masked counts:
    the rounding step (``step`` or a coarser one of :data:`RATE_STEPS`) and which of the two are shown.

    ``counts`` are the unit's true counts, ``published`` the same with its masked counts missing, ``rates``
    its exact rates. Each candidate, finest first, is checked as an attacker would check it
    (:func:`narrowed_counts`); failing every step, the adjusted rate alone at the coarsest step, and last
    no rate at all (then nothing but the counts is shown, and they protect themselves).
    """
    candidates = [(float(candidate), (True, True)) for candidate in RATE_STEPS if candidate >= step]
    candidates += [(float(RATE_STEPS[-1]), (False, True)), (float(RATE_STEPS[-1]), (False, False))]
    for candidate, shown in candidates:
        windows = {
            name: float(round_rates(np.array([rates[name]]), candidate)[0])
            for name, show in zip(_RATE_BASES, shown, strict=True)
            if show and pd.notna(rates[name])
        }
        if not narrowed_counts(published, windows, candidate, config.mask_counts_below):
            return candidate, np.array(shown)
    raise AssertionError("unreachable: with no rate shown, the counts alone narrow nothing")


def narrowed_counts(published: pd.Series, rates: dict[str, float], step: float, below: int) -> list[str]:
    """The masked dispositions of one unit that its own published figures confine to between 1 and
    ``below - 1``: the range of values consistent with its invited, its shown counts and each shown rate
    (percent, rounded to ``step`` points: the exact rate lies within half a step of it) excludes 0 and
    every value from ``below``. The ranges are those of the linear programme (``scipy.optimize.linprog``)
    over the unit's seven disposition counts, as the disclosure audit of the tests computes them over
    all tables.
    """
    names = list(DISPOSITIONS)
    hidden = [name for name in names if pd.isna(published[name])]
    if not hidden:
        return []
    equal_rows = [np.ones(len(names))]
    equal_values = [float(published["invited"])]
    for position, name in enumerate(names):
        if name not in hidden:
            equal_rows.append(np.eye(len(names))[position])
            equal_values.append(float(published[name]))
    upper_rows, upper_values = [], []
    for name, rate in rates.items():
        # complete / base within [rate - step/2, rate + step/2] percent, as two rows: complete - high * base <= 0
        # and low * base - complete <= 0
        base = np.isin(names, _RATE_BASES[name]).astype("float64")
        complete = np.eye(len(names))[names.index("complete")]
        high, low = min(rate + step / 2, 100.0) / 100, max(rate - step / 2, 0.0) / 100
        upper_rows += [complete - high * base, low * base - complete]
        upper_values += [0.0, 0.0]
    narrowed = []
    for name in hidden:
        objective = np.eye(len(names))[names.index(name)]
        ends = []
        for sign in (1.0, -1.0):
            result = linprog(
                sign * objective,
                A_ub=np.array(upper_rows) if upper_rows else None,
                b_ub=np.array(upper_values) if upper_values else None,
                A_eq=np.array(equal_rows),
                b_eq=np.array(equal_values),
                bounds=(0, None),
                method="highs",
            )
            if result.status != 0:
                raise AssertionError(f"the unit's published figures are inconsistent: {result.message}")
            ends.append(sign * result.fun)
            if ends[0] <= _TOLERANCE:
                break  # consistent with 0: protected
        if len(ends) == 2 and ends[1] < below - _TOLERANCE:
            narrowed.append(name)
    return narrowed


_TOLERANCE = 1e-6
"""Counts within this of 0 (of ``below``) count as consistent with 0 (with ``below``), as in the audit."""


def mask_response_by_sex_age(
    table: pd.DataFrame, config: AnalysisConfig, rates: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Mask the invited and complete counts of ``response_by_sex_age`` (cells of a level add up over
    sex × age group to the level's group, and over the groups to the national cell), and the shares
    and rates of a row whose counts are masked.

    The cells of a group add up to the group's complete count in ``rates`` (the published
    ``response_rates``): where that count is masked, the group's smallest non-zero complete cell is
    masked too, so that at least two are and their sum does not give it back, and the group's
    respondent shares (cell / group) are not shown.

    The frame populations are not published: each is a sum of invited counts times the strata's design
    weights (which the sampling manifest gives), a second set of equations beside the invited counts
    that, with distinct weights, pins masked counts. The frame share is shown in whole percent, and not
    where invited is masked. Shown response rates are rounded by :func:`rate_steps` of the cell's invited count: the rate's
    denominator (the eligible) is not published, and would otherwise give back the cell's screened
    out, deceased and undeliverable.
    """
    level = table["level"]
    groups: list[ColumnGroup] = [
        (level == "national", []),
        (level == "pathway", ["pathway"]),
        (level == "region", ["region"]),
        (level == "pathway", ["sex", "age_group"], level == "national"),
        (level == "region", ["sex", "age_group"], level == "national"),
    ]
    start = np.zeros((len(table), 2), dtype=bool)
    group_hidden = np.zeros(len(table), dtype=bool)
    if rates is not None and config.mask_counts_below > 1:
        hidden_units = rates[
            rates["complete"].isna().to_numpy() & rates["level"].isin(["national", "pathway", "region"])
        ]
        unit_key, cell_key = _unit_keys(hidden_units, table, ["level", "pathway", "region"])
        complete = table["complete"].to_numpy(dtype="float64")
        group_hidden = np.isin(cell_key, unit_key)
        for key in np.unique(unit_key):
            cells = np.flatnonzero((cell_key == key) & (complete > 0))
            if len(cells):
                start[cells[np.argmin(complete[cells])], 1] = True
    masked, masked_columns = mask_small_counts(
        table,
        ["invited", "complete"],
        below=config.mask_counts_below,
        row_totals=False,
        column_groups=groups,
        masked=start,
    )
    hidden = (masked["complete"].isna() | masked["invited"].isna()).to_numpy()
    masked.loc[hidden, ["respondent_share", "response_rate"]] = np.nan
    masked.loc[group_hidden, "respondent_share"] = np.nan  # share = cell / group: would give the group back
    if config.mask_counts_below > 1:
        masked["frame_population"] = np.nan
        masked.loc[masked["invited"].isna().to_numpy(), "frame_share"] = np.nan
        masked["frame_share"] = round_rates(masked["frame_share"].to_numpy(dtype="float64"), 1.0)
        step = rate_steps(table["invited"].to_numpy(dtype="float64"))
        masked["response_rate"] = round_rates(masked["response_rate"].to_numpy(dtype="float64"), step)
    masked["masked_columns"] = masked_columns
    return masked


def _level_groups(level: pd.Series, within: Sequence[str] = ()) -> list[ColumnGroup]:
    """The sets of rows whose counts add up to a row of a coarser level (regions of a pathway to the
    pathway, ...), each split further by the columns ``within`` (e.g. one set per item and measure),
    with the rows of that coarser level (a region of one pathway shows the same counts as its stratum)."""
    within = list(within)
    return [
        (level == "pathway_region", ["pathway", *within], level == "pathway"),
        (level == "pathway_region", ["region", *within], level == "region"),
        (level == "region", ["healthcare_region", *within], level == "healthcare_region"),
        (level == "healthcare_region", within, level == "national"),
        (level == "pathway", within, level == "national"),
    ]


_UNIT_COLUMNS = ["level", "pathway", "region", "healthcare_region"]


def _unit_keys(
    source: pd.DataFrame, target: pd.DataFrame, columns: Sequence[str] = _UNIT_COLUMNS
) -> tuple[np.ndarray, np.ndarray]:
    """Integer keys of the rows of ``source`` and of ``target``, equal where the rows' ``columns`` are equal
    as text (missing equal to missing): both tables' columns factorised together, then combined."""
    factorised = [
        pd.factorize(pd.concat([source[column], target[column]], ignore_index=True).astype("string").fillna(""))
        for column in columns
    ]
    key = combined_codes([codes for codes, _ in factorised], [len(uniques) for _, uniques in factorised])[0]
    return key[: len(source)], key[len(source) :]


def _matching_rows(source: pd.DataFrame, target: pd.DataFrame, columns: Sequence[str] = _UNIT_COLUMNS) -> np.ndarray:
    """Per row of ``target``, the position of the row of ``source`` with the same ``columns`` (see
    :func:`_unit_keys`), or -1; the rows of ``source`` must differ in them."""
    source_key, target_key = _unit_keys(source, target, columns)
    positions: np.ndarray = pd.Index(source_key).get_indexer(target_key)
    return positions


def respondent_units(rates: pd.DataFrame, config: AnalysisConfig) -> pd.DataFrame:
    """Per group (level, pathway, region, healthcare region) of ``response_rates``, its respondent count
    as published: complete, plus partial when partial respondents count; missing when masked."""
    counted = ["complete", "partial"] if config.include_partial else ["complete"]
    return rates[_UNIT_COLUMNS].assign(respondents=rates[counted].sum(axis=1, min_count=len(counted), skipna=False))


def mask_respondents(
    table: pd.DataFrame, within: Sequence[str], respondent_units: pd.DataFrame, config: AnalysisConfig
) -> pd.DataFrame:
    """Mask the respondent count ``n`` of item or dimension results as the response tables mask counts.

    A group's ``n`` is masked when it is 1 to ``mask_counts_below - 1``, or when the group's respondent
    count is masked in ``response_rates`` (a dimension's n is that count); then, per item or dimension,
    measure and weighting, the next smallest n of a set of rows adding up to a coarser level's n, so
    that no masked n comes back by subtraction. An n equal to its group's shown respondent count is
    chosen as that next smallest n only when no other is left (masking it would hide nothing).
    """
    respondents = np.append(respondent_units["respondents"].to_numpy(dtype=float, na_value=np.nan), np.nan)
    published = respondents[_matching_rows(respondent_units, table)]  # -1: no such group, the NaN appended
    hidden = np.isnan(published)
    same = published == table["n"].to_numpy(dtype=float, na_value=np.nan)
    masked, _ = mask_small_counts(
        table,
        ["n"],
        below=config.mask_counts_below,
        row_totals=False,
        column_groups=_level_groups(table["level"], within),
        masked=hidden[:, None],
        published=same[:, None],
    )
    return table.assign(n=masked["n"])


def publish_masked_results(table: pd.DataFrame, estimate_columns: Sequence[str] = ("estimate",)) -> pd.DataFrame:
    """Where a result's ``n`` is masked but its estimate is shown, show the estimate rounded to a whole
    number and no standard error or interval.

    At full precision an estimate k/n and its interval give n back (n = p(1 − p)/se² for an
    unweighted share; the denominator of the fraction; the width of a Wilson interval), and with it
    the masked count that n protects.
    """
    hidden_n = table["n"].isna().to_numpy()
    if not hidden_n.any():
        return table
    columns = list(estimate_columns)
    table.loc[hidden_n, columns] = np.floor(table.loc[hidden_n, columns].to_numpy(dtype="float64") + 0.5)
    table.loc[hidden_n, ["se", "lower", "upper"]] = np.nan
    return table


def published_weighting_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """The weighting cells as published: which frame cells were collapsed into which weighting cell,
    without populations, respondent counts or factors.

    A frame cell's population is its invited count times the design weight, and the factor is the
    cell's population over its respondents' design weights: published, they give back every
    stratum × sex × age group's invited and respondent counts, far below the tables' masks.
    """
    return cells.assign(
        frame_population=np.nan,
        cell_population=np.nan,
        cell_respondents=pd.array([pd.NA] * len(cells), dtype="Int64"),
        adjustment_factor=np.nan,
    )


def published_raking_margins(margins: pd.DataFrame) -> pd.DataFrame:
    """The raking margins as published: each stratum's margin categories (which were merged), without
    targets, achieved totals, respondent or trimmed counts.

    A target is the category's eligible invited times the stratum's design weight, and the respondent
    and trimmed counts are counts of persons per stratum and sex (or age group), below the tables' masks;
    the appendix gives the number of trimmed weights of the whole round instead.
    """
    return margins.assign(
        target=np.nan,
        achieved=np.nan,
        respondents=pd.array([pd.NA] * len(margins), dtype="Int64"),
        trimmed=pd.array([pd.NA] * len(margins), dtype="Int64"),
    )


def mask_complete_cases(weights: pd.DataFrame, config: AnalysisConfig) -> pd.DataFrame:
    """Mask a dimension's count of complete cases (the respondents who answered all its items) of 1 to
    ``mask_counts_below - 1``."""
    small = weights["n_complete_cases"].between(1, config.mask_counts_below - 1).fillna(False).to_numpy(dtype=bool)
    weights.loc[small, "n_complete_cases"] = pd.NA
    return weights


def mask_adjusted_respondents(
    adjusted: pd.DataFrame, item_results: pd.DataFrame, dimension_results: pd.DataFrame
) -> pd.DataFrame:
    """Mask a compared unit's ``n`` where the same count (the pathway × region group's respondents with
    the outcome) is masked in the item or dimension results."""
    keys = ["pathway", "region", "dimension", "item_id", "measure"]
    finest = pd.concat([dimension_results.assign(item_id=pd.NA), item_results], ignore_index=True)
    finest = finest[(finest["level"] == "pathway_region") & (finest["weighting"] == "unweighted")]
    position = _matching_rows(finest, adjusted, keys)
    shown = np.append(finest["n"].notna().to_numpy(), False)[position]  # -1: no such row, the False appended
    adjusted.loc[~shown, "n"] = pd.NA
    return adjusted


def mask_cell_respondents(cells: pd.DataFrame, hidden_units: pd.DataFrame, config: AnalysisConfig) -> pd.DataFrame:
    """Hide respondent counts of 1 to ``mask_counts_below - 1`` (a stratum smaller than a weighting cell),
    and every count of a stratum whose respondent count is masked in ``response_rates`` (its cells add
    up to it).

    Only a stratum with fewer respondents than ``min_cell_respondents`` in all can have a small cell; its
    complete count in ``response_rates`` is masked by the same rule.
    """
    strata = hidden_units[hidden_units["level"] == "pathway_region"]
    small = cells["cell_respondents"].between(1, config.mask_counts_below - 1).fillna(False).to_numpy(dtype=bool)
    hidden_key, cell_key = _unit_keys(strata, cells, ["pathway", "region"])
    small |= np.isin(cell_key, hidden_key)
    cells.loc[small, "cell_respondents"] = pd.NA
    return cells


def hide_design_figures(table: pd.DataFrame) -> pd.DataFrame:
    """No degrees of freedom, design effect or effective n where the estimate is not shown or its n is
    masked: with the estimate and its standard error they would give the respondent counts back."""
    hidden = (table["n"].isna() | table["estimate"].isna()).to_numpy()
    table.loc[hidden, ["df", "design_effect", "effective_n"]] = np.nan
    return table
