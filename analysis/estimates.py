"""Group estimates with confidence intervals: unweighted and design-based (Taylor linearisation).

Every estimate is a mean of respondent-level values over the respondents
with a value (an item's scored answers, a dimension score, a positive 0/1
indicator), for groups that are unions of the design's strata (pathway ×
region). Sums are formed once per stratum and then added up per group, so
the work is one pass over the respondents whatever the number of groups.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, special, stats
from statsmodels.stats.proportion import proportion_confint

from analysis.cells import class_counts, countable, weight_classes
from analysis.config import AnalysisConfig
from analysis.raking import calibration_residuals
from analysis.suppression import suppress_small_results
from analysis.tables import LEVEL_KEYS

__all__ = [
    "CI_METHODS",
    "LevelGroups",
    "OutcomeEstimator",
    "TwoPhaseDesign",
    "estimates_from_sums",
    "grouped_estimates",
    "level_groups",
    "state_stratum_sums",
]

CI_METHODS: dict[str, str] = {
    "wilson": "Wilson score interval for an unweighted proportion (statsmodels proportion_confint, method='wilson').",
    "t": "Student t interval for an unweighted mean: mean ± t(n-1) × s / sqrt(n).",
    "taylor_linearisation": (
        "Weighted mean (a ratio estimator): standard error by Taylor linearisation with the two-phase variance "
        "(see variance); interval mean ± t(df) × se with the design degrees of freedom df = respondents in the "
        "group - weighting cells with respondents in the group; clipped to 0-100."
    ),
    "logit": (
        "Weighted share: standard error by Taylor linearisation with the two-phase variance (see variance); "
        "logit interval expit(logit(p) ± t(df) × se / (p (1 - p))) with the design degrees of freedom df as "
        "for weighted means (R survey's svyciprop, method = 'logit'); it stays inside 0-100 without clipping."
    ),
    "clopper_pearson": (
        "Weighted share of 0 or 100 % (every respondent of the group answered alike, so the weighted share has no "
        "sampling variance to speak of): the Clopper-Pearson exact interval of the unweighted count."
    ),
}
"""The interval methods named in the ``ci_method`` column."""

VARIANCE_METHOD = (
    "Variance of weighted estimates: two-phase, as R survey's twophase() computes it. Phase 1 is the sample: "
    "stratified simple random sampling without replacement of n_h invited from the frame's N_h in each "
    "pathway × region, with the finite population correction 1 - n_h/N_h (a stratum drawn whole, n_h = N_h, "
    "adds no phase-1 variance). Phase 2 is response: within each weighting cell the respondents are taken as "
    "a simple random subsample of the cell's invited persons not known to be ineligible, with the correction "
    "1 - m_c/n_c. The post-stratification targets are thus estimated from the sample, not known, and their "
    "uncertainty is in the variance. Estimates are ratios (weighted means), linearised; respondents without a "
    "value stay in the design (domain estimation, as svymean with na.rm = TRUE); a cell with one respondent "
    "adds no phase-2 variance. Design effect: the variance over that of a simple random sample of the same "
    "number of respondents from the weighted population, without replacement (R's svymean deff = TRUE); "
    "effective n = n / design effect."
)
"""What the ``se`` of a weighted estimate is, for the methods table."""

RAKING_VARIANCE_METHOD = (
    "Variance of weighted estimates under raking: two-phase with the second phase calibrated, as R survey's "
    "twophase() followed by calibrate(phase = 2, calfun = 'raking') computes it. Phase 1 as under "
    "post-stratification: stratified simple random sampling without replacement of n_h invited from the frame's "
    "N_h in each pathway x region, with the finite population correction 1 - n_h/N_h (a stratum drawn whole adds "
    "no phase-1 variance). Phase 2 is response: within each pathway x region the m_h respondents are taken as a "
    "simple random subsample of the stratum's n'_h invited not known to be ineligible (correction 1 - m_h/n'_h; "
    "the known ineligible a phase-2 stratum of their own, observed whole), whose weights are then raked to the "
    "phase-1 estimates of the sex and age group margins. The phase-2 variance is that of the calibration "
    "residuals: each linearised value's residual from the least-squares fit on the stratum's margin indicators, "
    "times the raking factor g (Deville and Särndal 1992; survey's g-weighted residuals); the phase-1 variance is "
    "estimated from the linearised values themselves, each weighted by the inverse phase-2 fraction n'_h/m_h. The "
    "margins' targets are thus estimated from the sample and their uncertainty is in the variance; trimmed "
    "factors enter as they are (the bounded calibration's g). Estimates are ratios (weighted means), linearised; "
    "respondents without a value stay in the design (domain estimation, as svymean with na.rm = TRUE). Design "
    "effect and effective n as under post-stratification."
)
"""What the ``se`` of a weighted estimate is under raking, for the methods table."""


def _stratum_sums(
    values: np.ndarray, stratum: np.ndarray, n_strata: int, weight: np.ndarray | None
) -> dict[str, np.ndarray]:
    """Per-stratum sums (strata × columns) that every estimate below is built from.

    One pass per stratum: the row factors (1, w, w²) times the columns
    (answered, y, y²) of the stratum's respondents in one matrix product.
    """
    order = np.argsort(stratum, kind="stable")
    bounds = np.searchsorted(stratum[order], np.arange(n_strata + 1))
    in_order = bool(np.all(order == np.arange(len(order))))
    ones = np.ones(len(stratum))
    factors = np.column_stack([ones] if weight is None else [ones, weight, weight * weight])
    k = values.shape[1]
    products = np.zeros((n_strata, factors.shape[1], 3, k))
    for h in range(n_strata):
        rows = slice(bounds[h], bounds[h + 1]) if in_order else order[bounds[h] : bounds[h + 1]]
        block = values[rows]
        answered = ~np.isnan(block)
        filled = np.where(answered, block, 0.0)
        columns = np.concatenate([answered, filled, filled * filled], axis=1)
        products[h] = (factors[rows].T @ columns).reshape(factors.shape[1], 3, k)
    sums = {
        "psus": np.diff(bounds).astype("float64"),
        "n": products[:, 0, 0],
        "y": products[:, 0, 1],
        "yy": products[:, 0, 2],
    }
    if weight is not None:
        sums |= {
            "w": products[:, 1, 0],
            "wy": products[:, 1, 1],
            "wyy": products[:, 1, 2],
            "ww": products[:, 2, 0],
            "wwy": products[:, 2, 1],
            "wwyy": products[:, 2, 2],
        }
    return sums


def state_stratum_sums(
    counts: Sequence[np.ndarray],
    value_of: Sequence[np.ndarray],
    class_stratum: np.ndarray,
    class_weight: np.ndarray,
    psus: np.ndarray,
) -> dict[str, np.ndarray]:
    """The per-stratum sums of :func:`grouped_estimates` from counts of respondents per class and state.

    Parameters
    ----------
    counts : sequence of ndarray, one per outcome, shape (n_classes, n_states)
        Respondents per class of equal stratum and weight and per state
        (:func:`analysis.cells.class_counts`).
    value_of : sequence of ndarray, one per outcome, shape (n_states,)
        Each state's value; ``nan`` for a state without one (not answered,
        not scored).
    class_stratum, class_weight : ndarray, shape (n_classes,)
        Each class's stratum and weight (:func:`analysis.cells.weight_classes`).
    psus : ndarray, shape (n_strata,)
        Respondents per stratum.

    Returns
    -------
    dict of str to ndarray
        What the respondent-level sums give (strata × outcomes): ``n, y, yy``
        and ``w, wy, wyy, ww, wwy, wwyy``, each value times its state's count.
    """
    per_class = {}
    measures: tuple[tuple[str, Callable[[np.ndarray], np.ndarray]], ...] = (
        ("n", lambda value: ~np.isnan(value)),
        ("y", lambda value: np.nan_to_num(value)),
        ("yy", lambda value: np.nan_to_num(value) ** 2),
    )
    for name, column in measures:
        per_class[name] = (
            np.column_stack(
                [count @ column(value).astype("float64") for count, value in zip(counts, value_of, strict=False)]
            )
            if len(counts)
            else np.zeros((len(class_stratum), 0))
        )
    factor = class_weight[:, None]
    per_class |= {
        "w": factor * per_class["n"],
        "wy": factor * per_class["y"],
        "wyy": factor * per_class["yy"],
        "ww": factor**2 * per_class["n"],
        "wwy": factor**2 * per_class["y"],
        "wwyy": factor**2 * per_class["yy"],
    }
    to_stratum = _summing(class_stratum, len(psus))
    return {
        "psus": np.asarray(psus, dtype="float64"),
        **{name: np.asarray(to_stratum @ sums) for name, sums in per_class.items()},
    }


def _unweighted(sums: Mapping[str, np.ndarray], proportion: bool, confidence: float) -> dict[str, np.ndarray]:
    n, total = sums["n"], sums["y"]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        if proportion:
            se = np.sqrt(mean * (1 - mean) / n)
            counts = np.where(n > 0, total, 0)
            lower, upper = proportion_confint(counts, np.where(n > 0, n, 1), alpha=1 - confidence, method="wilson")
            lower, upper = np.where(n > 0, lower, np.nan), np.where(n > 0, upper, np.nan)
        else:
            variance = np.clip(sums["yy"] - n * mean * mean, 0, None) / (n - 1)
            se = np.sqrt(variance / n)
            quantile = stats.t.ppf(0.5 + confidence / 2, np.where(n > 1, n - 1, 1))
            lower, upper = mean - quantile * se, mean + quantile * se
            lower, upper = np.where(n > 1, lower, np.nan), np.where(n > 1, upper, np.nan)
    return {"estimate": mean, "se": se, "lower": lower, "upper": upper}


def _summing(membership: np.ndarray, groups: int) -> sparse.csr_matrix:
    """The matrix (groups × members) whose product with per-member sums adds them up per group;
    ``membership`` holds each member's group (0 .. groups - 1)."""
    return sparse.csr_matrix(
        (np.ones(len(membership)), (membership, np.arange(len(membership)))), shape=(groups, len(membership))
    )


@dataclass(frozen=True)
class TwoPhaseDesign:
    """The two phases of the design, for the variance of weighted estimates.

    The units of the per-unit sums (the rows of ``strata`` given to :func:`grouped_estimates`) are the
    weighting cells: phase 2 (response) is stratified by them, and they nest in the phase-1 strata
    (pathway × region).

    Attributes
    ----------
    cell_stratum : ndarray of int, shape (n_cells,)
        Each weighting cell's phase-1 stratum, ``0 .. n_strata - 1``.
    cell_eligible : ndarray, shape (n_cells,)
        Invited persons of the cell not known to be ineligible: the phase-2 population ``n_c`` the
        cell's respondents are a subsample of.
    cell_factor : ndarray, shape (n_cells,)
        The cell's post-stratification factor: the phase-2 weight (final weight / design weight).
    stratum_invited, stratum_population : ndarray, shape (n_strata,)
        Invited ``n_h`` (everyone, the ineligible too) and the frame's population ``N_h`` per stratum.
    cell_margins : ndarray of int, shape (n_cells, 2), optional
        Raked weights: the cells are raking cells, each with its sex and age group margin category
        (codes within the stratum; -1 for a unit without a cell). Phase 2 is then response within the
        phase-1 stratum, calibrated to the margins (:data:`RAKING_VARIANCE_METHOD`); ``None``:
        post-stratification, phase 2 stratified by the cells.
    """

    cell_stratum: np.ndarray
    cell_eligible: np.ndarray
    cell_factor: np.ndarray
    stratum_invited: np.ndarray
    stratum_population: np.ndarray
    cell_margins: np.ndarray | None = None

    @property
    def raked(self) -> bool:
        """Whether the weights are raked (phase 2 calibrated to margins), not post-stratified."""
        return self.cell_margins is not None


def _taylor(
    sums: Mapping[str, np.ndarray],
    membership: np.ndarray,
    to_group: sparse.csr_matrix,
    design: TwoPhaseDesign | None,
) -> dict[str, np.ndarray]:
    """Ratio-estimator linearisation; ``membership`` maps each unit (weighting cell, or stratum without
    ``design``) to its group (0..G-1), and ``to_group`` is its :func:`_summing` matrix.

    Without ``design``: one phase, units as strata, respondents with replacement (R's
    ``svydesign(ids = ~1, strata = ~unit, weights = ~w)``). With it: the two-phase variance of
    :data:`VARIANCE_METHOD` (R's ``twophase``), v = Σ_h (v1_h + v2_h) over the group's strata with

    * v2_h = Σ_c (1 - m_c/n_c) m_c/(m_c - 1) Σ_i (z_ci - z̄_c)² over the weighting cells c of h
      (m_c respondents, n_c invited not known ineligible);
    * v1_h = (1 - n_h/N_h) n_h/(n_h - 1) [Σ_i z_i²/d2_i - ((Σ_i z_i)² - v2_h)/n_h], the phase-1
      variance of the n_h invited estimated from the respondents (d2 = the phase-2 weight);

    z_i = w_i (y_i - R)/Σ w, 0 for respondents without a value.
    """
    weight_total = np.asarray(to_group @ sums["w"])
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.asarray(to_group @ sums["wy"]) / weight_total
        ratio_s, total_s = ratio[membership], weight_total[membership]
        z_sum = np.nan_to_num((sums["wy"] - ratio_s * sums["w"]) / total_s)
        z_square = np.nan_to_num((sums["wwyy"] - 2 * ratio_s * sums["wwy"] + ratio_s**2 * sums["ww"]) / total_s**2)
        psus = sums["psus"][:, None]
        spread = np.where(
            psus > 1, psus / np.where(psus > 1, psus - 1, 1) * (z_square - z_sum**2 / np.maximum(psus, 1)), 0.0
        )
        spread = np.clip(spread, 0, None)  # a sum of squares: below 0 only by rounding
        if design is None:
            variance = np.asarray(to_group @ spread)
        elif design.raked:
            variance = _raked_variance(sums, membership, to_group, design, ratio_s, total_s, z_sum, z_square)
        else:
            eligible = design.cell_eligible[:, None]
            phase2 = np.where(eligible > 0, 1 - psus / np.where(eligible > 0, eligible, 1), 0.0) * spread
            n_strata = len(design.stratum_invited)
            to_stratum = _summing(design.cell_stratum, n_strata)
            factor = design.cell_factor[:, None]
            weighted_square = np.where(psus > 0, z_square / np.where(psus > 0, factor, 1), 0.0)
            total, square, v2 = (np.asarray(to_stratum @ part) for part in (z_sum, weighted_square, phase2))
            invited = design.stratum_invited.astype("float64")[:, None]
            correction = np.clip(1 - invited / design.stratum_population.astype("float64")[:, None], 0, None)
            v1 = np.where(
                invited > 1,
                correction * invited / np.where(invited > 1, invited - 1, 1) * (square - (total**2 - v2) / invited),
                0.0,
            )
            stratum_group = np.zeros(n_strata, dtype="int64")
            stratum_group[design.cell_stratum] = membership
            variance = np.asarray(_summing(stratum_group, to_group.shape[0]) @ (v1 + v2))
            # strata without a cell of the groups (no respondent) have v1 = v2 = 0: summed harmlessly
    return {"estimate": ratio, "se": np.sqrt(np.clip(variance, 0, None))}


def _raked_strata(
    sums: Mapping[str, np.ndarray], membership: np.ndarray, to_group: sparse.csr_matrix, design: TwoPhaseDesign
) -> np.ndarray:
    """Per group, its strata with respondents: under raking the degrees of freedom are respondents
    minus strata (phase 2 is one stratum per pathway x region, calibrated)."""
    respondents = np.asarray(_summing(design.cell_stratum, len(design.stratum_invited)) @ sums["psus"])
    return np.asarray(_strata_summing(design, membership, to_group) @ (respondents > 0).astype("float64"))


def _strata_summing(design: TwoPhaseDesign, membership: np.ndarray, to_group: sparse.csr_matrix) -> sparse.csr_matrix:
    """:func:`_summing` of the strata into the groups: a stratum's group is that of its units (``membership``)."""
    stratum_group = np.zeros(len(design.stratum_invited), dtype="int64")
    stratum_group[design.cell_stratum] = membership
    return _summing(stratum_group, to_group.shape[0])


def _raked_variance(
    sums: Mapping[str, np.ndarray],
    membership: np.ndarray,
    to_group: sparse.csr_matrix,
    design: TwoPhaseDesign,
    ratio_s: np.ndarray,
    total_s: np.ndarray,
    z_sum: np.ndarray,
    z_square: np.ndarray,
) -> np.ndarray:
    """The two-phase variance of :data:`RAKING_VARIANCE_METHOD` per group: v = Σ_h (v1_h + v2_h) with

    * v2_h = (1 - m_h/n'_h) m_h/(m_h - 1) Σ_i (e_i - ē_h)², e the calibration residuals of z
      (:func:`analysis.raking.calibration_residuals`; per unit, ``sums`` holds those of w·a·y and of
      w·a, a = has a value, so that e = (e_wy - R e_w)/Σ w);
    * v1_h = (1 - n_h/N_h) n_h/(n_h - 1) [Σ_i z_i² m_h/n'_h - ((Σ_i z_i)² - u2_h)/n_h], u2_h the
      phase-2 term of the raw z (R's htvar(x, full) - htvar(x, phase2) with the phase-2 weights
      n'_h/m_h);

    z_i = w_i (y_i - R)/Σ w, 0 for respondents without a value; m_h respondents, n'_h invited not known
    ineligible, n_h invited, N_h the frame's population of stratum h."""
    n_strata = len(design.stratum_invited)
    to_stratum = _summing(design.cell_stratum, n_strata)
    residual_sum = (sums["e_wy"] - ratio_s * sums["e_w"]) / total_s
    residual_square = (sums["e_wy2"] - 2 * ratio_s * sums["e_wy_w"] + ratio_s**2 * sums["e_w2"]) / total_s**2
    m = np.asarray(to_stratum @ sums["psus"]).astype("float64")[:, None]
    eligible = np.asarray(to_stratum @ design.cell_eligible).astype("float64")[:, None]
    z_total, z_squares, e_total, e_squares = (
        np.asarray(to_stratum @ np.nan_to_num(part)) for part in (z_sum, z_square, residual_sum, residual_square)
    )
    fraction = np.where(eligible > 0, m / np.where(eligible > 0, eligible, 1), 0.0)
    spread = m / np.where(m > 1, m - 1, 1)

    def phase2(total: np.ndarray, squares: np.ndarray) -> np.ndarray:
        return np.where(m > 1, np.clip((1 - fraction) * spread * (squares - total**2 / np.maximum(m, 1)), 0, None), 0.0)

    v2, raw2 = phase2(e_total, e_squares), phase2(z_total, z_squares)
    invited = design.stratum_invited.astype("float64")[:, None]
    correction = np.clip(1 - invited / design.stratum_population.astype("float64")[:, None], 0, None)
    v1 = np.where(
        invited > 1,
        correction
        * invited
        / np.where(invited > 1, invited - 1, 1)
        * (z_squares * fraction - (z_total**2 - raw2) / np.where(invited > 0, invited, 1)),
        0.0,
    )
    return np.asarray(_strata_summing(design, membership, to_group) @ (v1 + v2))


def _calibration_sums(
    values: np.ndarray, unit: np.ndarray, weight: np.ndarray, design: TwoPhaseDesign, n_units: int
) -> dict[str, np.ndarray]:
    """Per unit (raking cell), the sums of the calibration residuals that :func:`_raked_variance` reads:
    of e_wy and e_w (the residuals of w·a·y and w·a, a = has a value), their squares and product."""
    if design.cell_margins is None:
        raise ValueError("calibration sums need a raked design (TwoPhaseDesign.cell_margins)")
    answered = ~np.isnan(values)
    influence = np.concatenate([weight[:, None] * np.where(answered, values, 0.0), weight[:, None] * answered], 1)
    margins = design.cell_margins[unit]
    residual = calibration_residuals(
        influence, design.cell_stratum[unit], [margins[:, 0], margins[:, 1]], weight / design.cell_factor[unit], weight
    )
    k = values.shape[1]
    wy, w = residual[:, :k], residual[:, k:]
    to_unit = _summing(unit, n_units)
    return {
        name: np.asarray(to_unit @ part)
        for name, part in (("e_wy", wy), ("e_w", w), ("e_wy2", wy * wy), ("e_wy_w", wy * w), ("e_w2", w * w))
    }


def _design_effect(
    sums: Mapping[str, np.ndarray], to_group: sparse.csr_matrix, ratio: np.ndarray, se: np.ndarray
) -> np.ndarray:
    """The variance over that of a simple random sample without replacement of the group's n respondents
    with a value from the weighted population (R's ``svymean(deff = TRUE)``)."""
    n, weight_total = np.asarray(to_group @ sums["n"]), np.asarray(to_group @ sums["w"])
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.clip(np.asarray(to_group @ sums["wyy"]) / weight_total - ratio**2, 0, None)
        srs = n / (n - 1) * spread * (1 - n / weight_total) / n
        return np.where((n > 1) & (srs > 0), se**2 / np.where(srs > 0, srs, 1), np.nan)


def _design_intervals(
    estimate: np.ndarray, se: np.ndarray, n: np.ndarray, df: np.ndarray, proportion: bool, confidence: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper bounds and the interval method of weighted estimates (0-1 for shares)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        quantile = stats.t.ppf(0.5 + confidence / 2, np.where(df > 0, df, np.nan))
        if not proportion:
            method = np.full(estimate.shape, "taylor_linearisation", dtype=object)
            return estimate - quantile * se, estimate + quantile * se, method
        inside = (estimate > 0) & (estimate < 1)
        centre = np.log(np.where(inside, estimate, 0.5) / (1 - np.where(inside, estimate, 0.5)))
        half = quantile * se / np.where(inside, estimate * (1 - estimate), 1)
        lower, upper = special.expit(centre - half), special.expit(centre + half)
        # 0 or 100 %: every respondent alike, the exact interval of the count
        count = np.where(n > 0, np.rint(np.nan_to_num(estimate) * n), 0)
        exact = proportion_confint(count, np.where(n > 0, n, 1), alpha=1 - confidence, method="beta")
        degenerate = ~inside & (n > 0)
        lower, upper = np.where(degenerate, exact[0], lower), np.where(degenerate, exact[1], upper)
    method = np.where(degenerate, "clopper_pearson", "logit").astype(object)
    return lower, upper, method


def grouped_estimates(
    values: np.ndarray,
    names: Sequence[str],
    stratum: np.ndarray,
    strata: pd.DataFrame,
    levels: Mapping[str, Sequence[str]],
    *,
    weight: np.ndarray | None = None,
    design: TwoPhaseDesign | None = None,
    proportion: bool = False,
    confidence: float = 0.95,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Means (or proportions) of each column of ``values`` per group at every level.

    Parameters
    ----------
    values : ndarray, shape (n_respondents, k)
        Respondent-level values, ``nan`` where the respondent has none (not
        answered, "don't know", routed past). For ``proportion=True`` the
        values are 0/1.
    names : sequence of str, length k
        Name of each column (an item or dimension id), for the ``name`` column.
    stratum : ndarray of int, shape (n_respondents,)
        Each respondent's unit, a row position in ``strata``: the weighting cell with a ``design``,
        else the stratum.
    strata : DataFrame
        One row per unit with the key columns the levels group by.
    levels : mapping of str to sequence of str
        Level name to the key columns of its groups (``[]`` for national).
    weight : ndarray, optional
        Final weights; when given, weighted rows (design-based Taylor
        linearisation; logit intervals for proportions, t for means, with the
        design degrees of freedom) follow the unweighted ones (Wilson for
        proportions, t for means).
    design : TwoPhaseDesign, optional
        The two phases (units = weighting cells) for the two-phase variance;
        without it, one phase with the units as strata, with replacement.
    proportion : bool
        Whether the values are 0/1 indicators.
    confidence : float
        Interval coverage.
    scale : float
        Multiplier of estimates, errors and bounds (100 for percent).

    Returns
    -------
    DataFrame
        ``level``, the key columns of every level (missing where the level
        does not split by them), ``name, weighting, n, estimate, se, lower,
        upper, ci_method, df, design_effect, effective_n``; ``n`` counts
        respondents with a value; ``df``, ``design_effect`` and
        ``effective_n`` are missing on unweighted rows. Bounds are clipped to
        ``[0, scale]`` for proportions and ``[0, 100]`` for means.

    Notes
    -----
    Weighted: the ratio estimator ``R = Σ w y / Σ w`` over the respondents of
    the group with a value, with linearised values ``z = w (y - R) / Σ w``
    (0 for respondents without a value); the variance is the two-phase one of
    :func:`_taylor` (one phase: ``v(R) = Σ_h m_h / (m_h - 1) Σ_i (z_hi -
    z̄_h)²``). Unweighted proportions use the Wilson score interval.

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and
    statistical inference. *JASA*, 22(158), 209–212.
    Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed., ch. 6.
    Lumley, T. (2004). Analysis of complex survey samples. *Journal of
    Statistical Software*, 9(1).
    """
    values = np.asarray(values, dtype="float64").reshape(len(stratum), len(names))
    sums = _stratum_sums(values, np.asarray(stratum), len(strata), weight)
    if weight is not None and design is not None and design.raked:
        sums |= _calibration_sums(values, np.asarray(stratum), np.asarray(weight, dtype="float64"), design, len(strata))
    return estimates_from_sums(
        sums,
        names,
        level_groups(strata, levels),
        weighted=weight is not None,
        design=design,
        proportion=proportion,
        confidence=confidence,
        scale=scale,
    )


@dataclass(frozen=True)
class LevelGroups:
    """The groups of one level as unions of strata.

    Attributes
    ----------
    level : str
        The level's name.
    keys : list of str
        Its key columns.
    membership : ndarray of int
        Each stratum's group, ``0 .. G - 1`` in the sorted order of the keys.
    group_keys : DataFrame
        Per group (in that order) its values of the key columns.
    """

    level: str
    keys: list[str]
    membership: np.ndarray
    group_keys: pd.DataFrame


def level_groups(strata: pd.DataFrame, levels: Mapping[str, Sequence[str]]) -> list[LevelGroups]:
    """The groups of every level (``levels`` as in :func:`grouped_estimates`) over ``strata``."""
    groups = []
    for level, keys in levels.items():
        keys = list(keys)
        # strata.groupby(keys, sort=True, dropna=False).ngroup() by factorising the few strata's keys
        factorised = [pd.factorize(strata[key], sort=True, use_na_sentinel=False)[0] for key in keys]
        sizes = [max(codes.max() + 1, 1) if len(codes) else 1 for codes in factorised]
        combined = np.ravel_multi_index(factorised, sizes) if keys else np.zeros(len(strata), dtype="int64")
        _, membership = np.unique(combined, return_inverse=True)
        first = np.unique(membership, return_index=True)[1]
        groups.append(LevelGroups(level, keys, membership.ravel(), strata[keys].iloc[first].reset_index(drop=True)))
    return groups


def estimates_from_sums(
    sums: Mapping[str, np.ndarray],
    names: Sequence[str],
    groups: Sequence[LevelGroups],
    *,
    weighted: bool,
    design: TwoPhaseDesign | None = None,
    proportion: bool = False,
    confidence: float = 0.95,
    scale: float = 1.0,
) -> pd.DataFrame:
    """:func:`grouped_estimates` from the per-unit sums (of respondents, or of
    :func:`state_stratum_sums`) and the groups of every level (:func:`level_groups`); ``weighted``
    when the sums have the weighted ones, ``design`` for the two-phase variance."""
    key_columns = list(dict.fromkeys(column for level in groups for column in level.keys))
    weightings = ["unweighted", "weighted"] if weighted else ["unweighted"]
    fields = ("estimate", "se", "lower", "upper")
    design_fields = ("df", "design_effect", "effective_n")
    columns: dict[str, list[np.ndarray]] = {
        name: [] for name in ["level", *key_columns, "name", "weighting", "n", *fields, "ci_method", *design_fields]
    }
    k = len(names)
    for level in groups:
        membership = level.membership
        to_group = _summing(membership, membership.max() + 1 if len(membership) else 0)
        n = np.asarray(to_group @ sums["n"])
        rows = n.size
        for weighting in weightings:
            if weighting == "weighted":
                result = _taylor(sums, membership, to_group, design)
                units = (
                    _raked_strata(sums, membership, to_group, design)
                    if design is not None and design.raked
                    else np.asarray(to_group @ (sums["psus"] > 0).astype("float64"))
                )
                df = np.repeat(np.asarray(to_group @ sums["psus"]) - units, k).reshape(n.shape)
                result["lower"], result["upper"], method = _design_intervals(
                    result["estimate"], result["se"], n, df, proportion, confidence
                )
                result["design_effect"] = _design_effect(sums, to_group, result["estimate"], result["se"])
                with np.errstate(invalid="ignore", divide="ignore"):
                    result["effective_n"] = n / result["design_effect"]
                result["df"] = df
            else:
                grouped = {name: np.asarray(to_group @ sums[name]) for name in ("n", "y", "yy")}
                result = _unweighted(grouped, proportion, confidence)
                method = np.full(n.shape, "wilson" if proportion else "t", dtype=object)
                result |= {name: np.full(n.shape, np.nan) for name in design_fields}
            columns["level"].append(np.full(rows, level.level, dtype=object))
            for column in key_columns:
                columns[column].append(
                    np.repeat(level.group_keys[column].to_numpy(dtype=object), k)
                    if column in level.keys
                    else np.full(rows, None, dtype=object)
                )
            columns["name"].append(np.tile(np.asarray(names, dtype=object), len(n)))
            columns["weighting"].append(np.full(rows, weighting, dtype=object))
            columns["n"].append(n.ravel().astype("int64"))
            for field in fields:
                columns[field].append(result[field].ravel() * scale)
            columns["ci_method"].append(np.asarray(method, dtype=object).ravel())
            for field in design_fields:
                columns[field].append(np.asarray(result[field], dtype="float64").ravel())
    table = {name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in columns.items()}
    top = scale if proportion else 100.0
    table["lower"] = np.clip(table["lower"], 0, top)
    table["upper"] = np.clip(table["upper"], 0, top)
    return pd.DataFrame(table)


class OutcomeEstimator:
    """Item or dimension results at every level, unweighted and weighted, suppressed.

    From the counts of respondents per weight class (:func:`analysis.cells.weight_classes`) and answer
    state; from the respondents' values when the classes and states are too many to count (continuous
    weights), with the same results.
    """

    def __init__(
        self,
        stratum: np.ndarray,
        strata: pd.DataFrame,
        weight: np.ndarray,
        design: TwoPhaseDesign,
        config: AnalysisConfig,
    ):
        self.stratum, self.strata, self.weight, self.design, self.config = stratum, strata, weight, design, config
        self.member, self.class_stratum, self.class_weight = weight_classes(stratum, len(strata), weight)
        self.psus = np.bincount(stratum, minlength=len(strata))
        self.groups = level_groups(strata, LEVEL_KEYS)

    def __call__(self, outcomes: Mapping[str, tuple[np.ndarray, np.ndarray, np.ndarray]]) -> pd.DataFrame:
        """Results of ``outcomes``: per name, the respondents' states and per state the score and positive."""
        names = list(outcomes)
        classes = len(self.class_weight)
        counts = (
            [class_counts(self.member, classes, state, len(score_of)) for state, score_of, _ in outcomes.values()]
            if not self.design.raked
            and all(countable(classes * len(score_of), len(self.stratum)) for _, score_of, _ in outcomes.values())
            else None
        )
        parts = []
        for measure, column, proportion in (("share_positive", 2, True), ("mean_score", 1, False)):
            tables = [outcome[column] for outcome in outcomes.values()]
            options: dict[str, Any] = {
                "proportion": proportion,
                "confidence": self.config.confidence,
                "scale": 100.0 if proportion else 1.0,
            }
            if counts is None:
                values = np.column_stack(
                    [table.take(state) for (state, _, _), table in zip(outcomes.values(), tables, strict=False)]
                )
                part = grouped_estimates(
                    values,
                    names,
                    self.stratum,
                    self.strata,
                    LEVEL_KEYS,
                    weight=self.weight,
                    design=self.design,
                    **options,
                )
            else:
                sums = state_stratum_sums(counts, tables, self.class_stratum, self.class_weight, self.psus)
                part = estimates_from_sums(sums, names, self.groups, weighted=True, design=self.design, **options)
            parts.append(part.assign(measure=measure, suppressed=False, suppression_reason=pd.NA))
        return suppress_small_results(pd.concat(parts, ignore_index=True), self.config.min_respondents_shown)
