"""Raking (iterative proportional fitting) to the frame's margins, with weight trimming.

The alternative to post-stratification (:mod:`analysis.weighting`) that the
national survey's own evaluation recommends: within each stratum (pathway ×
region, so that every region's and every pathway's (diagnosis group's) total
is reproduced too) the respondents' design weights are scaled until they
reproduce the frame's eligible population by sex and by age group (the two
margins, not their cross-classification, which needs far fewer collapsed
cells).

Trimming rule: the adjustment factor (final weight / design weight) of a
respondent may not exceed ``trim`` × the median factor of the stratum's
untrimmed raking. Factors above the cap are set to it, and the next raking
sweep spreads the excess over the others; sweeps alternate until the margins
hold (relative error below ``tolerance``) with every factor under the cap.
The result is the bounded raking of Deville and Särndal, R survey's
``calibrate(..., calfun = "raking", bounds = c(0, cap))``. No convergence
within ``max_iterations`` sweeps is an error naming the stratum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import AnalysisInputError
from analysis.weighting import Weighting
from contracts.formats import AGE_GROUPS

__all__ = ["calibration_residuals", "rake", "rake_round"]


def _margin_codes(values: np.ndarray, responded: np.ndarray, order: list[str], minimum: int) -> np.ndarray:
    """Each person's margin category after collapsing: adjacent categories (in ``order``) merged, the
    smallest with its smaller neighbour, until each has ``minimum`` respondents (one category at most)."""
    present = [value for value in order if (values == value).any()]
    groups = [[value] for value in present]
    count = [int((responded & (values == value)).sum()) for value in present]
    while len(groups) > 1 and min(count) < minimum:
        smallest = int(np.argmin(count))
        neighbours = [i for i in (smallest - 1, smallest + 1) if 0 <= i < len(groups)]
        other = min(neighbours, key=lambda i: count[i])
        first, second = sorted((smallest, other))
        groups[first : second + 1] = [groups[first] + groups[second]]
        count[first : second + 1] = [count[first] + count[second]]
    code = np.full(len(values), -1, dtype="int64")
    for index, members in enumerate(groups):
        code[np.isin(values, members)] = index
    return code


def _rake_stratum(
    design_weight: np.ndarray,
    margins: list[np.ndarray],
    targets: list[np.ndarray],
    cap: float,
    tolerance: float,
    max_iterations: int,
) -> tuple[np.ndarray, bool]:
    """Adjustment factors of one stratum's respondents (raked, capped at ``cap``) and whether they converged."""
    factor = np.ones(len(design_weight))
    for _ in range(max_iterations):
        for code, target in zip(margins, targets, strict=True):
            current = np.bincount(code, weights=design_weight * factor, minlength=len(target))
            factor *= (target / np.where(current > 0, current, 1.0))[code]
            factor = np.minimum(factor, cap)
        worst = max(
            np.max(np.abs(np.bincount(code, weights=design_weight * factor, minlength=len(target)) / target - 1))
            for code, target in zip(margins, targets, strict=True)
        )
        if worst < tolerance:
            return factor, True
    return factor, False


@dataclass
class _StratumRaking:
    """One stratum's raking: its persons' rows, the margins' targets (total, sex, age group) and the cap."""

    pathway: str
    region: str
    rows: np.ndarray
    targets: list[np.ndarray]
    cap: float


def _rake_strata(
    frame: pd.DataFrame,
    is_respondent: np.ndarray,
    is_eligible: np.ndarray | None,
    min_cell_respondents: int,
    trim: float | None,
    tolerance: float,
    max_iterations: int,
) -> tuple[np.ndarray, np.ndarray, list[_StratumRaking]]:
    """Every person's final weight (missing but for respondents), margin codes (sex, age group; per
    person, within the stratum) and each stratum's raking: what :func:`rake` and :func:`rake_round` share."""
    responded = np.asarray(is_respondent, dtype=bool)
    eligible = np.ones(len(frame), dtype=bool) if is_eligible is None else np.asarray(is_eligible, dtype=bool)
    design_weight = frame["design_weight"].to_numpy(dtype="float64")
    weight = np.full(len(frame), np.nan)
    codes = np.full((len(frame), 2), -1, dtype="int64")
    raked: list[_StratumRaking] = []
    sex_all, age_all = frame["sex"].to_numpy(dtype=object), frame["age_group"].to_numpy(dtype=object)
    strata = frame.groupby(["pathway", "region"], sort=True, observed=True).indices
    for (pathway, region), rows in strata.items():
        rows = np.asarray(rows)
        counted = eligible[rows]
        sex = _margin_codes(sex_all[rows], responded[rows], ["K", "M"], min_cell_respondents)
        age = _margin_codes(age_all[rows], responded[rows], list(AGE_GROUPS), min_cell_respondents)
        codes[rows, 0], codes[rows, 1] = sex, age
        margins_all = [np.zeros(len(rows), dtype="int64"), sex, age]  # the stratum total first
        respondents = responded[rows]
        targets = [
            np.bincount(code[counted], weights=design_weight[rows][counted], minlength=code.max() + 1)
            for code in margins_all
        ]
        stratum = _StratumRaking(str(pathway), str(region), rows, targets, np.inf)
        raked.append(stratum)
        if not respondents.any():
            continue
        margins = [code[respondents] for code in margins_all]
        if any(
            (np.bincount(code, minlength=len(target)) == 0)[target > 0].any()
            for code, target in zip(margins, targets, strict=True)
        ):
            raise AnalysisInputError(f"raking {pathway} {region}: a margin category has no respondents")
        d = design_weight[rows][respondents]
        factor, converged = _rake_stratum(d, margins, targets, np.inf, tolerance, max_iterations)
        if not converged:
            raise AnalysisInputError(f"raking {pathway} {region}: no convergence within {max_iterations} iterations")
        if trim is not None:
            cap = trim * float(np.median(factor))
            stratum.cap = cap
            factor, converged = _rake_stratum(d, margins, targets, cap, tolerance, max_iterations)
            if not converged:
                raise AnalysisInputError(
                    f"raking {pathway} {region}: the margins cannot be met with every adjustment factor at most "
                    f"{trim:g} × the median ({cap:.3g}) within {max_iterations} iterations; raise the trimming "
                    "multiple or min_cell_respondents, or use post-stratification"
                )
        weight[rows[respondents]] = d * factor
    return weight, codes, raked


def rake(
    frame: pd.DataFrame,
    is_respondent: np.ndarray,
    *,
    is_eligible: np.ndarray | None = None,
    min_cell_respondents: int = 5,
    trim: float | None = 5.0,
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
) -> pd.Series:
    """Final weights by raking to sex and age group within each pathway × region, trimmed.

    Parameters
    ----------
    frame : DataFrame
        Every invited person: ``pathway, region, sex, age_group, design_weight``.
    is_respondent, is_eligible : array of bool
        As in :func:`analysis.weighting.poststratify`: the targets are the
        design-weight sums of the invited not known to be ineligible.
    min_cell_respondents : int
        A margin category (an age group, a sex) with fewer respondents is
        merged with its smaller adjacent category; a sex margin that falls
        short is dropped (the stratum total still holds).
    trim : float or None
        Cap on the adjustment factor as a multiple of the stratum's median
        untrimmed factor; ``None``: no trimming.
    tolerance, max_iterations
        Convergence: every margin within ``tolerance`` (relative) after at
        most ``max_iterations`` sweeps, else :class:`AnalysisInputError`.

    Returns
    -------
    Series of float
        The final weight of each respondent (design weight × factor);
        missing for everyone else.

    References
    ----------
    Deville, J.-C. and Särndal, C.-E. (1992). Calibration estimators in
    survey sampling. *JASA*, 87(418), 376–382.
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*, ch. 7.
    """
    weight, _, _ = _rake_strata(
        frame, is_respondent, is_eligible, min_cell_respondents, trim, tolerance, max_iterations
    )
    return pd.Series(weight, index=frame.index, name="weight")


def _category_labels(values: np.ndarray, code: np.ndarray, order: list[str], merged: str | None) -> list[str]:
    """Each margin category's label: its one value, ``first..last`` of merged adjacent values, or
    ``merged`` for every value of the margin together (the sex margin dropped)."""
    labels = []
    for index in range(int(code.max()) + 1 if len(code) else 0):
        members = [value for value in order if ((code == index) & (values == value)).any()]
        if len(members) > 1 and merged is not None and len(members) == len({*values}):
            labels.append(merged)
        else:
            labels.append(members[0] if len(members) == 1 else f"{members[0]}..{members[-1]}")
    return labels


def rake_round(
    frame: pd.DataFrame,
    is_respondent: np.ndarray,
    *,
    is_eligible: np.ndarray | None = None,
    min_cell_respondents: int = 5,
    trim: float | None = 5.0,
    tolerance: float = 1e-10,
    max_iterations: int = 1000,
) -> tuple[Weighting, pd.DataFrame, np.ndarray]:
    """:func:`rake` for the analysis: the weights as a :class:`analysis.weighting.Weighting` and the margins.

    The weighting cells are the raking cells: the persons of a stratum with the same (collapsed) sex
    and age group category, whose adjustment factor is one (raking makes it a product of a factor per
    margin category, trimming caps it); labelled ``sex | age group``, e.g. ``K | 65-79..80+``. Their
    ``cell_population`` is the weighted respondents' total Σ w (raking does not calibrate a cell, only
    the margins).

    Returns
    -------
    Weighting
        As :func:`analysis.weighting.poststratify` gives it.
    margins : DataFrame
        One row per stratum, margin (``sex``, ``age_group``) and category: its ``target`` (the
        eligible frame's design-weight total), ``achieved`` (Σ w of its respondents), ``respondents``
        and ``trimmed`` (its respondents whose factor is at the cap); the ``raking_margins`` table.
    cell_margins : ndarray of int, shape (cells, 2)
        Each weighting cell's (row of ``Weighting.cell_table``) sex and age group margin category,
        codes within its stratum: for the variance (:class:`analysis.estimates.TwoPhaseDesign`).
    """
    weight, codes, raked = _rake_strata(
        frame, is_respondent, is_eligible, min_cell_respondents, trim, tolerance, max_iterations
    )
    responded = np.asarray(is_respondent, dtype=bool)
    eligible = np.ones(len(frame), dtype=bool) if is_eligible is None else np.asarray(is_eligible, dtype=bool)
    design_weight = frame["design_weight"].to_numpy(dtype="float64")
    sex_all, age_all = frame["sex"].to_numpy(dtype=object), frame["age_group"].to_numpy(dtype=object)
    factor = weight / design_weight
    person_cell = np.full(len(frame), -1, dtype="int64")
    frame_rows: list[dict[str, object]] = []
    cell_rows: list[tuple[str, str, str, int, int, float]] = []
    margin_rows: list[tuple[str, str, str, str, float, float, int, int]] = []
    cell_margins: list[tuple[int, int]] = []
    for stratum in raked:
        rows = stratum.rows
        sex, age = codes[rows, 0], codes[rows, 1]
        labels = [
            _category_labels(sex_all[rows], sex, ["K", "M"], "alla"),
            _category_labels(age_all[rows], age, list(AGE_GROUPS), None),
        ]
        answered = responded[rows]
        at_cap = answered & (factor[rows] >= stratum.cap * (1 - 1e-9))
        for margin, (name, code) in enumerate((("sex", sex), ("age_group", age))):
            for index, label in enumerate(labels[margin]):
                mine = code == index
                margin_rows.append(
                    (
                        stratum.pathway,
                        stratum.region,
                        name,
                        label,
                        float(stratum.targets[margin + 1][index]),
                        float(np.nansum(weight[rows][mine & answered])),
                        int((mine & answered).sum()),
                        int((mine & at_cap).sum()),
                    )
                )
        cell_of = sex * (int(age.max()) + 1) + age
        for cell in np.unique(cell_of):
            mine = cell_of == cell
            first = int(np.flatnonzero(mine)[0])
            label = f"{labels[0][sex[first]]} | {labels[1][age[first]]}"
            person_cell[rows[mine]] = len(cell_rows)
            respondents = int((mine & answered).sum())
            cell_factor = float(factor[rows][mine & answered][0]) if respondents else np.nan
            cell_rows.append(
                (stratum.pathway, stratum.region, label, int((mine & eligible[rows]).sum()), respondents, cell_factor)
            )
            cell_margins.append((int(sex[first]), int(age[first])))
            achieved = float(np.nansum(weight[rows][mine & answered]))
            for sex_value, age_value in sorted({*zip(sex_all[rows][mine], age_all[rows][mine], strict=True)}):
                member = mine & (sex_all[rows] == sex_value) & (age_all[rows] == age_value)
                frame_rows.append(
                    {
                        "pathway": stratum.pathway,
                        "region": stratum.region,
                        "sex": sex_value,
                        "age_group": age_value,
                        "weighting_cell": label,
                        "frame_population": float(design_weight[rows][member & eligible[rows]].sum()),
                        "cell_population": achieved,
                        "cell_respondents": respondents,
                        "adjustment_factor": cell_factor,
                    }
                )
    cells = pd.DataFrame(frame_rows, columns=_FRAME_CELL_COLUMNS)
    if len(cells):
        cells = cells.sort_values(["pathway", "region", "sex", "age_group"], kind="stable").reset_index(drop=True)
    cell_table = pd.DataFrame(
        cell_rows, columns=["pathway", "region", "weighting_cell", "eligible", "respondents", "factor"]
    )
    margins = pd.DataFrame(
        margin_rows,
        columns=["pathway", "region", "margin", "category", "target", "achieved", "respondents", "trimmed"],
    )
    weighting = Weighting(pd.Series(weight, index=frame.index, name="weight"), cells, person_cell, cell_table)
    return weighting, margins, np.asarray(cell_margins, dtype="int64").reshape(-1, 2)


_FRAME_CELL_COLUMNS = [
    "pathway",
    "region",
    "sex",
    "age_group",
    "weighting_cell",
    "frame_population",
    "cell_population",
    "cell_respondents",
    "adjustment_factor",
]


def calibration_residuals(
    influence: np.ndarray, stratum: np.ndarray, margins: list[np.ndarray], design_weight: np.ndarray, weight: np.ndarray
) -> np.ndarray:
    """The linearised values of a raked estimator: each influence value's residual from the regression
    on the calibration indicators within its stratum.

    Parameters
    ----------
    influence : array, shape (n,) or (n, k)
        The respondents' linearised values of the uncalibrated estimator (for a ratio ``R``:
        ``w_i (y_i - R) / Σ w``, 0 for a respondent without a value).
    stratum : array of int, shape (n,)
        Each respondent's stratum: calibration is within strata, so is the regression.
    margins : list of arrays of int, shape (n,)
        Each margin's category codes (sex, age group; the stratum total is added here).
    design_weight, weight : array, shape (n,)
        Design weights ``d`` and calibrated weights ``w = g d``.

    Returns
    -------
    ndarray, the shape of ``influence``
        ``g sqrt(d) · resid(x / (g sqrt(d)))``, the residual from the least-squares fit on the
        indicators times ``sqrt(d)``: what R survey's ``svyrecvar`` uses for a design from
        ``calibrate()`` (Deville and Särndal 1992's residual variance with the g-weights). The
        stratified variance of these is the calibrated estimator's.
    """
    values = np.asarray(influence, dtype="float64")
    flat = values.reshape(len(values), -1)
    root = np.sqrt(np.asarray(design_weight, dtype="float64"))
    scale = np.asarray(weight, dtype="float64") / root  # g sqrt(d)
    result = np.empty_like(flat)
    for rows in pd.Series(np.arange(len(flat))).groupby(np.asarray(stratum), sort=False).indices.values():
        columns = [np.ones(len(rows))]
        for code in margins:
            local = np.asarray(code)[rows]
            columns.extend((local == value).astype("float64") for value in np.unique(local))
        design = np.column_stack(columns) * root[rows, None]
        target = flat[rows] / scale[rows, None]
        fitted = design @ np.linalg.lstsq(design, target, rcond=None)[0]
        result[rows] = (target - fitted) * scale[rows, None]
    return result.reshape(values.shape)
