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

import numpy as np
import pandas as pd

from analysis.errors import AnalysisInputError
from contracts.formats import AGE_GROUPS

__all__ = ["calibration_residuals", "rake"]


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
    responded = np.asarray(is_respondent, dtype=bool)
    eligible = np.ones(len(frame), dtype=bool) if is_eligible is None else np.asarray(is_eligible, dtype=bool)
    design_weight = frame["design_weight"].to_numpy(dtype="float64")
    weight = np.full(len(frame), np.nan)
    strata = frame.groupby(["pathway", "region"], sort=True, observed=True).indices
    for (pathway, region), rows in strata.items():
        rows = np.asarray(rows)
        counted = eligible[rows]
        margins_all = [
            np.zeros(len(rows), dtype="int64"),  # the stratum total
            _margin_codes(frame["sex"].to_numpy(dtype=object)[rows], responded[rows], ["K", "M"], min_cell_respondents),
            _margin_codes(
                frame["age_group"].to_numpy(dtype=object)[rows], responded[rows], list(AGE_GROUPS), min_cell_respondents
            ),
        ]
        respondents = responded[rows]
        if not respondents.any():
            continue
        targets = [
            np.bincount(code[counted], weights=design_weight[rows][counted], minlength=code.max() + 1)
            for code in margins_all
        ]
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
            factor, converged = _rake_stratum(d, margins, targets, cap, tolerance, max_iterations)
            if not converged:
                raise AnalysisInputError(
                    f"raking {pathway} {region}: the margins cannot be met with every adjustment factor at most "
                    f"{trim:g} × the median ({cap:.3g}) within {max_iterations} iterations; raise the trimming "
                    "multiple or min_cell_respondents, or use post-stratification"
                )
        weight[rows[respondents]] = d * factor
    return pd.Series(weight, index=frame.index, name="weight")


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
