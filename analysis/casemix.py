"""Case-mix adjusted comparisons: regions within a pathway, pathways within a region.

Regions treat different patients. A model of the respondent-level outcome on
the unit compared (region or pathway) plus the case mix (age group, sex,
self-rated health, education) gives each unit's result as if it had treated
the whole reference population (direct standardisation by recycled
predictions), which is then compared with the rest of the reference
population on funnel limits (:mod:`analysis.comparison`). A logistic fit with
a separated level is said so on every row that rests on it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit
from statsmodels.stats.proportion import proportion_confint

from analysis.cells import observed_codes
from analysis.comparison import funnel_comparison
from analysis.config import STANDARDISATION_TARGETS

__all__ = [
    "STANDARDISATION_TARGETS",
    "CasemixModel",
    "adjusted_comparison",
    "adjusted_comparison_columns",
    "fit_casemix_model",
    "outcome_cells",
]

MISSING_LEVEL = "missing"
"""The level given to a missing case-mix answer, so that no respondent is dropped."""


@dataclass(frozen=True)
class CasemixModel:
    """A fitted case-mix model over categorical predictors.

    Attributes
    ----------
    unit : str
        The column of the units compared (``region`` or ``pathway``).
    levels : dict of str to list of str
        Per predictor (the unit first), the levels present in the fit; the
        first is the reference level (coefficient 0).
    terms : list of str
        Coefficient names in R's style: ``(Intercept)``, ``region03``, ``sexM``.
    params, cov : ndarray
        Coefficients and their covariance.
    logistic : bool
        Logistic (share positive) or linear (0–100 score) model.
    n : int
        Respondents in the fit.
    """

    unit: str
    levels: dict[str, list[str]]
    terms: list[str]
    params: np.ndarray
    cov: np.ndarray
    logistic: bool
    n: int

    def design(self, cells: pd.DataFrame) -> np.ndarray:
        """Model matrix of ``cells``; levels not in the fit count as the reference."""
        columns = [np.ones(len(cells))]
        for variable, levels in self.levels.items():
            values = cells[variable].to_numpy(dtype=object)
            columns.extend((values == level).astype("float64") for level in levels[1:])
        return np.column_stack(columns)


def outcome_cells(
    data: pd.DataFrame, keys: Sequence[str], outcomes: Sequence[str], weights: np.ndarray | None = None
) -> pd.DataFrame:
    """Cross-classification cells of ``keys`` with, per outcome, its count, sum and sum of squares.

    Parameters
    ----------
    data : DataFrame
        Respondents with the (categorical) ``keys`` and numeric ``outcomes``
        (missing where a respondent has no value).
    keys : sequence of str
        The unit columns and case-mix columns.
    outcomes : sequence of str
        Outcome columns.
    weights : ndarray, optional
        The respondents' final weights: adds ``<outcome>.weight``, the weights
        summed over the cell's respondents with a value (the weighted case mix
        that ``standardise_to="population"`` standardises to).

    Returns
    -------
    DataFrame
        One row per observed combination of ``keys``, with columns
        ``<outcome>.count``, ``<outcome>.total``, ``<outcome>.square``. All a
        categorical model needs (see :func:`fit_casemix_model`), built in one
        pass over the respondents for every outcome at once.
    """
    factorised = [pd.factorize(data[key], sort=True, use_na_sentinel=False) for key in keys]
    sizes = [max(len(uniques), 1) for _, uniques in factorised]
    combined = np.ravel_multi_index([codes for codes, _ in factorised], sizes) if keys else np.zeros(len(data), int)
    cell_codes, cell = observed_codes(combined, int(np.prod(sizes)))
    columns = {
        key: np.asarray(uniques, dtype=object)[position]
        for key, (_, uniques), position in zip(keys, factorised, np.unravel_index(cell_codes, sizes), strict=True)
    }
    for outcome in outcomes:
        values = data[outcome].to_numpy(dtype="float64", na_value=np.nan)
        given = ~np.isnan(values)
        filled = np.where(given, values, 0.0)
        for name, summed in (("count", given), ("total", filled), ("square", filled * filled)):
            columns[f"{outcome}.{name}"] = np.bincount(cell, weights=summed, minlength=len(cell_codes))
        if weights is not None:
            columns[f"{outcome}.weight"] = np.bincount(
                cell, weights=np.where(given, weights, 0.0), minlength=len(cell_codes)
            )
    return pd.DataFrame(columns)


class _Population:
    """The cells of one reference population, encoded once for every outcome's model.

    Each predictor gets a full one-hot block (every level, sorted, "missing"
    last); a fit keeps the intercept and, per predictor, the levels present
    in its cells but the first (the reference level).
    """

    def __init__(self, cells: pd.DataFrame, unit: str, casemix: Sequence[str]):
        self.cells, self.unit, self.predictors = cells, unit, [unit, *casemix]
        self.levels: dict[str, np.ndarray] = {}
        level_codes = []
        for column in self.predictors:
            codes, uniques = pd.factorize(cells[column], use_na_sentinel=False)
            uniques = np.asarray(uniques, dtype=object)
            order = sorted(range(len(uniques)), key=lambda i: (uniques[i] == MISSING_LEVEL, uniques[i]))
            rank = np.empty(len(order), dtype=int)
            rank[order] = np.arange(len(order))
            level_codes.append(rank[codes])
            self.levels[column] = uniques[order]
        sizes = [len(self.levels[column]) for column in self.predictors]
        self.block_start = dict(zip(self.predictors, np.cumsum([0, *sizes[:-1]]), strict=True))
        # Per predictor, each cell's column of the one-hot blocks.
        self.columns = [
            codes + self.block_start[column] for column, codes in zip(self.predictors, level_codes, strict=True)
        ]
        self.onehot = np.zeros((len(cells), sum(sizes)))
        for columns in self.columns:
            self.onehot[np.arange(len(cells)), columns] = 1.0
        self.unit_codes = level_codes[0]

    def statistics(self, outcome: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per cell: respondents with a value of ``outcome``, their sum and sum of squares."""
        return tuple(self.cells[f"{outcome}.{name}"].to_numpy("float64") for name in ("count", "total", "square"))

    def fit(self, outcome: str, rows: np.ndarray, logistic: bool) -> tuple[CasemixModel, np.ndarray]:
        """Fit on the cells ``rows``; returns the model and the one-hot columns of its coefficients but
        the intercept (see :meth:`design`)."""
        count, total, square = (values[rows] for values in self.statistics(outcome))
        levels, terms, keep = self.design(rows)
        matrix = np.column_stack([np.ones(int(rows.sum())), self.onehot[rows][:, keep]])
        params, cov = _glm_fit(matrix, count, total, square, logistic)
        return CasemixModel(self.unit, levels, terms, params, cov, logistic, int(count.sum())), keep

    def design(self, rows: np.ndarray) -> tuple[dict[str, list[str]], list[str], np.ndarray]:
        """The model of the cells ``rows``: per predictor its levels present in them (a predictor with one
        level left out, but for the unit), the coefficient names and the one-hot columns kept (each
        present level but its first)."""
        present = self.onehot[rows].any(axis=0)
        keep, levels, terms = [], {}, ["(Intercept)"]
        for column in self.predictors:
            start = self.block_start[column]
            indices = [start + i for i in range(len(self.levels[column])) if present[start + i]]
            if len(indices) > 1 or column == self.unit:
                levels[column] = [self.levels[column][i - start] for i in indices]
                keep.extend(indices[1:])
                terms.extend(f"{column}{self.levels[column][i - start]}" for i in indices[1:])
        return levels, terms, np.asarray(keep, dtype=int)


def _glm_fit(
    matrix: np.ndarray, count: np.ndarray, total: np.ndarray, square: np.ndarray, logistic: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and covariance of statsmodels' fit on the cells, as R's ``glm`` on the respondents.

    Logistic: the binomial GLM on (successes, failures) per cell. Linear: weighted least squares (the
    Gaussian GLM) on the cell means with the cells' respondents as weights; its residual variance adds
    the within-cell sum of squares, which the cell means do not carry. Every warning is an error
    (perfect separation, a rank-deficient design, no convergence, an overflowing linear predictor):
    the caller marks the model failed.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if logistic:
            fit = sm.GLM(np.column_stack([total, count - total]), matrix, family=sm.families.Binomial()).fit()
            return np.asarray(fit.params), np.asarray(fit.cov_params())
        mean = total / count
        fit = sm.WLS(mean, matrix, weights=count).fit()
        residual_df = count.sum() - matrix.shape[1]
        if residual_df <= 0:
            raise ValueError("the linear case-mix model has no residual degrees of freedom")
        within = (square - count * mean**2).sum()
        return np.asarray(fit.params), fit.normalized_cov_params * (within + fit.ssr) / residual_df


def fit_casemix_model(
    cells: pd.DataFrame, unit: str, casemix: Sequence[str], outcome: str, *, logistic: bool
) -> CasemixModel:
    """Fit the outcome on the unit plus case mix (all categorical), as statsmodels' GLM / WLS would.

    Parameters
    ----------
    cells : DataFrame
        From :func:`outcome_cells` over ``[unit, *casemix]`` (or finer keys:
        rows are summed per combination of the predictors), restricted to
        the respondents to fit. Missing case-mix answers are a level of
        their own (``"missing"``).
    unit : str
        The compared units' column.
    casemix : sequence of str
        Case-mix columns; a column with a single level is left out.
    outcome : str
        The outcome (0/1 for logistic, 0–100 for linear).
    logistic : bool
        Binomial GLM with logit link, else a linear model (least squares).

    Returns
    -------
    CasemixModel

    Notes
    -----
    All predictors are categorical, so the fit runs on the cells of their
    cross-classification: the binomial GLM on (successes, failures) per
    cell and least squares on cell means weighted by their respondents
    give exactly the coefficients and covariance of the respondent-level
    fits (R's ``glm``), at a fraction of the cost. The linear model's residual variance adds the
    within-cell sum of squares. The first level (in sorted order, "missing"
    last) of each predictor is its reference.

    The fits are statsmodels': ``GLM`` binomial on (successes, failures)
    per cell, ``WLS`` on the cell means weighted by their respondents. Any warning
    of the fit (perfect separation, a rank-deficient design, no convergence)
    is raised as an error.
    """
    population = _Population(cells, unit, casemix)
    return population.fit(outcome, population.statistics(outcome)[0] > 0, logistic)[0]


def adjusted_comparison(
    cells: pd.DataFrame,
    unit: str,
    casemix: Sequence[str],
    outcomes: Mapping[str, bool],
    *,
    min_respondents: int = 30,
    confidence: float = 0.95,
    proportion_scale: float = 100.0,
    standardise_to: str = "respondents",
) -> pd.DataFrame:
    """Each unit's case-mix adjusted result against the reference population's value.

    Parameters
    ----------
    cells : DataFrame
        :func:`outcome_cells` of the reference population's respondents
        (e.g. every respondent of a pathway nationally) over at least
        ``[unit, *casemix]``.
    unit, casemix
        As in :func:`fit_casemix_model`.
    outcomes : mapping of str to bool
        Outcome columns of ``cells`` and whether each is modelled logistic.
    min_respondents : int
        Units with fewer respondents are not shown and not in the fit (their
        respondents still count in the reference case mix and value).
    confidence : float
        Interval coverage.
    proportion_scale : float
        Multiplier of the values of logistic outcomes (100: percent).
    standardise_to : {"respondents", "population"}
        The case mix standardised to: the reference population's respondents
        counted once each (the default), or weighted by their final weights
        (``cells`` from :func:`outcome_cells` with ``weights``), which
        estimates the case mix of the eligible population.

    Returns
    -------
    DataFrame
        One row per outcome and unit: ``outcome, unit, n, observed, estimate, se, lower, upper,
        reference, band, ci_method, suppressed, suppression_reason``, the funnel columns of
        :func:`analysis.comparison.funnel_comparison` (``rest_value, difference, difference_se,
        z_score, tau2, phi, expected_*, band_95``) and ``separation``.

    Notes
    -----
    The adjusted value of unit u is ``(1/N) Σ_i f(x_i' β with unit = u)``
    over all N respondents of the reference population (recycled
    predictions; ``f`` the inverse logit or the identity), i.e. the unit's
    expected result with the reference population's case mix, unweighted.
    With ``standardise_to="population"`` it is ``Σ_i w_i f(...) / Σ_i w_i``
    with the respondents' final weights ``w_i``: the weighted national case
    mix (Graubard and Korn's predictive margins with the survey weights). The
    model itself is unweighted either way. Its standard error comes from the
    delta method, ``g' V g`` with ``g`` the gradient of that mean with
    respect to β and ``V`` the model covariance, the case mix (and its
    weights) taken as fixed; the interval is normal. ``reference`` is the observed (unweighted) value of the
    reference population (the national line of the charts). The band compares
    each unit with the rest of the population, the other units' adjusted
    values, on funnel limits widened for overdispersion
    (:func:`analysis.comparison.funnel_comparison`, with the covariance of the
    adjusted values from the same delta method). A unit whose respondents are all positive (or none) has no
    finite logistic effect: it is left out of the fit and given its
    unadjusted value with a Wilson interval (``ci_method``
    ``wilson_unadjusted``; ``separation`` names it). A logistic fit with a
    predictor level whose respondents are all positive or none
    (quasi-complete separation), or with a diverged coefficient, is named in
    ``separation`` on every row resting on it. If the model cannot be fitted (complete separation, no
    convergence), every modelled unit is marked ``model_failed``. An outcome
    with fewer than two units at ``min_respondents`` has no comparison and
    no rows.

    References
    ----------
    Agency for Healthcare Research and Quality (2008). *CAHPS Hospital
    Survey: Mode and Patient-Mix Adjustment*.
    Graubard, B. I. and Korn, E. L. (1999). Predictive margins with survey
    data. *Biometrics*, 55(2), 652–659.
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional
    performance. *Statistics in Medicine*, 24(8), 1185–1202.
    """
    return pd.DataFrame(
        adjusted_comparison_columns(
            cells,
            unit,
            casemix,
            outcomes,
            min_respondents=min_respondents,
            confidence=confidence,
            proportion_scale=proportion_scale,
            standardise_to=standardise_to,
        )
    )


def adjusted_comparison_columns(
    cells: pd.DataFrame,
    unit: str,
    casemix: Sequence[str],
    outcomes: Mapping[str, bool],
    *,
    min_respondents: int = 30,
    confidence: float = 0.95,
    proportion_scale: float = 100.0,
    standardise_to: str = "respondents",
) -> dict[str, np.ndarray]:
    """:func:`adjusted_comparison`'s table as a dict of its columns (numpy arrays, text as objects).

    For a caller that gathers many comparisons into one table: it adds its columns and builds the
    DataFrame once (a DataFrame of text columns per comparison costs more than its models' fits).
    """
    if standardise_to not in STANDARDISATION_TARGETS:
        raise ValueError(f"standardise_to is {standardise_to!r}; expected one of {', '.join(STANDARDISATION_TARGETS)}")
    weighted = standardise_to == "population"
    missing = [f"{outcome}.weight" for outcome in outcomes if weighted and f"{outcome}.weight" not in cells]
    if missing:
        raise ValueError(f"standardise_to='population' needs the cells' summed weights; missing {missing}")
    population = _Population(cells, unit, casemix)
    quantile = stats.norm.ppf(0.5 + confidence / 2)
    parts = [
        _compare(
            population, outcome, logistic, min_respondents, quantile, proportion_scale if logistic else 1.0, weighted
        )
        for outcome, logistic in outcomes.items()
    ]
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _compare(
    population: _Population,
    outcome: str,
    logistic: bool,
    min_respondents: int,
    quantile: float,
    scale: float,
    weighted: bool,
) -> dict[str, np.ndarray]:
    count, total, _ = population.statistics(outcome)
    # The case mix standardised to: each cell's respondents, or their summed final weights.
    standard = population.cells[f"{outcome}.weight"].to_numpy("float64") if weighted else count
    units = population.levels[population.unit]
    n = np.bincount(population.unit_codes, weights=count, minlength=len(units))
    positives = np.bincount(population.unit_codes, weights=total, minlength=len(units))
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = positives / n
    reference = total.sum() / count.sum() if count.sum() > 0 else np.nan
    shown = n >= max(min_respondents, 1)
    # One unit (or none) at the publication minimum: nothing to compare it with, and a fit on one small
    # unit's case mix is unidentified (intervals of 0-100). No rows, like a pathway with one region.
    comparable = shown.sum() >= 2
    shown &= comparable
    reason = np.full(len(units), "too_few_respondents", dtype=object)
    reason[shown] = None
    estimate, se = np.full(len(units), np.nan), np.full(len(units), np.nan)
    lower, upper = np.full(len(units), np.nan), np.full(len(units), np.nan)
    method = np.full(len(units), "delta_method", dtype=object)
    # A unit whose respondents are all positive (or none) has no finite logistic effect: keep it out of
    # the fit and give its unadjusted Wilson interval instead of a degenerate delta-method one.
    boundary = shown & logistic & ((positives == 0) | (positives == n))
    if boundary.any():
        wilson = proportion_confint(
            positives[boundary], n[boundary], alpha=2 * stats.norm.sf(quantile), method="wilson"
        )
        estimate[boundary], (lower[boundary], upper[boundary]) = observed[boundary], wilson
        method[boundary] = "wilson_unadjusted"
    modelled = shown & ~boundary
    covariance = np.full((len(units), len(units)), np.nan)
    separation = np.full(len(units), None, dtype=object)
    for position in np.flatnonzero(boundary):
        kind = "none_positive" if positives[position] == 0 else "all_positive"
        separation[position] = f"{population.unit}={units[position]}:{kind}"
    if modelled.any():
        fitted_rows = (count > 0) & modelled[population.unit_codes]
        separated = _separated_levels(population, outcome, fitted_rows) if logistic else []
        try:
            model, keep = population.fit(outcome, fitted_rows, logistic)
        except (Warning, ValueError, np.linalg.LinAlgError):
            reason[modelled] = "model_failed"
            shown &= ~modelled
        else:
            if logistic:
                # A separated level makes its variable's other coefficients diverge too (when it is the
                # reference level, all of them): the level is named, not the consequences.
                named = {note.split("=")[0] for note in separated}
                separated += [note for note in _diverged_terms(model) if note.split("=")[0] not in named]
            fitted_estimate, fitted_se, fitted_covariance = _adjusted_values(population, model, keep, standard)
            estimate[modelled], se[modelled] = fitted_estimate, fitted_se
            covariance[np.ix_(modelled, modelled)] = fitted_covariance
            lower[modelled], upper[modelled] = (
                fitted_estimate - quantile * fitted_se,
                fitted_estimate + quantile * fitted_se,
            )
        if separated:
            separation[modelled] = "; ".join(separated)
    funnel = funnel_comparison(estimate, covariance, n, shown, proportion=logistic)
    band = funnel.pop("band")
    band[~shown] = None
    present = (n > 0) & comparable
    columns = {
        "outcome": np.full(len(units), outcome, dtype=object),
        "unit": units.astype(str),
        "n": n.astype("int64"),
        "observed": np.where(shown, observed, np.nan) * scale,
        "estimate": np.where(shown, estimate, np.nan) * scale,
        "se": se * scale,
        "lower": np.clip(np.where(shown, lower, np.nan) * scale, 0, 100),
        "upper": np.clip(np.where(shown, upper, np.nan) * scale, 0, 100),
        "reference": np.full(len(units), reference * scale),
        "band": band,
        "ci_method": method,
        "suppressed": ~shown,
        "suppression_reason": reason,
        **_scaled_funnel(funnel, scale),
        "separation": separation,
    }
    return {name: values[present] for name, values in columns.items()}


SEPARATION_KINDS = ("all_positive", "none_positive", "diverged")
"""How a level of a logistic fit is separated: every respondent at the level positive, none, or (for
separation by a combination of levels) a coefficient or standard error that diverged."""
DIVERGED_COEFFICIENT, DIVERGED_SE = 10.0, 25.0
"""Limits on the logit scale beyond which a coefficient (an odds ratio above 22,000) or its standard
error is taken as diverging towards infinity: the sign of a (quasi-)separated fit."""


def _separated_levels(population: _Population, outcome: str, rows: np.ndarray) -> list[str]:
    """The predictor levels of the logistic fit on the cells ``rows`` whose respondents are all positive
    or none (quasi-complete separation: no finite maximum-likelihood coefficient for the level)."""
    count, total, _ = (values[rows] for values in population.statistics(outcome))
    notes = []
    for column, codes in zip(population.predictors, population.columns, strict=True):
        start = population.block_start[column]
        level_count = np.bincount(codes[rows] - start, weights=count, minlength=len(population.levels[column]))
        level_total = np.bincount(codes[rows] - start, weights=total, minlength=len(population.levels[column]))
        present = level_count > 0
        if present.sum() < 2:
            continue  # a predictor with one level is not in the model
        for position in np.flatnonzero(present):
            if level_total[position] == 0 or level_total[position] == level_count[position]:
                kind = "none_positive" if level_total[position] == 0 else "all_positive"
                notes.append(f"{column}={population.levels[column][position]}:{kind}")
    return notes


def _diverged_terms(model: CasemixModel) -> list[str]:
    """The coefficients of a logistic fit that diverged (see :data:`DIVERGED_COEFFICIENT`), as notes."""
    se = np.sqrt(np.clip(np.diag(model.cov), 0, None))
    notes = []
    names = [f"{variable}={level}" for variable, levels in model.levels.items() for level in levels[1:]]
    for name, param, error in zip(names, model.params[1:], se[1:], strict=True):
        if abs(param) > DIVERGED_COEFFICIENT or error > DIVERGED_SE:
            notes.append(f"{name}:diverged")
    return notes


def _scaled_funnel(funnel: dict[str, np.ndarray], scale: float) -> dict[str, np.ndarray]:
    """The funnel columns on the table's scale (percent for shares): values × scale, τ² × scale²."""
    scaled = dict(funnel)
    for name in ("rest_value", "difference", "difference_se"):
        scaled[name] = funnel[name] * scale
    scaled["tau2"] = funnel["tau2"] * scale**2
    for name in ("expected_lower_95", "expected_upper_95", "expected_lower", "expected_upper"):
        scaled[name] = np.clip(funnel[name] * scale, 0, 100)
    return scaled


def _adjusted_values(
    population: _Population, model: CasemixModel, keep: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every unit's adjusted value, delta-method standard error and the values' covariance: the mean
    prediction with the unit set to each unit in turn, over the population's cells (``count``
    respondents each, or their summed weights), from ``model`` and its one-hot columns ``keep`` (see
    :meth:`_Population.fit`). The case mix ``count`` is taken as fixed: only β varies in the gradient.
    """
    given = count > 0
    weight = count[given] / count.sum()
    units = len(model.levels[population.unit])
    # The model rows of the cells with the unit at its reference level.
    base = np.column_stack(
        [np.ones(given.sum()), np.zeros((given.sum(), units - 1)), population.onehot[given][:, keep[units - 1 :]]]
    )
    unit_effect = np.concatenate([[0.0], model.params[1:units]])
    linear = (base @ model.params)[:, None] + unit_effect[None, :]  # cell x unit
    mean = expit(linear) if model.logistic else linear
    slope = mean * (1 - mean) if model.logistic else np.ones_like(linear)
    estimate = weight @ mean
    # Gradient of each unit's mean prediction: the intercept and case-mix columns from the base rows, and
    # the unit's own coefficient (its indicator is 1 in every row of its predictions).
    gradient = (slope * weight[:, None]).T @ base
    gradient[np.arange(1, units), np.arange(1, units)] += (weight @ slope)[1:]
    variance = np.einsum("ij,jk,ik->i", gradient, model.cov, gradient)
    return estimate, np.sqrt(np.clip(variance, 0, None)), gradient @ model.cov @ gradient.T
