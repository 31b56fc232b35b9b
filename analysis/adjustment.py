"""The case-mix adjusted comparisons of a round: the respondents' case mix, and each comparison run.

:mod:`analysis.casemix` fits one model and compares its units; this module says which case-mix
columns there are (:data:`CASEMIX_ROLES`) and runs the comparisons of ``config.comparisons``
(regions within each pathway, pathways within each region) for every outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.casemix import MISSING_LEVEL, adjusted_comparison_columns, outcome_cells
from analysis.config import AnalysisConfig
from analysis.tables import conform, empty_table

__all__ = ["CASEMIX_ROLES", "COMPARISON_UNITS", "adjusted_comparisons", "respondents_casemix"]

CASEMIX_ROLES = ("self_rated_health", "education")
"""The background items' roles that are case-mix columns (besides the frame's age group and sex)."""


def respondents_casemix(
    respondents: pd.DataFrame, answers: pd.DataFrame, codes: dict[str, np.ndarray], q: Any
) -> pd.DataFrame:
    """Respondents' unit and case-mix columns: frame age group and sex, answered health and education.

    "Vill inte svara" (a ``declined`` option) is missing here, as no answer
    is: it is kept in the export but is never a case-mix level of its own.
    """
    # Categoricals whose categories are in text order ("missing" among them where needed): the cells of
    # outcome_cells factorise their codes instead of a million strings.
    data = pd.DataFrame(
        {
            column: _with_missing_level(respondents[column].astype("category"))
            for column in ("pathway", "region", "age_group", "sex")
        }
    )
    used = ["age_group", "sex"]
    for item in q.background_items:
        if item.role in CASEMIX_ROLES:
            labels = np.array([str(code) for code in codes[item.id]] + [MISSING_LEVEL], dtype=object)
            declined = np.isin(codes[item.id], [option.code for option in item.scale.options if option.declined])
            states = answers[item.id].to_numpy()
            states = np.where(np.append(declined, False)[states], len(codes[item.id]), states)
            data[item.role] = _with_missing_level(pd.Categorical.from_codes(states, categories=labels))
            used.append(item.role)
    data.attrs["casemix"] = used
    return data


COMPARISON_UNITS = (("regions_within_pathway", "pathway", "region"), ("pathways_within_region", "region", "pathway"))
"""Each comparison: its name, the reference population's column and the compared units' column."""


def _with_missing_level(values: pd.Categorical | pd.Series) -> pd.Categorical:
    """Missing values as the level "missing"; categories (observed ones only) in text order, as the
    sorted text of an object column would be."""
    values = pd.Categorical(values)
    text = np.asarray(values.categories.astype(str), dtype=object)
    codes = values.codes.astype("int64")
    if (codes < 0).any():
        text, codes = np.append(text, MISSING_LEVEL), np.where(codes < 0, len(text), codes)
    # Observed levels by counting (remove_unused_categories sorts the codes), then renumbered in text order.
    observed = np.flatnonzero(np.bincount(codes, minlength=len(text)))
    order = np.argsort(text[observed], kind="stable")
    recode = np.zeros(len(text), dtype="int64")
    recode[observed[order]] = np.arange(len(order))
    return pd.Categorical.from_codes(recode.take(codes), categories=text[observed[order]])


def adjusted_comparisons(
    data: pd.DataFrame,
    outcomes: Sequence[tuple[Any, ...]],
    config: AnalysisConfig,
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """The comparisons of ``config.comparisons`` (regions within each pathway, pathways within each
    region) for every outcome and measure; ``weights`` (the respondents' final weights, in the rows of
    ``data``) give the case mix of ``config.standardise_to="population"``."""
    if config.standardise_to == "population" and weights is None:
        raise ValueError("standardise_to='population' needs the respondents' final weights")
    casemix = data.attrs["casemix"]
    values = {}
    for index, (_, _, score, positive) in enumerate(outcomes):
        values[f"mean_score_{index}"], values[f"share_positive_{index}"] = score.to_numpy(), positive.to_numpy()
    # The outcomes beside the case mix without copying either (assign would copy them into one block).
    with_outcomes = pd.concat([data, pd.DataFrame(values, index=data.index, copy=False)], axis=1)
    cells = outcome_cells(
        with_outcomes,
        ["pathway", "region", *casemix],
        list(values),
        weights if config.standardise_to == "population" else None,
    )
    comparisons = [
        (comparison, population, unit)
        for comparison, population, unit in COMPARISON_UNITS
        if comparison in config.comparisons
    ]
    described = {
        f"{measure}_{index}": (dimension, item_id, measure)
        for index, (dimension, item_id, _, _) in enumerate(outcomes)
        for measure in ("share_positive", "mean_score")
    }
    logistic = {name: measure == "share_positive" for name, (_, _, measure) in described.items()}
    # Each comparison's columns as arrays, the table built once (not a DataFrame per pathway or region).
    parts = []
    for comparison, population, unit in comparisons:
        for name, members in cells.groupby(population, sort=True):
            if members[unit].nunique() < 2:
                continue  # nothing to compare: one region in the pathway, or one pathway in the region
            part = adjusted_comparison_columns(
                members,
                unit,
                casemix,
                logistic,
                min_respondents=config.min_respondents_shown,
                confidence=config.confidence,
                standardise_to=config.standardise_to,
            )
            rows = len(part["outcome"])
            part[unit], part[population] = part.pop("unit").astype(object), np.full(rows, name, dtype=object)
            part["comparison"] = np.full(rows, comparison, dtype=object)
            for position, column in enumerate(("dimension", "item_id", "measure")):
                part[column] = np.array([described[outcome][position] for outcome in part["outcome"]], dtype=object)
            parts.append(part)
    if not parts:
        return conform("adjusted_results", empty_table("adjusted_results"))
    return conform(
        "adjusted_results",
        pd.DataFrame({column: np.concatenate([part[column] for part in parts]) for column in parts[0]}),
    )
