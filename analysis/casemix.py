"""Case-mix adjusted comparisons: regions within a pathway, pathways within a region.

Regions treat different patients. A model of the respondent-level outcome on
the unit compared (region or pathway) plus the case mix (age group, sex,
self-rated health, education) gives each unit's result as if it had treated
the whole reference population (direct standardisation by recycled
predictions), which is then compared with the reference population's value.
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
from analysis.parallel import in_threads

__all__ = ["CasemixModel", "adjusted_comparison", "adjusted_comparison_columns", "fit_casemix_model", "outcome_cells"]

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


def outcome_cells(data: pd.DataFrame, keys: Sequence[str], outcomes: Sequence[str]) -> pd.DataFrame:
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

    Returns
    -------
    DataFrame
        One row per observed combination of ``keys``, with columns
        ``<outcome>.count``, ``<outcome>.total``, ``<outcome>.square``. All a
        categorical model needs (see :func:`fit_casemix_model`), built in one
        pass over the respondents for every outcome at once.
    """
    factorised = [_sorted_codes(data[key]) for key in keys]
    sizes = [max(len(uniques), 1) for _, uniques in factorised]
    combined = np.ravel_multi_index([codes for codes, _ in factorised], sizes) if keys else np.zeros(len(data), int)
    cell_codes, cell = observed_codes(combined, int(np.prod(sizes)))
    columns = {
        key: np.asarray(uniques, dtype=object)[position]
        for key, (_, uniques), position in zip(keys, factorised, np.unravel_index(cell_codes, sizes))
    }
    # Outcomes in pairs (a dimension's score and indicator), each pair on a thread of its own.
    pairs = [
        [(outcome, data[outcome]) for outcome in outcomes[start : start + 2]] for start in range(0, len(outcomes), 2)
    ]
    for sums in in_threads([lambda pair=pair: _outcome_sums(pair, cell, len(cell_codes)) for pair in pairs]):
        columns.update(sums)
    return pd.DataFrame(columns)


def _outcome_sums(outcomes: Sequence[tuple[str, pd.Series]], cell: np.ndarray, cells: int) -> dict[str, np.ndarray]:
    """Per outcome (name, values), its count, total and sum of squares per cell, in the columns of
    :func:`outcome_cells`."""
    sums: dict[str, np.ndarray] = {}
    previous_given = previous_count = None
    for outcome, column in outcomes:
        values = column.to_numpy(dtype="float64", na_value=np.nan)
        given = ~np.isnan(values)
        filled = np.where(given, values, 0.0)
        squared = filled * filled
        # The same sums are not summed twice: the counts of a dimension's score and indicator (the same
        # respondents have both), and the squares of a 0/1 indicator (its values).
        same_given = previous_given is not None and np.array_equal(given, previous_given)
        count = previous_count if same_given else np.bincount(cell, weights=given, minlength=cells)
        total = np.bincount(cell, weights=filled, minlength=cells)
        square = total if np.array_equal(squared, filled) else np.bincount(cell, weights=squared, minlength=cells)
        sums[f"{outcome}.count"], sums[f"{outcome}.total"], sums[f"{outcome}.square"] = count, total, square
        previous_given, previous_count = given, count
    return sums


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values, sort=True, use_na_sentinel=False)``, or for a categorical without missing
    values and with sorted categories its codes and categories as they are (a code space with
    unobserved values, but no pass over the values)."""
    if isinstance(values.dtype, pd.CategoricalDtype) and values.cat.categories.is_monotonic_increasing:
        codes = values.cat.codes.to_numpy()
        if not (codes < 0).any():
            return codes, values.cat.categories.to_numpy()
    return pd.factorize(values, sort=True, use_na_sentinel=False)


class _Population:
    """The cells of one reference population, encoded once for every outcome's model.

    Each predictor gets a full one-hot block (every level, sorted, "missing"
    last); a fit keeps the intercept and, per predictor, the present levels
    but the first (its reference).
    """

    def __init__(self, cells: pd.DataFrame, unit: str, casemix: Sequence[str]):
        self.cells, self.unit, self.predictors = cells, unit, [unit, *casemix]
        self.levels: dict[str, np.ndarray] = {}
        level_codes = []
        for column in self.predictors:
            codes, uniques = pd.factorize(cells[column], use_na_sentinel=False)
            uniques = np.asarray(uniques, dtype=object)
            order = np.array(
                sorted(range(len(uniques)), key=lambda i: (uniques[i] == MISSING_LEVEL, uniques[i])), dtype=int
            )
            rank = np.empty(len(order), dtype=int)
            rank[order] = np.arange(len(order))
            level_codes.append(rank[codes])
            self.levels[column] = uniques[order]
        sizes = [len(self.levels[column]) for column in self.predictors]
        self.width = int(sum(sizes))
        self.block_start = dict(zip(self.predictors, np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)))
        # Per predictor, each cell's column of the one-hot blocks.
        self.columns = [codes + self.block_start[column] for column, codes in zip(self.predictors, level_codes)]
        self.onehot = np.zeros((len(cells), self.width))
        for columns in self.columns:
            self.onehot[np.arange(len(cells)), columns] = 1.0
        self.unit_codes = level_codes[0]
        # The case mix of the cells without the unit: the recycled predictions run over these combinations
        # (a few hundred) instead of the cells (every unit's share of them).
        mix_codes = (
            np.ravel_multi_index(level_codes[1:], sizes[1:]) if len(sizes) > 1 else np.zeros(len(cells), dtype="int64")
        )
        _, first, self.mix_group = np.unique(mix_codes, return_index=True, return_inverse=True)
        self.mix_onehot = self.onehot[first]
        self._statistics: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._design: tuple[np.ndarray, tuple] | None = None

    def statistics(self, outcome: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per cell: respondents with a value of ``outcome``, their sum and sum of squares."""
        if outcome not in self._statistics:
            self._statistics[outcome] = tuple(
                self.cells[f"{outcome}.{name}"].to_numpy("float64") for name in ("count", "total", "square")
            )
        return self._statistics[outcome]

    def fit(self, outcome: str, rows: np.ndarray, logistic: bool) -> tuple[CasemixModel, np.ndarray]:
        """Fit on the cells ``rows``; returns the model and the one-hot columns of its coefficients but
        the intercept (see :meth:`design`)."""
        count, total, square = (values[rows] for values in self.statistics(outcome))
        levels, terms, keep, design = self.design(rows)
        fitted = _logistic_fit(design, total, count) if logistic else _linear_fit(design, count, total, square)
        params, cov = fitted if fitted is not None else _statsmodels_fit(design.matrix, count, total, square, logistic)
        model = CasemixModel(self.unit, levels, terms, np.asarray(params), np.asarray(cov), logistic, int(count.sum()))
        return model, keep

    def design(self, rows: np.ndarray) -> tuple[dict[str, list[str]], list[str], np.ndarray, _Design]:
        """The model of the cells ``rows``: per predictor its levels present in them (a predictor with one
        level left out, but for the unit), the coefficient names, the one-hot columns kept (each present
        level but its first) and the model matrix. The last rows' is kept: an outcome's share positive
        and mean score are fitted on the same cells."""
        if self._design is not None and np.array_equal(self._design[0], rows):
            return self._design[1]
        columns = [values[rows] for values in self.columns]
        present = np.bincount(np.concatenate(columns), minlength=self.width) > 0
        keep, levels, terms = [], {}, ["(Intercept)"]
        for column in self.predictors:
            start = self.block_start[column]
            indices = [start + i for i in range(len(self.levels[column])) if present[start + i]]
            if len(indices) > 1 or column == self.unit:
                levels[column] = [self.levels[column][i - start] for i in indices]
                keep.extend(indices[1:])
                terms.extend(f"{column}{self.levels[column][i - start]}" for i in indices[1:])
        # Each one-hot column's column of the model matrix; the reference levels (and the predictors left
        # out) have none: the column past the last, dropped.
        position = np.full(self.width, len(keep) + 1)
        position[keep] = np.arange(1, len(keep) + 1)
        model_columns = [position[values] for values in columns]
        # Column-major, as np.column_stack makes it: statsmodels' least squares (the fits it takes over)
        # round differently on a row-major copy of the same matrix.
        matrix = np.zeros((int(rows.sum()), len(keep) + 2), order="F")
        matrix[:, 0] = 1.0
        for values in model_columns:
            matrix[np.arange(len(matrix)), values] = 1.0
        design = _Design(matrix[:, :-1], model_columns)
        self._design = (rows.copy(), (levels, terms, np.asarray(keep, dtype=int), design))
        return self._design[1]


_MAX_ITERATIONS, _TOLERANCE = 100, 1e-8
"""statsmodels' IRLS defaults: at most 100 steps, until the deviance changes by at most 1e-8."""

_LEAST_EIGENVALUE_RATIO = 1e-8
"""Smallest eigenvalue / largest of X'WX below which a fit goes to statsmodels: the normal equations
are then less accurate than its least squares, and its rank test may fail the fit."""


class _Design:
    """A categorical model matrix with its weighted cross-products by counting.

    X'WX of an intercept and 0/1 indicators is a table of weighted counts: entry (j, k) sums the weights
    of the rows with a 1 in both columns. :meth:`information` adds each row's weight to the entries of
    its pairs of columns in one ``np.bincount``, at less than half the cost of the matrix product for a
    few thousand cells and 36 columns (the row of the intercept is the diagonal: every row has the intercept).

    Parameters
    ----------
    matrix : ndarray
        The model matrix: the intercept, then per predictor the indicators of its levels but the first.
    columns : list of ndarray, optional
        Per predictor, each row's column of ``matrix`` (in increasing order of predictor), or
        ``matrix.shape[1]`` where the row has none (its first level). Found from ``matrix`` if not given.
    """

    def __init__(self, matrix: np.ndarray, columns: Sequence[np.ndarray] | None = None):
        self.matrix = matrix
        width = matrix.shape[1]
        if columns is None:  # each row's indicator columns in order, padded with the column past the last
            rows, found = np.nonzero(matrix[:, 1:])
            ones = np.bincount(rows, minlength=len(matrix))
            padded = np.full((len(matrix), max(int(ones.max(initial=0)), 1)), width)
            padded[rows, np.arange(len(rows)) - np.repeat(np.cumsum(ones) - ones, ones)] = found + 1
            columns = list(padded.T)
        # Pairs (a, b), a not after b: entries of the upper triangle, or of the row or column past the
        # last (dropped) where a row has no indicator of a predictor.
        self._entries = np.concatenate(
            [columns[a] * (width + 1) + columns[b] for a in range(len(columns)) for b in range(a, len(columns))]
        )
        self._copies = len(columns) * (len(columns) + 1) // 2

    @property
    def shape(self) -> tuple[int, int]:
        """The model matrix's shape."""
        return self.matrix.shape

    def information(self, weight: np.ndarray) -> np.ndarray:
        """X'WX for row weights ``weight``."""
        width = self.matrix.shape[1]
        table = np.bincount(self._entries, weights=np.tile(weight, self._copies), minlength=(width + 1) ** 2)
        upper = table.reshape(width + 1, width + 1)[:width, :width]
        upper[0, 0], upper[0, 1:] = weight.sum(), upper.diagonal()[1:]
        return upper + np.triu(upper, 1).T


def _solve(design: _Design, weight: np.ndarray, response: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Weighted least squares by the normal equations: coefficients and (X'WX)^-1, or None when X'WX
    is ill-conditioned (see :data:`_LEAST_EIGENVALUE_RATIO`)."""
    information = design.information(weight)
    eigenvalues = np.linalg.eigvalsh(information)
    if not eigenvalues[-1] > 0 or eigenvalues[0] < _LEAST_EIGENVALUE_RATIO * eigenvalues[-1]:
        return None
    inverse = np.linalg.inv(information)
    return inverse @ (design.matrix.T @ (weight * response)), inverse


def _linear_fit(
    design: _Design, count: np.ndarray, total: np.ndarray, square: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Least squares on cell means weighted by cell counts, with the respondent-level residual variance;
    None when the fit needs statsmodels' judgement (ill-conditioned, or no residual degrees of freedom)."""
    mean = total / count
    solved = _solve(design, count, mean) if count.sum() > design.shape[1] else None
    if solved is None:
        return None
    params, inverse = solved
    return params, _linear_covariance(design.matrix, count, mean, square, params, inverse)


def _linear_covariance(
    design: np.ndarray, count: np.ndarray, mean: np.ndarray, square: np.ndarray, params: np.ndarray, inverse: np.ndarray
) -> np.ndarray:
    """(X'WX)^-1 times the respondent-level residual variance: within-cell plus between-cell sums of
    squares over respondents minus coefficients."""
    residual = (square - count * mean**2).sum() + (count * (mean - design @ params) ** 2).sum()
    return inverse * residual / (count.sum() - design.shape[1])


def _logistic_fit(design: _Design, successes: np.ndarray, trials: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Binomial logit GLM on (successes, trials) per cell by IRLS, step for step as statsmodels' ``GLM.fit``.

    Same start (mu = (y + 1/2) / 2), working weights and response, deviance criterion and limits, so the
    same coefficients and covariance (X'WX)^-1 at the last step's weights. Returns None whenever
    statsmodels would warn or could (an exact fit of every cell, an overflowing linear predictor,
    non-finite working values, an ill-conditioned X'WX, as many cells as coefficients) or has not
    converged within its iterations: the caller then lets statsmodels fit (and fail) as it always did.
    """
    if design.shape[0] <= design.shape[1]:
        return None
    eps = np.finfo(float).eps
    endog = successes / trials
    mu = (endog + 0.5) / 2
    clipped = np.minimum(np.maximum(mu, eps), 1 - eps)  # np.clip, without its overhead on small arrays
    linear = np.log(clipped / (1 - clipped))
    deviance = _binomial_deviance(endog, mu, trials)
    for _ in range(_MAX_ITERATIONS):
        clipped = np.minimum(np.maximum(mu, eps), 1 - eps)
        spread = clipped * (1 - clipped)
        weight, response = trials * spread, linear + (endog - mu) / spread
        if not (np.isfinite(weight).all() and np.isfinite(response).all()):
            return None
        solved = _solve(design, weight, response)
        if solved is None:
            return None
        params, inverse = solved
        linear = design.matrix @ params
        with np.errstate(over="ignore"):
            odds = np.exp(-linear)
        if np.isinf(odds).any():
            return None
        mu = 1.0 / (1.0 + odds)
        # statsmodels' tests np.allclose(mu - endog, 0) and np.allclose(previous, deviance, atol=_TOLERANCE,
        # rtol=0), written out: |x| <= 1e-8 (nan and inf are not close), and |a - b| <= atol for a finite b
        # or a == b (equal infinities). np.allclose costs more than the rest of the test on these sizes.
        if np.abs(mu - endog).max() <= 1e-8:
            return None
        previous, deviance = deviance, _binomial_deviance(endog, mu, trials)
        if (abs(previous - deviance) <= _TOLERANCE and np.isfinite(deviance)) or previous == deviance:
            return params, inverse
    return None


def _binomial_deviance(endog: np.ndarray, mu: np.ndarray, trials: np.ndarray) -> float:
    """statsmodels' binomial deviance of proportions ``endog`` at ``mu``."""
    eps = np.finfo(float).eps
    ratio = np.maximum(endog / (mu + 1e-20), eps)  # np.clip(..., eps, None)
    complement = np.maximum((1.0 - endog) / (1.0 - mu + 1e-20), eps)
    return float(np.sum(2 * trials * (endog * np.log(ratio) + (1 - endog) * np.log(complement))))


def _statsmodels_fit(
    design: np.ndarray, count: np.ndarray, total: np.ndarray, square: np.ndarray, logistic: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The fit by statsmodels, every warning an error (separation, rank deficiency, overflow)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if logistic:
            fit = sm.GLM(np.column_stack([total, count - total]), design, family=sm.families.Binomial()).fit()
            return np.asarray(fit.params), np.asarray(fit.cov_params())
        mean = total / count
        fit = sm.WLS(mean, design, weights=count).fit()
        return np.asarray(fit.params), _linear_covariance(
            design, count, mean, square, fit.params, fit.normalized_cov_params
        )


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
    cell and weighted least squares on cell means give exactly the
    coefficients and covariance of the respondent-level fits (R's ``glm``),
    at a fraction of the cost. The linear model's residual variance adds the
    within-cell sum of squares. The first level (in sorted order, "missing"
    last) of each predictor is its reference.

    The fits are our own IRLS and least squares on the cells (statsmodels'
    iterations, start and convergence test; its per-fit overhead was most of
    the cost); a fit that is ill-conditioned, predicts every cell exactly,
    overflows or does not converge is handed to statsmodels, which raises
    (warnings as errors) or fits exactly as before.
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

    Returns
    -------
    DataFrame
        One row per outcome and unit: ``outcome, unit, n, observed, estimate, se, lower, upper,
        reference, band, ci_method, suppressed, suppression_reason``.

    Notes
    -----
    The adjusted value of unit u is ``(1/N) Σ_i f(x_i' β with unit = u)``
    over all N respondents of the reference population (recycled
    predictions; ``f`` the inverse logit or the identity), i.e. the unit's
    expected result with the reference population's case mix. Its standard
    error comes from the delta method, ``g' V g`` with ``g`` the gradient of
    that mean with respect to β and ``V`` the model covariance; the interval
    is normal. The reference is the observed (unweighted) value of the
    reference population, taken as fixed. Band: *better* when the interval
    lies entirely above the reference, *worse* when entirely below, else *as
    expected*. A unit whose respondents are all positive (or none) has no
    finite logistic effect: it is left out of the fit and given its
    unadjusted value with a Wilson interval (``ci_method``
    ``wilson_unadjusted``). If the model cannot be fitted (separation, no
    convergence), every modelled unit is marked ``model_failed``. An outcome
    with fewer than two units at ``min_respondents`` has no comparison and
    no rows.

    References
    ----------
    Agency for Healthcare Research and Quality (2008). *CAHPS Hospital
    Survey: Mode and Patient-Mix Adjustment*.
    Graubard, B. I. and Korn, E. L. (1999). Predictive margins with survey
    data. *Biometrics*, 55(2), 652–659.
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
) -> dict[str, np.ndarray]:
    """:func:`adjusted_comparison`'s table as a dict of its columns (numpy arrays, text as objects).

    For a caller that gathers many comparisons into one table: it adds its columns and builds the
    DataFrame once (a DataFrame of text columns per comparison costs more than its models' fits).
    """
    population = _Population(cells, unit, casemix)
    quantile = stats.norm.ppf(0.5 + confidence / 2)
    parts = [
        _compare(population, outcome, logistic, min_respondents, quantile, proportion_scale if logistic else 1.0)
        for outcome, logistic in outcomes.items()
    ]
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


def _compare(
    population: _Population, outcome: str, logistic: bool, min_respondents: int, quantile: float, scale: float
) -> dict[str, np.ndarray]:
    count, total, _ = population.statistics(outcome)
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
    reason = np.where(shown, None, "too_few_respondents").astype(object)
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
    if modelled.any():
        fitted_rows = (count > 0) & modelled[population.unit_codes]
        try:
            model, keep = population.fit(outcome, fitted_rows, logistic)
        except (Warning, ValueError, np.linalg.LinAlgError):
            reason[modelled] = "model_failed"
            shown &= ~modelled
        else:
            fitted_estimate, fitted_se = _adjusted_values(population, model, keep, count)
            estimate[modelled], se[modelled] = fitted_estimate, fitted_se
            lower[modelled], upper[modelled] = (
                fitted_estimate - quantile * fitted_se,
                fitted_estimate + quantile * fitted_se,
            )
    band = np.where(lower > reference, "better", np.where(upper < reference, "worse", "as_expected")).astype(object)
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
    }
    return {name: values[present] for name, values in columns.items()}


_MAX_CANCELLATION = 1e6
"""Largest ratio of sum(|g_i V_ij g_j|) to g'Vg (the delta-method variance) at which the recycled
predictions sum over case-mix combinations rather than cells. Ordinary fits have ratios below 100; a
nearly separated fit (coefficients of ±25, covariances of 1e8) has ratios of 1e10, where a different
order of the same sums moves its standard errors by up to 1e-5 relative (the float64 rounding of g'Vg
itself is of that size there): those keep the cells' order, and their published values."""


def _adjusted_values(
    population: _Population, model: CasemixModel, keep: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every unit's adjusted value and standard error over the population's case mix (``count``
    respondents per cell), from ``model`` and its full-width columns ``keep`` (see :meth:`_Population.fit`).

    The predictions depend on the case mix only, so they run over its combinations (a few hundred, each
    with its cells' respondents) instead of the cells (every unit's share of each combination): the same
    sums in another order. Where the variance cancels too much for that (:data:`_MAX_CANCELLATION`) they
    run over the cells, in their order.
    """
    unit_terms = len(model.levels[population.unit]) - 1
    for onehot, group in ((population.mix_onehot, population.mix_group), (population.onehot, None)):
        weights = count if group is None else np.bincount(group, weights=count, minlength=len(onehot))
        mix = weights > 0
        base = np.column_stack(
            [np.ones(mix.sum()), np.zeros((mix.sum(), unit_terms)), onehot[mix][:, keep[unit_terms:]]]
        )
        estimate, se, cancellation = _recycled_predictions(model, base, weights[mix])
        if cancellation <= _MAX_CANCELLATION:
            break
    return estimate, se


def _recycled_predictions(
    model: CasemixModel, base: np.ndarray, count: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float]:
    """Mean prediction over the case mix (model rows ``base`` with the unit at its reference, weighted by
    ``count``) for every unit, with delta-method standard errors and the largest cancellation in their
    variances (sum of the absolute terms of g'Vg over g'Vg; 1 without any).
    """
    weight = count / count.sum()
    units = len(model.levels[model.unit])
    unit_effect = np.concatenate([[0.0], model.params[1:units]])
    linear = (base @ model.params)[:, None] + unit_effect[None, :]
    mean = expit(linear) if model.logistic else linear
    slope = mean * (1 - mean) if model.logistic else np.ones_like(linear)
    estimate = weight @ mean
    gradient = (slope * weight[:, None]).T @ base
    unit_slope = weight @ slope
    gradient[np.arange(1, units), np.arange(1, units)] += unit_slope[1:]
    variance = np.einsum("ij,jk,ik->i", gradient, model.cov, gradient)
    absolute = np.einsum("ij,jk,ik->i", np.abs(gradient), np.abs(model.cov), np.abs(gradient))
    with np.errstate(divide="ignore", invalid="ignore"):
        cancellation = np.max(absolute / np.abs(variance), initial=1.0)
    return estimate, np.sqrt(np.clip(variance, 0, None)), float(cancellation)
