"""Weights: design weights from the frame times post-stratification by sex × age group.

Within each stratum (pathway × region) the respondents' design weights are
scaled so that they add up to the frame's eligible population in every sex ×
age group cell (the known ineligible, deceased and screened out, taken out of
the targets first); cells with too few respondents are collapsed first.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from analysis.cells import key_cells
from contracts.formats import AGE_GROUPS

__all__ = ["Weighting", "cell_labels", "poststratify"]

_STRATUM = ["pathway", "region"]


@dataclass
class _Cell:
    sex: str
    ages: list[str]
    respondents: int

    @property
    def label(self) -> str:
        ages = self.ages[0] if len(self.ages) == 1 else f"{self.ages[0]}..{self.ages[-1]}"
        return f"{self.sex} {ages}"


def _merge_adjacent(cells: list[_Cell], minimum: int) -> list[_Cell]:
    """Merge the smallest cell with its smaller neighbour until every cell has ``minimum``."""
    cells = list(cells)
    while len(cells) > 1 and min(cell.respondents for cell in cells) < minimum:
        smallest = min(range(len(cells)), key=lambda i: cells[i].respondents)
        neighbours = [i for i in (smallest - 1, smallest + 1) if 0 <= i < len(cells)]
        other = min(neighbours, key=lambda i: cells[i].respondents)
        first, second = sorted((smallest, other))
        merged = _Cell(
            cells[first].sex,
            cells[first].ages + cells[second].ages,
            cells[first].respondents + cells[second].respondents,
        )
        cells[first : second + 1] = [merged]
    return cells


def _collapse_stratum(counts: list[tuple[str, str, int]], minimum: int) -> dict[tuple[str, str], str]:
    """Map each (sex, age group) frame cell of one stratum, given as (sex, age group, respondents) in
    the frame cells' order, to its weighting cell's label."""
    by_sex: dict[str, list[_Cell]] = {}
    per_age: dict[str, int] = {}
    for sex, age, respondents in counts:
        by_sex.setdefault(sex, []).append(_Cell(sex, [age], int(respondents)))
        per_age[age] = per_age.get(age, 0) + int(respondents)
    collapsed = {sex: _merge_adjacent(cells, minimum) for sex, cells in by_sex.items()}
    if any(cell.respondents < minimum for cells in collapsed.values() for cell in cells) and len(by_sex) > 1:
        ordered = [age for age in AGE_GROUPS if age in per_age]
        cells = _merge_adjacent([_Cell("alla", [age], per_age[age]) for age in ordered], minimum)
        return {(sex, age): cell.label for cell in cells for age in cell.ages for sex in by_sex}
    return {(cell.sex, age): cell.label for cells in collapsed.values() for cell in cells for age in cell.ages}


def _text_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of ``values`` (-1 where missing) and their categories as text, in text order."""
    categorical = pd.Categorical(values)
    text = np.asarray(categorical.categories.astype("string"), dtype=object)
    order = np.argsort(text, kind="stable")
    rank = np.empty(len(order), dtype="int64")
    rank[order] = np.arange(len(order))
    codes = categorical.codes.astype("int64")
    if (order == np.arange(len(order))).all():  # categories already in text order (the analysis' own): as they are
        return codes, text
    return np.where(codes >= 0, rank[np.maximum(codes, 0)] if len(rank) else codes, -1), text[order]


class Weighting(NamedTuple):
    """What :func:`poststratify` gives: the weights, the cells, and each person's weighting cell."""

    weight: pd.Series
    cells: pd.DataFrame
    person_cell: np.ndarray
    """Each person's weighting cell, a row of ``cell_table`` (-1 for a person with a missing key)."""
    cell_table: pd.DataFrame
    """One row per weighting cell (pathway, region, weighting_cell, eligible invited, respondents, factor)."""


def poststratify(
    frame: pd.DataFrame,
    is_respondent: np.ndarray,
    *,
    min_cell_respondents: int = 5,
    is_eligible: np.ndarray | None = None,
) -> Weighting:
    """Final weights: design weight × post-stratification factor of the person's cell.

    Parameters
    ----------
    frame : DataFrame
        Every invited person: ``pathway, region, sex, age_group, design_weight``.
    is_respondent : array of bool
        Who counts as a respondent (aligned with ``frame``).
    min_cell_respondents : int
        Cells with fewer respondents are collapsed: with the adjacent age
        group within sex (the smaller neighbour, repeatedly), and when a sex
        still falls short, across sex (age groups of both sexes together,
        labelled ``alla``).
    is_eligible : array of bool, optional
        Who belongs to the target population: every invited person except
        the known ineligible (deceased, screened out); default everyone.

    Returns
    -------
    Weighting
        ``weight``, ``cells``, ``person_cell`` and ``cell_table``:
    weight : Series of float
        The final weight of each respondent; missing for non-respondents and
        for respondents of a cell whose stratum has no respondents at all.
    cells : DataFrame
        One row per frame cell (pathway, region, sex, age group) with its
        weighting cell, targets, respondents and factor (the
        ``weighting_cells`` table).

    Notes
    -----
    The target of a weighting cell is the sum of the frame's design weights
    ``N_h / n_h`` of its invited persons not known to be ineligible (the
    eligible population the cell represents; the undeliverable, of unknown
    eligibility, count as eligible), so the weighted respondents reproduce
    the frame's eligible population by sex × age group within each pathway ×
    region. The factor is target / Σ respondents' design weights. The targets
    are estimated from the sample: the variance is two-phase
    (:class:`analysis.estimates.TwoPhaseDesign`).

    References
    ----------
    Holt, D. and Smith, T. M. F. (1979). Post stratification. *Journal of the
    Royal Statistical Society A*, 142(1), 33–46.
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*, ch. 7.
    """
    keys = [*_STRATUM, "sex", "age_group"]
    # One integer code per frame cell from the keys' categorical codes (categories in text order, so the
    # cells come out sorted as the keys' text), then every sum by bincount: no string work per person.
    coded = [_text_codes(frame[key]) for key in keys]
    sizes = [max(len(categories), 1) for _, categories in coded]
    cell, known = key_cells([codes for codes, _ in coded], sizes)
    design_weight = frame["design_weight"].to_numpy(dtype="float64")
    responded = np.asarray(is_respondent, dtype=bool)
    eligible = np.ones(len(frame), dtype=bool) if is_eligible is None else np.asarray(is_eligible, dtype=bool)
    if not known.all():
        design_weight, responded, eligible = design_weight[known], responded[known], eligible[known]
    size = int(np.prod(sizes))
    invited = np.bincount(cell, minlength=size)
    observed = np.flatnonzero(invited > 0)
    position = np.unravel_index(observed, sizes)
    frame_cells = pd.DataFrame(
        {
            **{
                key: pd.array(categories[index], dtype="string")
                for key, (_, categories), index in zip(keys, coded, position, strict=False)
            },
            "frame_population": np.bincount(cell, weights=np.where(eligible, design_weight, 0.0), minlength=size)[
                observed
            ],
            "eligible": np.bincount(cell, weights=eligible, minlength=size)[observed].astype("int64"),
            "respondents": np.bincount(cell, weights=responded, minlength=size)[observed].astype("int64"),
            "respondent_weight": np.bincount(cell, weights=np.where(responded, design_weight, 0.0), minlength=size)[
                observed
            ],
        }
    )
    # The frame cells are sorted by stratum: each stratum is one run of rows, collapsed on plain lists.
    rows = list(
        zip(
            frame_cells["sex"].to_numpy(dtype=object),
            frame_cells["age_group"].to_numpy(dtype=object),
            frame_cells["respondents"].to_numpy().tolist(),
            strict=False,
        )
    )
    stratum = position[0] * sizes[1] + position[1]
    bounds = [0, *(np.flatnonzero(np.diff(stratum)) + 1).tolist(), len(rows)]
    labels: list[str] = []
    for start, end in itertools.pairwise(bounds):
        mapping = _collapse_stratum(rows[start:end], min_cell_respondents)
        labels.extend(mapping[(sex, age)] for sex, age, _ in rows[start:end])
    frame_cells["weighting_cell"] = pd.array(labels, dtype="string")
    by_cell = frame_cells.groupby([*_STRATUM, "weighting_cell"], sort=False)
    frame_cells["cell_population"] = by_cell["frame_population"].transform("sum")
    frame_cells["cell_respondents"] = by_cell["respondents"].transform("sum")
    respondent_weight = by_cell["respondent_weight"].transform("sum")
    frame_cells["adjustment_factor"] = frame_cells["cell_population"] / respondent_weight.where(respondent_weight > 0)
    factor = np.full(size, np.nan)
    factor[observed] = frame_cells["adjustment_factor"].to_numpy(dtype="float64", na_value=np.nan)
    final = np.where(responded, design_weight * factor[cell], np.nan)
    number = np.full(size, -1, dtype="int64")
    number[observed] = by_cell.ngroup().to_numpy()
    person_cell = number[cell]
    if not known.all():  # a person with a missing key has no weight
        everyone, cell_of = np.full(len(frame), np.nan), np.full(len(frame), -1, dtype="int64")
        everyone[known], cell_of[known] = final, person_cell
        final, person_cell = everyone, cell_of
    weight = pd.Series(final, index=frame.index, name="weight")
    cell_table = (
        frame_cells.groupby([*_STRATUM, "weighting_cell"], sort=False)
        .agg(eligible=("eligible", "sum"), respondents=("respondents", "sum"), factor=("adjustment_factor", "first"))
        .reset_index()
    )
    return Weighting(weight, frame_cells.drop(columns="eligible"), person_cell, cell_table)


def cell_labels(weighting: Weighting) -> pd.Categorical:
    """Each person's weighting cell label (missing for a person with a missing key)."""
    labels = weighting.cell_table["weighting_cell"].astype(str).to_numpy(dtype=object)
    categories = pd.Index(sorted(set(labels)))
    return pd.Categorical.from_codes(
        np.where(weighting.person_cell >= 0, categories.get_indexer(labels)[np.maximum(weighting.person_cell, 0)], -1)
        if len(labels)
        else weighting.person_cell,
        categories=categories,
    )
