"""The result of analysing one survey round: a dataclass of tidy tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analysis.config import AnalysisConfig
from analysis.disclosure import published_raking_margins, published_weighting_cells
from analysis.tables import TABLES, empty_table

__all__ = ["RoundResults", "persons_table"]


@dataclass
class RoundResults:
    """Everything :func:`analysis.analyse_round` computes, as DataFrames.

    The columns of each table are described in :data:`analysis.tables.TABLES`
    (and written out by :func:`analysis.tables.data_dictionary`).

    Attributes
    ----------
    questionnaire_id, questionnaire_version : str
        The definition whose scoring rules were applied.
    config : AnalysisConfig
        The settings of the run (thresholds, weighting and scoring options).
    response_rates : DataFrame
        Invited, each disposition, RR1 and the adjusted rate per pathway ×
        region, pathway, region, healthcare region and nationally.
    response_by_sex_age : DataFrame
        Invited, respondents and response rate by sex × age group against the
        frame population, nationally, per pathway and per region.
    response_by_mode : DataFrame
        Complete respondents and response rates by mode (web, paper),
        nationally, per pathway and per region, for all ages and per age group.
    item_results : DataFrame
        Share positive and mean 0–100 score per item, group and weighting,
        with intervals.
    dimension_results : DataFrame
        The same for dimensions (means of respondents' dimension scores).
    adjusted_results : DataFrame
        Case-mix adjusted dimension (and chosen item) results with a band
        against the reference value.
    weighting_cells : DataFrame
        The post-stratification cells, after collapsing, with their factors
        (for the analysis itself; :meth:`tables` publishes only the collapsing);
        under raking the raking cells (one factor per sex x age group category).
    raking_margins : DataFrame
        Under raking, each stratum's margin categories with targets, achieved
        totals, respondents and trimmed weights (for the analysis itself;
        :meth:`tables` publishes only the categories); empty otherwise.
    dimension_weights : DataFrame
        The item weights within each dimension.
    methods : DataFrame
        Statements of each method as applied, for the method appendix.
    persons : DataFrame
        One row per invited person: ``respondent_id, pathway, region,
        healthcare_region, sex, age_group, disposition, design_weight,
        weight`` (final weight; missing for non-respondents), then
        ``score_<dimension>`` and ``positive_<dimension>`` per dimension.
        Not written by :func:`~analysis.tables.write_tables` (person level).
    """

    questionnaire_id: str = ""
    questionnaire_version: str = ""
    config: AnalysisConfig = field(default_factory=AnalysisConfig)
    response_rates: pd.DataFrame = field(default_factory=lambda: empty_table("response_rates"))
    response_by_sex_age: pd.DataFrame = field(default_factory=lambda: empty_table("response_by_sex_age"))
    response_by_mode: pd.DataFrame = field(default_factory=lambda: empty_table("response_by_mode"))
    item_results: pd.DataFrame = field(default_factory=lambda: empty_table("item_results"))
    dimension_results: pd.DataFrame = field(default_factory=lambda: empty_table("dimension_results"))
    adjusted_results: pd.DataFrame = field(default_factory=lambda: empty_table("adjusted_results"))
    weighting_cells: pd.DataFrame = field(default_factory=lambda: empty_table("weighting_cells"))
    raking_margins: pd.DataFrame = field(default_factory=lambda: empty_table("raking_margins"))
    dimension_weights: pd.DataFrame = field(default_factory=lambda: empty_table("dimension_weights"))
    methods: pd.DataFrame = field(default_factory=lambda: empty_table("methods"))
    persons: pd.DataFrame = field(default_factory=pd.DataFrame)

    def tables(self) -> dict[str, pd.DataFrame]:
        """The published tables by name, in :data:`~analysis.tables.TABLES` order: as computed, but
        ``weighting_cells`` without its populations, respondent counts and factors
        (:func:`analysis.disclosure.published_weighting_cells`) and ``raking_margins`` without its
        totals and counts (:func:`analysis.disclosure.published_raking_margins`)."""
        published = {
            "weighting_cells": published_weighting_cells(self.weighting_cells),
            "raking_margins": published_raking_margins(self.raking_margins),
        }
        return {name: published[name] if name in published else getattr(self, name) for name in TABLES}


def persons_table(
    persons: pd.DataFrame, respondent_rows: np.ndarray, scores: pd.DataFrame, positive: pd.DataFrame
) -> pd.DataFrame:
    """The ``persons`` table of :class:`RoundResults`: every invited person's design, disposition and
    weights, and each respondent's dimension scores (``respondent_rows``: the respondents' rows)."""
    columns = [
        "respondent_id",
        "pathway",
        "region",
        "healthcare_region",
        "sex",
        "age_group",
        "disposition",
        "weighting_cell",
        "design_weight",
        "weight",
    ]
    table = {column: persons[column].array for column in columns}
    # Categorical inside the analysis, text outside: the categories' text taken by code (astype is 20x slower).
    for name in ("disposition", "weighting_cell"):
        values = table[name]
        if isinstance(values, pd.Categorical) and len(values):
            table[name] = values.categories.array.take(values.codes, allow_fill=True)
        else:
            table[name] = np.asarray(values, dtype=object)  # as an export without rows always had it

    def spread(values: np.ndarray) -> np.ndarray:
        """Each respondent's value at its row of the persons, nan for everyone else."""
        column = np.full(len(persons), np.nan)
        column[respondent_rows] = values
        return column

    respondent_values = {
        f"{prefix}_{dimension}": frame[dimension].to_numpy()
        for dimension in scores.columns
        for prefix, frame in (("score", scores), ("positive", positive))
    }
    table.update({name: spread(values) for name, values in respondent_values.items()})
    # One frame of the columns as they are (no copies into 2-D blocks of a million rows).
    return pd.DataFrame(table, index=persons.index, copy=False)
