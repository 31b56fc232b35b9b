"""Case-mix adjusted comparisons: regions within a pathway, pathways within a region.

Regions treat different patients. A model of the respondent-level outcome on
the unit compared (region or pathway) plus the case mix (age group, sex,
self-rated health, education) gives each unit's result as if it had treated
the whole reference population (direct standardisation by recycled
predictions), which is then compared with the reference population's value.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats
from scipy.special import expit

__all__ = ["CasemixModel", "adjusted_comparison", "fit_casemix_model"]

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
        Per predictor (the unit first), its levels; the first is the
        reference level (coefficient 0).
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

    def design(self, cells: pd.DataFrame, *, with_unit: bool = True) -> np.ndarray:
        """Model matrix of ``cells`` (one row per cell); unseen levels count as the reference."""
        columns = [np.ones(len(cells))]
        for variable, levels in self.levels.items():
            values = cells[variable].to_numpy(dtype=object)
            for level in levels[1:]:
                indicator = (values == level).astype("float64")
                columns.append(indicator if with_unit or variable != self.unit else np.zeros(len(cells)))
        return np.column_stack(columns)


def _cells(data: pd.DataFrame, predictors: list[str], outcome: str) -> pd.DataFrame:
    grouped = data.assign(_square=data[outcome] ** 2).groupby(predictors, observed=True, sort=True)
    return grouped.agg(count=(outcome, "size"), total=(outcome, "sum"), square=("_square", "sum")).reset_index()


def fit_casemix_model(
    data: pd.DataFrame, unit: str, casemix: Sequence[str], outcome: str, *, logistic: bool
) -> CasemixModel:
    """Fit the outcome on the unit plus case mix (all categorical) with statsmodels.

    Parameters
    ----------
    data : DataFrame
        Respondents with a value of ``outcome`` (0/1 for logistic, 0–100 for
        linear) and string columns ``unit`` and ``casemix`` (missing answers
        already a level of their own).
    unit : str
        The compared units' column.
    casemix : sequence of str
        Case-mix columns; a column with a single level is left out.
    outcome : str
        The outcome column.
    logistic : bool
        Binomial GLM with logit link, else a linear model.

    Returns
    -------
    CasemixModel

    Notes
    -----
    All predictors are categorical, so the fit runs on the cells of their
    cross-classification (counts, sums and sums of squares): the binomial
    GLM on (successes, failures) per cell and weighted least squares on
    cell means give exactly the coefficients and covariance of the
    respondent-level fits (R's ``glm``), at a fraction of the cost. The
    linear model's residual variance adds the within-cell sum of squares.
    The first level (in sorted order) of each predictor is its reference.
    """
    predictors = [unit] + [column for column in casemix if data[column].nunique() > 1]
    levels = {column: sorted(data[column].unique(), key=lambda level: (level == MISSING_LEVEL, level)) for column in predictors}
    terms = ["(Intercept)"] + [f"{column}{level}" for column, values in levels.items() for level in values[1:]]
    cells = _cells(data, predictors, outcome)
    model = CasemixModel(unit, levels, terms, np.empty(0), np.empty((0, 0)), logistic, int(cells["count"].sum()))
    design = model.design(cells)
    count, total = cells["count"].to_numpy("float64"), cells["total"].to_numpy("float64")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if logistic:
            fit = sm.GLM(np.column_stack([total, count - total]), design, family=sm.families.Binomial()).fit()
            params, cov = fit.params, fit.cov_params()
        else:
            mean = total / count
            fit = sm.WLS(mean, design, weights=count).fit()
            params = fit.params
            residual = (cells["square"].to_numpy() - count * mean**2).sum() + (count * (mean - design @ params) ** 2).sum()
            cov = fit.normalized_cov_params * residual / (count.sum() - design.shape[1])
    return CasemixModel(unit, levels, terms, np.asarray(params), np.asarray(cov), logistic, model.n)


def adjusted_comparison(
    data: pd.DataFrame,
    unit: str,
    casemix: Sequence[str],
    outcome: str,
    *,
    logistic: bool,
    min_respondents: int = 30,
    confidence: float = 0.95,
    scale: float = 1.0,
) -> pd.DataFrame:
    """Each unit's case-mix adjusted result against the reference population's value.

    Parameters
    ----------
    data : DataFrame
        The reference population's respondents (e.g. every respondent of a
        pathway nationally), with ``unit``, ``casemix`` and ``outcome``;
        rows without an outcome are ignored.
    unit, casemix, outcome, logistic
        As in :func:`fit_casemix_model`.
    min_respondents : int
        Units with fewer respondents are not shown and not in the fit (their
        respondents still count in the reference case mix and value).
    confidence : float
        Interval coverage.
    scale : float
        Multiplier of all values (100 for percent).

    Returns
    -------
    DataFrame
        One row per unit: ``unit, n, observed, estimate, se, lower, upper,
        reference, band, ci_method, suppressed, suppression_reason``.

    Notes
    -----
    The adjusted value of unit u is ``(1/N) Σ_i f(x_i' β with unit = u)``
    over all N respondents of the reference population (recycled
    predictions; ``f`` the inverse logit or the identity), i.e. the unit's
    expected result with the national case mix. Its standard error comes
    from the delta method, ``g' V g`` with ``g`` the gradient of that mean
    with respect to β and ``V`` the model covariance; the interval is normal.
    The reference is the observed (unweighted) value of the reference
    population, taken as fixed. Band: *better* when the interval lies
    entirely above the reference, *worse* when entirely below, else *as
    expected*. If the model cannot be fitted (separation, no convergence),
    every unit is marked ``model_failed``.

    References
    ----------
    Agency for Healthcare Research and Quality (2008). *CAHPS Hospital
    Survey: Mode and Patient-Mix Adjustment*.
    Graubard, B. I. and Korn, E. L. (1999). Predictive margins with survey
    data. *Biometrics*, 55(2), 652–659.
    """
    respondents = data[data[outcome].notna()]
    casemix = list(casemix)
    per_unit = respondents.groupby(unit, observed=True, sort=True)[outcome].agg(["size", "mean"])
    reference = respondents[outcome].mean()
    table = pd.DataFrame({
        "unit": per_unit.index.astype(str), "n": per_unit["size"].to_numpy(), "observed": per_unit["mean"].to_numpy() * scale,
        "estimate": np.nan, "se": np.nan, "lower": np.nan, "upper": np.nan, "reference": reference * scale,
        "band": pd.NA, "ci_method": "delta_method", "suppressed": False, "suppression_reason": pd.NA,
    })
    shown = table["n"].to_numpy() >= min_respondents
    table.loc[~shown, ["observed"]] = np.nan
    table.loc[~shown, "suppressed"] = True
    table.loc[~shown, "suppression_reason"] = "too_few_respondents"
    if not shown.any():
        return table
    fitted = respondents[respondents[unit].isin(table.loc[shown, "unit"])]
    try:
        model = fit_casemix_model(fitted, unit, casemix, outcome, logistic=logistic)
    except (Warning, ValueError, np.linalg.LinAlgError):
        table.loc[shown, ["observed"]] = np.nan
        table.loc[shown, "suppressed"] = True
        table.loc[shown, "suppression_reason"] = "model_failed"
        return table
    estimate, se = _recycled_predictions(model, respondents, [c for c in casemix if c in model.levels])
    quantile = stats.norm.ppf(0.5 + confidence / 2)
    units = table.loc[shown, "unit"].to_numpy()
    position = {level: index for index, level in enumerate(model.levels[unit])}
    rows = [position[u] for u in units]
    lower, upper = estimate[rows] - quantile * se[rows], estimate[rows] + quantile * se[rows]
    table.loc[shown, "estimate"] = estimate[rows] * scale
    table.loc[shown, "se"] = se[rows] * scale
    table.loc[shown, "lower"] = np.clip(lower * scale, 0, 100)
    table.loc[shown, "upper"] = np.clip(upper * scale, 0, 100)
    table.loc[shown, "band"] = np.where(lower > reference, "better", np.where(upper < reference, "worse", "as_expected"))
    return table


def _recycled_predictions(model: CasemixModel, population: pd.DataFrame, casemix: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Mean prediction over ``population``'s case mix for every unit level, with delta-method SEs."""
    mix = population.groupby(casemix, observed=True).size().reset_index(name="count") if casemix else pd.DataFrame({"count": [len(population)]})
    weight = mix["count"].to_numpy("float64") / mix["count"].sum()
    base = model.design(mix.assign(**{model.unit: model.levels[model.unit][0]}), with_unit=False)
    unit_levels = model.levels[model.unit]
    unit_effect = np.concatenate([[0.0], model.params[1:len(unit_levels)]])
    linear = (base @ model.params)[:, None] + unit_effect[None, :]
    mean = expit(linear) if model.logistic else linear
    slope = mean * (1 - mean) if model.logistic else np.ones_like(linear)
    estimate = weight @ mean
    gradient = (slope * weight[:, None]).T @ base
    unit_slope = weight @ slope
    gradient[np.arange(1, len(unit_levels)), np.arange(1, len(unit_levels))] += unit_slope[1:]
    variance = np.einsum("ij,jk,ik->i", gradient, model.cov, gradient)
    return estimate, np.sqrt(np.clip(variance, 0, None))
