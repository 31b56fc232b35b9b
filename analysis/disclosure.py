"""Disclosure control: which counts and rates of the published tables are masked, and why.

The rules for the tables of one round published together (response rates, response by sex and age,
item, dimension and adjusted results, weighting cells). :mod:`analysis.suppression` holds the
generic masking of one table's counts; this module says which cells of which table are masked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.cells import combined_codes
from analysis.config import AnalysisConfig
from analysis.suppression import ColumnGroup, mask_small_counts
from analysis.tables import DISPOSITIONS

__all__ = [
    "mask_adjusted_respondents",
    "mask_cell_respondents",
    "mask_respondents",
    "mask_response_by_sex_age",
    "mask_response_rates",
    "respondent_units",
]


def mask_response_rates(table: pd.DataFrame, rates: pd.DataFrame, config: AnalysisConfig) -> pd.DataFrame:
    """Mask the disposition counts of ``response_rates`` and show only the rates that give back no
    masked count; ``rates`` holds each row's ``rr1`` and ``adjusted_rate`` before masking."""
    masked, masked_columns = mask_small_counts(
        table, DISPOSITIONS, below=config.mask_counts_below, column_groups=_level_groups(table["level"])
    )
    shown = _publishable_rates(masked[list(DISPOSITIONS)].isna().to_numpy())
    masked[["rr1", "adjusted_rate"]] = rates.where(shown).to_numpy()
    masked["masked_columns"] = masked_columns
    return masked


def mask_response_by_sex_age(table: pd.DataFrame, config: AnalysisConfig) -> pd.DataFrame:
    """Mask the invited and complete counts of ``response_by_sex_age`` (cells of a level add up over
    sex × age group to the level's group, and over the groups to the national cell), and the shares
    and rates of a row whose counts are masked."""
    level = table["level"]
    groups: list[ColumnGroup] = [
        (level == "national", []),
        (level == "pathway", ["pathway"]),
        (level == "region", ["region"]),
        (level == "pathway", ["sex", "age_group"], level == "national"),
        (level == "region", ["sex", "age_group"], level == "national"),
    ]
    masked, masked_columns = mask_small_counts(
        table, ["invited", "complete"], below=config.mask_counts_below, row_totals=False, column_groups=groups
    )
    hidden = (masked["complete"].isna() | masked["invited"].isna()).to_numpy()
    masked.loc[hidden, ["respondent_share", "response_rate"]] = np.nan
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


_RATE_ATOMS = {
    (True, True): [("complete", "partial", "refusal", "no_response"), ("screened_out", "deceased"), ("undeliverable",)],
    (False, True): [("complete", "partial", "refusal", "no_response"), ("screened_out", "deceased", "undeliverable")],
    (True, False): [("complete", "partial", "refusal", "no_response", "undeliverable"), ("screened_out", "deceased")],
}


def _publishable_rates(hidden: np.ndarray) -> np.ndarray:
    """Which of (rr1, adjusted_rate) each row may show without giving back a masked count.

    With the complete count and ``invited`` shown, RR1 gives away screened out + deceased and the
    adjusted rate screened out + deceased + undeliverable. Shown rates split the dispositions into
    groups whose sums are known; a group with exactly one masked cell would give it back. Both rates
    are shown when that is safe, else the adjusted rate alone, else RR1 alone, else neither; never
    when the complete count is masked.
    """
    position = {name: index for index, name in enumerate(DISPOSITIONS)}
    shown = np.zeros((len(hidden), 2), dtype=bool)
    for row, masked in enumerate(hidden):
        if masked[position["complete"]]:
            continue
        for choice in ((True, True), (False, True), (True, False)):
            if all(sum(masked[position[name]] for name in atom) != 1 for atom in _RATE_ATOMS[choice]):
                shown[row] = choice
                break
    return shown


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
