"""The survey design the estimates read: strata, the units of the variance, the two-phase design.

Strata are pathway × region; within each, the weighting cells are the second phase's strata
(:class:`analysis.estimates.TwoPhaseDesign`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.cells import observed_codes
from analysis.estimates import TwoPhaseDesign
from analysis.weighting import Weighting

__all__ = ["person_strata", "two_phase_units"]


def two_phase_units(
    persons: pd.DataFrame, weighting: Weighting, cell_margins: np.ndarray | None = None
) -> tuple[pd.DataFrame, np.ndarray, TwoPhaseDesign]:
    """The units of the variance (weighting cells within the strata; the persons of a stratum without a
    weighting cell, a missing key, one more unit there), each person's unit, and the two-phase design;
    ``cell_margins`` (raked weights: each weighting cell's margin codes, :func:`analysis.raking.rake_round`)
    makes it the design calibrated at phase 2."""
    strata, person_stratum = person_strata(persons)
    cell_table, n_cells = weighting.cell_table, len(weighting.cell_table)
    key = person_stratum * (n_cells + 1) + (weighting.person_cell + 1)
    observed, person_unit = observed_codes(key, max(len(strata), 1) * (n_cells + 1))
    unit_stratum, unit_cell = observed // (n_cells + 1), observed % (n_cells + 1) - 1
    has_cell = unit_cell >= 0
    cell = np.maximum(unit_cell, 0)
    population = np.zeros(len(strata))
    np.maximum.at(population, person_stratum, persons["stratum_population"].to_numpy(dtype="float64"))
    design = TwoPhaseDesign(
        cell_stratum=unit_stratum,
        cell_eligible=np.where(has_cell, cell_table["eligible"].to_numpy(dtype="float64")[cell], 0.0)
        if n_cells
        else np.zeros(len(observed)),
        cell_factor=np.where(has_cell, cell_table["factor"].to_numpy(dtype="float64", na_value=np.nan)[cell], np.nan)
        if n_cells
        else np.full(len(observed), np.nan),
        stratum_invited=np.bincount(person_stratum, minlength=len(strata)),
        stratum_population=population,
        cell_margins=None
        if cell_margins is None
        else np.where(has_cell[:, None], cell_margins[cell] if n_cells else -1, -1),
    )
    return strata.iloc[unit_stratum].reset_index(drop=True), person_unit, design


def person_strata(persons: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The strata (pathway x region, sorted; a missing pathway last) and each person's stratum position."""
    key, size = np.zeros(len(persons), dtype="int64"), 1
    for column in ("pathway", "region"):
        codes = persons[column].cat.codes.to_numpy().astype("int64")
        levels = len(persons[column].cat.categories) + 1
        key, size = key * levels + np.where(codes >= 0, codes, levels - 1), size * levels
    _, person_stratum = observed_codes(key, size)
    first = np.full(person_stratum.max() + 1 if len(person_stratum) else 0, len(person_stratum))
    np.minimum.at(first, person_stratum, np.arange(len(person_stratum)))  # each stratum's first person
    strata = persons[["pathway", "region", "healthcare_region"]].iloc[first].reset_index(drop=True)
    return strata, person_stratum
