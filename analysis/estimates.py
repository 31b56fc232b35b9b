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

import numpy as np
import pandas as pd
from scipy import sparse, stats
from statsmodels.stats.proportion import proportion_confint

__all__ = [
    "CI_METHODS",
    "LevelGroups",
    "estimates_from_sums",
    "grouped_estimates",
    "level_groups",
    "state_stratum_sums",
]

CI_METHODS: dict[str, str] = {
    "wilson": "Wilson score interval for an unweighted proportion (statsmodels proportion_confint, method='wilson').",
    "t": "Student t interval for an unweighted mean: mean ± t(n-1) × s / sqrt(n).",
    "taylor_linearisation": (
        "Design-based interval for a weighted mean or proportion (a ratio estimator): Taylor "
        "linearisation over the strata pathway × region, respondents as primary sampling units, "
        "with-replacement approximation (no finite population correction), weights treated as "
        "fixed; normal interval, clipped to 0-100. A stratum with a single respondent adds no "
        "variance. Respondents without a value stay in the design (domain estimation), as in R's "
        "survey package (svymean with na.rm = TRUE)."
    ),
}
"""The interval methods named in the ``ci_method`` column."""


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
        and ``w, wy, ww, wwy, wwyy``, each value times its state's count.
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


def _taylor(
    sums: Mapping[str, np.ndarray], membership: np.ndarray, to_group: sparse.csr_matrix, confidence: float
) -> dict[str, np.ndarray]:
    """Ratio-estimator linearisation; ``membership`` maps each stratum to its group (0..G-1), and
    ``to_group`` is its :func:`_summing` matrix."""
    weight_total = np.asarray(to_group @ sums["w"])
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.asarray(to_group @ sums["wy"]) / weight_total
        ratio_s, total_s = ratio[membership], weight_total[membership]
        z_sum = (sums["wy"] - ratio_s * sums["w"]) / total_s
        z_square = (sums["wwyy"] - 2 * ratio_s * sums["wwy"] + ratio_s**2 * sums["ww"]) / total_s**2
        psus = sums["psus"][:, None]
        within = np.where(
            psus > 1, psus / np.where(psus > 1, psus - 1, 1) * (z_square - z_sum**2 / np.maximum(psus, 1)), 0.0
        )
    variance = np.asarray(to_group @ np.nan_to_num(np.clip(within, 0, None)))
    se = np.sqrt(variance)
    quantile = stats.norm.ppf(0.5 + confidence / 2)
    return {"estimate": ratio, "se": se, "lower": ratio - quantile * se, "upper": ratio + quantile * se}


def grouped_estimates(
    values: np.ndarray,
    names: Sequence[str],
    stratum: np.ndarray,
    strata: pd.DataFrame,
    levels: Mapping[str, Sequence[str]],
    *,
    weight: np.ndarray | None = None,
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
        Each respondent's stratum, a row position in ``strata``.
    strata : DataFrame
        One row per stratum with the key columns the levels group by.
    levels : mapping of str to sequence of str
        Level name to the key columns of its groups (``[]`` for national).
    weight : ndarray, optional
        Final weights; when given, weighted rows (design-based Taylor
        intervals) follow the unweighted ones (Wilson for proportions, t for
        means).
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
        upper, ci_method``; ``n`` counts respondents with a value. Bounds are
        clipped to ``[0, scale]`` for proportions and ``[0, 100]`` for means.

    Notes
    -----
    Weighted: the ratio estimator ``R = Σ w y / Σ w`` over the respondents of
    the group with a value, with linearised values ``z = w (y - R) / Σ w``
    (0 for respondents without a value) and ``v(R) = Σ_h m_h / (m_h - 1)
    Σ_i (z_hi - z̄_h)²`` over the strata ``h`` of the group with ``m_h``
    respondents. Unweighted proportions use the Wilson score interval.

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
    return estimates_from_sums(
        sums,
        names,
        level_groups(strata, levels),
        weighted=weight is not None,
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
    proportion: bool = False,
    confidence: float = 0.95,
    scale: float = 1.0,
) -> pd.DataFrame:
    """:func:`grouped_estimates` from the per-stratum sums (of respondents, or of
    :func:`state_stratum_sums`) and the groups of every level (:func:`level_groups`); ``weighted``
    when the sums have the weighted ones."""
    key_columns = list(dict.fromkeys(column for level in groups for column in level.keys))
    weightings = [("unweighted", "wilson" if proportion else "t")]
    if weighted:
        weightings.append(("weighted", "taylor_linearisation"))
    fields = ("estimate", "se", "lower", "upper")
    columns: dict[str, list[np.ndarray]] = {
        name: [] for name in ["level", *key_columns, "name", "weighting", "n", *fields, "ci_method"]
    }
    k = len(names)
    for level in groups:
        membership = level.membership
        to_group = _summing(membership, membership.max() + 1 if len(membership) else 0)
        n = np.asarray(to_group @ sums["n"])
        rows = n.size
        for weighting, method in weightings:
            if weighting == "weighted":
                result = _taylor(sums, membership, to_group, confidence)
            else:
                grouped = {name: np.asarray(to_group @ sums[name]) for name in ("n", "y", "yy")}
                result = _unweighted(grouped, proportion, confidence)
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
            columns["ci_method"].append(np.full(rows, method, dtype=object))
    table = {name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in columns.items()}
    top = scale if proportion else 100.0
    table["lower"] = np.clip(table["lower"], 0, top)
    table["upper"] = np.clip(table["upper"], 0, top)
    return pd.DataFrame(table)
