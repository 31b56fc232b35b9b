"""Better / as expected / worse: each unit against the rest of the country, on funnel limits.

The NHS Patient Survey programme's expected ranges (Spiegelhalter 2005): a
unit (a region within a pathway, or a pathway within a region) is compared
with the *rest* of its reference population, not with a fixed national value
that contains the unit itself. The standardised difference

    z_u = (θ_u − θ_rest(u)) / sqrt(s_u² + τ²)

uses the standard error ``s_u`` of the difference (the unit's and the rest's
uncertainty and their covariance, from the same model) and a between-unit
variance ``τ²`` for the overdispersion that remains when units truly differ
(the additive random-effects model), estimated from Winsorised z-scores so
that the outlying units being looked for do not inflate it. A unit is flagged
only outside the 99.8 % limits: with 16 outcomes × 21 regions per pathway,
95 % limits would flag about 17 comparisons per pathway by chance alone; the
99.8 % limits flag about 0.7. The 95 % bands are reported beside it.

Everything here is a pure function of the compared units' adjusted values,
their covariance and their respondents; :mod:`analysis.casemix` calls it per
outcome and reference population.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.stats.mstats import winsorize

__all__ = [
    "FLAG_LEVEL",
    "FUNNEL_LEVELS",
    "HIDDEN_WITH_N",
    "MIN_UNITS_OVERDISPERSION",
    "WINSORISED_SHARE",
    "comparison_methods",
    "funnel_bands",
    "funnel_comparison",
    "overdispersion",
    "publish_masked_comparisons",
    "rest_contrasts",
]

FUNNEL_LEVELS = (0.95, 0.998)
"""Coverage of the funnel limits reported (95 %: warning, 99.8 %: the flag)."""
FLAG_LEVEL = 0.998
"""The limits the published band (better / as expected / worse) is judged against."""
WINSORISED_SHARE = 0.1
"""Share of the z-scores at each tail pulled in to the next value before φ is estimated (Spiegelhalter 2005)."""
MIN_UNITS_OVERDISPERSION = 10
"""Fewest units with a z-score for which τ² is estimated: with fewer, Winsorising at 10 % trims nothing and
τ² from a handful of units would absorb any real difference; τ² is then 0 (limits not widened)."""


def rest_contrasts(weight: np.ndarray, pooled: np.ndarray) -> np.ndarray:
    """The contrasts unit − rest: row u is ``e_u − a_u``, ``a_u`` the rest's weights.

    Parameters
    ----------
    weight : ndarray
        Each unit's weight in the rest of the country (its respondents).
    pooled : ndarray of bool
        The units that make up the rest (those with a modelled value).

    Returns
    -------
    ndarray
        ``K × K``; ``contrasts @ estimate`` is each unit's difference from
        the weighted mean of the other pooled units. A row is NaN where no
        other unit is pooled.
    """
    share = np.where(pooled, weight, 0.0).astype("float64")
    others = np.broadcast_to(share, (len(share), len(share))).copy()
    np.fill_diagonal(others, 0.0)
    totals = others.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rest = others / np.where(totals > 0, totals, np.nan)
    return np.eye(len(share)) - rest


def overdispersion(z: np.ndarray, se: np.ndarray, *, winsorised_share: float = WINSORISED_SHARE) -> tuple[float, float]:
    """φ and the additive between-unit variance τ² from the units' z-scores (Spiegelhalter 2005, §5).

    Parameters
    ----------
    z : ndarray
        Standardised differences ``d_u / s_u`` of the units that have one.
    se : ndarray
        Their standard errors ``s_u``.
    winsorised_share : float
        Share of the z-scores at each tail set to the nearest value inside
        (``floor(share × I)`` each side, as ``scipy.stats.mstats.winsorize``).

    Returns
    -------
    phi, tau2 : float
        ``φ = mean(z_w²)`` of the Winsorised z-scores and
        ``τ² = (Iφ − (I − 1)) / (Σw − Σw²/Σw)``, ``w = 1/s²``, 0 when
        ``Iφ ≤ I − 1`` or fewer than :data:`MIN_UNITS_OVERDISPERSION` units.
        NaN and 0 when no unit has a z-score.
    """
    count = len(z)
    if count == 0:
        return np.nan, 0.0
    trimmed = np.asarray(winsorize(np.asarray(z, dtype="float64"), limits=(winsorised_share, winsorised_share)))
    phi = float(np.mean(trimmed**2))
    if count < MIN_UNITS_OVERDISPERSION or count * phi <= count - 1:
        return phi, 0.0
    w = 1 / np.asarray(se, dtype="float64") ** 2
    return phi, float((count * phi - (count - 1)) / (w.sum() - (w**2).sum() / w.sum()))


def funnel_bands(z: np.ndarray, level: float) -> np.ndarray:
    """``better`` / ``worse`` where the overdispersion-adjusted z lies beyond the two-sided ``level``
    limits, ``as_expected`` within, None where there is no z."""
    limit = stats.norm.ppf(0.5 + level / 2)
    band = np.where(z > limit, "better", np.where(z < -limit, "worse", "as_expected")).astype(object)
    band[~np.isfinite(z)] = None
    return band


def funnel_comparison(
    estimate: np.ndarray,
    covariance: np.ndarray,
    weight: np.ndarray,
    compared: np.ndarray,
    *,
    proportion: bool,
) -> dict[str, np.ndarray]:
    """Each compared unit against the rest of the country, judged on funnel limits.

    Parameters
    ----------
    estimate : ndarray
        The units' adjusted values (shares 0–1 or scores 0–100).
    covariance : ndarray
        Their covariance (``K × K``, from the model); a unit outside the
        model (all or none of its respondents positive) has a NaN row and
        column and is not part of any rest.
    weight : ndarray
        Respondents per unit: the weights of the rest's mean.
    compared : ndarray of bool
        The units shown (the others get no row values).
    proportion : bool
        Shares: a unit outside the model is judged with the binomial
        variance under the rest's value, ``θ_rest(1 − θ_rest)/n_u``
        (Spiegelhalter's null variance), plus the rest's own.

    Returns
    -------
    dict of ndarray
        ``rest_value, difference, difference_se, z_score, tau2, phi,
        expected_lower_95, expected_upper_95, expected_lower, expected_upper,
        band_95, band``: the expected ranges are ``θ_rest ± q·sqrt(s² + τ²)``
        (``band`` and ``expected_*`` at :data:`FLAG_LEVEL`), on the scale of
        ``estimate``.
    """
    estimate = np.asarray(estimate, dtype="float64")
    weight = np.asarray(weight, dtype="float64")
    modelled = compared & np.isfinite(np.diag(covariance))
    contrasts = rest_contrasts(weight, modelled)
    rest_weights = np.eye(len(estimate)) - contrasts
    filled = np.where(np.isfinite(covariance), covariance, 0.0)
    rest = np.where(compared, rest_weights @ np.where(modelled, estimate, 0.0), np.nan)
    difference = estimate - rest
    variance = np.einsum("ij,jk,ik->i", contrasts, filled, contrasts)
    outside = compared & ~modelled
    if proportion:
        with np.errstate(invalid="ignore", divide="ignore"):
            variance[outside] += rest[outside] * (1 - rest[outside]) / weight[outside]
    else:
        variance[outside] = np.nan
    se = np.where(compared, np.sqrt(np.clip(variance, 0, None)), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = difference / se
    scored = np.isfinite(z) & (se > 0)
    phi, tau2 = overdispersion(z[scored], se[scored])
    spread = np.sqrt(se**2 + tau2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_score = np.where(scored, difference / spread, np.nan)
    columns: dict[str, np.ndarray] = {
        "rest_value": rest,
        "difference": np.where(compared, difference, np.nan),
        "difference_se": se,
        "z_score": z_score,
        "tau2": np.where(compared, tau2, np.nan),
        "phi": np.where(compared, phi, np.nan),
    }
    for level, suffix in ((FUNNEL_LEVELS[0], "_95"), (FLAG_LEVEL, "")):
        half = stats.norm.ppf(0.5 + level / 2) * np.where(scored, spread, np.nan)
        columns[f"expected_lower{suffix}"], columns[f"expected_upper{suffix}"] = rest - half, rest + half
        columns[f"band{suffix}"] = funnel_bands(z_score, level)
    return columns


HIDDEN_WITH_N = (
    "rest_value",
    "difference",
    "difference_se",
    "z_score",
    "expected_lower_95",
    "expected_upper_95",
    "expected_lower",
    "expected_upper",
)
"""Funnel columns not shown in a comparison where a unit's n is masked (see :func:`publish_masked_comparisons`)."""

_POPULATION = {"regions_within_pathway": "pathway", "pathways_within_region": "region"}
"""Each comparison's reference population column."""


def publish_masked_comparisons(table: pd.DataFrame) -> pd.DataFrame:
    """Where any compared unit's ``n`` is masked: none of the outcome's units of that reference population
    shows the rest's value, the difference, its standard error, z or the limits; the bands, τ² and φ stay.

    The masked unit's own difference and standard error would give back about its n (as ``se`` would);
    every other unit's rest is a mean weighted by the respondents, the masked n among them, so that the
    rest's value (also the midpoint of the limits, and the estimate minus z times the limits' spread)
    with the shown n and estimates gives the masked n back, to within the rounding of its estimate.
    """
    hidden_n = table["n"].isna() & ~table["suppressed"].fillna(True).astype(bool)
    if not hidden_n.any():
        return table
    population = table["comparison"].map(_POPULATION)
    unit_of = np.where(population == "pathway", table["pathway"], table["region"])
    keys = pd.DataFrame(
        {
            "comparison": table["comparison"],
            "population": unit_of,
            "dimension": table["dimension"],
            "item_id": table["item_id"],
            "measure": table["measure"],
        }
    )
    group = keys.groupby(list(keys.columns), dropna=False, sort=False).ngroup().to_numpy()
    hidden = np.isin(group, group[hidden_n.to_numpy()])
    table.loc[hidden, list(HIDDEN_WITH_N)] = np.nan
    return table


def comparison_methods() -> pd.DataFrame:
    """The methods table's statement of the comparison (topic ``comparison``), in English."""
    statement = (
        "Better / as expected / worse (column band): each unit's case-mix adjusted value against the rest of its "
        "reference population (rest_value: the other modelled units' adjusted values weighted by their respondents, "
        "the unit itself left out), as a standardised difference whose standard error (difference_se) comes from the "
        "model's covariance of the adjusted values, so that it carries the unit's and the rest's uncertainty and their "
        "covariance. Overdispersion (units differing more than chance): an additive random-effects model "
        "(Spiegelhalter 2005, as the NHS Patient Survey programme's expected ranges), its between-unit variance tau2 = "
        "(I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1/difference_se^2, phi the mean squared z-score after "
        f"Winsorising {WINSORISED_SHARE:.0%} of the I z-scores at each tail, per outcome and reference population; 0 when "
        f"I phi <= I - 1 or fewer than {MIN_UNITS_OVERDISPERSION} units. z_score = difference / sqrt(difference_se^2 + "
        f"tau2); band better above {stats.norm.ppf(0.5 + FLAG_LEVEL / 2):.2f} ({FLAG_LEVEL:.1%} funnel limits, "
        "expected_lower / expected_upper = rest_value -/+ that multiple of sqrt(difference_se^2 + tau2)), worse below "
        f"minus it, else as_expected; band_95 the same at the {FUNNEL_LEVELS[0]:.0%} limits (a warning: with 16 outcomes "
        "x 21 regions about 17 flags per pathway by chance at 95 %, under 1 at 99.8 %). A unit whose respondents are all "
        "positive or none (outside the logistic model, wilson_unadjusted) is compared by its observed share with the "
        "binomial variance under the rest's value plus the rest's variance. Separation (column separation): a logistic "
        "fit with a predictor level whose respondents are all positive or none, or with a coefficient beyond +-10 or a "
        "standard error above 25 on the logit scale, is named on every row that rests on it; its estimates are shown. "
        "Where a unit's n is masked, no unit of that outcome and reference population shows rest_value, difference, "
        "difference_se, z_score or the limits (the rest's respondent-weighted mean would give the masked n back); "
        "the bands, tau2 and phi are shown."
    )
    return pd.DataFrame({"topic": ["comparison"], "description": [statement]})
